import { kv } from "yourspace:edge";

/** Requests a client may make in one window. */
const LIMIT = 5;
const WINDOW_SECONDS = 60;

/**
 * A fixed-window rate limiter: one counter per client and window, ratelimit/<client>/<window>,
 * which expires on its own once its window is over (the platform's shortest TTL is 60 s, so it
 * lives one window past its own). Under the limit the request goes on; over it, 429.
 *
 * The counter is read from the region's own copy and written through to home, so it counts
 * exactly only while a client stays in one region; README.md says what happens across regions.
 */
export default async function limit(req, ctx) {
  const client = clientOf(req);
  const window = Math.floor(Date.now() / 1000 / WINDOW_SECONDS);
  const key = `ratelimit/${client}/${window}`;
  const count = Number((await kv.get(key)) ?? 0);
  const retryAfter = (window + 1) * WINDOW_SECONDS - Math.floor(Date.now() / 1000);
  if (count >= LIMIT) {
    return new Response(`Too many requests: ${LIMIT} a minute. Try again in ${retryAfter} s.\n`, {
      status: 429,
      headers: { "retry-after": String(retryAfter), "x-ratelimit-remaining": "0" },
    });
  }
  await kv.put(key, String(count + 1), { expirationTtl: 2 * WINDOW_SECONDS });
  const answer = await ctx.next();
  const headers = new Headers(answer.headers);
  headers.set("x-ratelimit-remaining", String(LIMIT - count - 1));
  return new Response(answer.body, { status: answer.status, headers });
}

/** Who is asking: the first address a proxy forwarded, else one shared bucket. */
function clientOf(req) {
  const forwarded = req.headers.get("x-forwarded-for");
  return forwarded ? forwarded.split(",")[0].trim() : "anonymous";
}

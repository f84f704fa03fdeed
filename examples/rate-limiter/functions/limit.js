import { kv } from "yourspace:edge";

/** Requests a client may make in one window. */
const LIMIT = 5;
const WINDOW_SECONDS = 60;

/**
 * A fixed-window rate limiter: one counter per client and window, ratelimit/<client>/<window>,
 * counted with kv.incr. The increment is decided at home, whatever region the request runs in, and
 * answers home's new count, so exactly LIMIT requests a window pass, however many arrive at once
 * and wherever they land. The counter expires on its own: its TTL is set when the window's first
 * request creates it (the platform's shortest TTL, 60 s, is one window).
 */
export default async function limit(req, ctx) {
  const client = clientOf(req);
  const now = Math.floor(Date.now() / 1000);
  const window = Math.floor(now / WINDOW_SECONDS);
  const count = await kv.incr(`ratelimit/${client}/${window}`, { expirationTtl: WINDOW_SECONDS });
  if (count > LIMIT) {
    const retryAfter = (window + 1) * WINDOW_SECONDS - now;
    return new Response(`Too many requests: ${LIMIT} a minute. Try again in ${retryAfter} s.\n`, {
      status: 429,
      headers: { "retry-after": String(retryAfter), "x-ratelimit-remaining": "0" },
    });
  }
  const answer = await ctx.next();
  const headers = new Headers(answer.headers);
  headers.set("x-ratelimit-remaining", String(LIMIT - count));
  return new Response(answer.body, { status: answer.status, headers });
}

/** Who is asking: the first address a proxy forwarded, else one shared bucket. */
function clientOf(req) {
  const forwarded = req.headers.get("x-forwarded-for");
  return forwarded ? forwarded.split(",")[0].trim() : "anonymous";
}

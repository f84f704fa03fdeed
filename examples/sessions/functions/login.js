import { kv } from "yourspace:edge";

/** How long a session lasts: the store expires it, so a stale token needs no clean-up. */
const SESSION_SECONDS = 60 * 60;

/**
 * POST /login with a JSON body {"user": "ada"} opens a session: a random token, stored as
 * sessions/<token> with a TTL, and answered as JSON. The client sends the token back as its
 * Authorization header, which is what the admin guard (admin.js) looks up.
 */
export default async function login(req) {
  if (req.method !== "POST") {
    return new Response('POST {"user": "<name>"} to log in.\n', { status: 405, headers: { allow: "POST" } });
  }
  const body = await req.json().catch(() => null);
  const user = typeof body?.user === "string" ? body.user.trim() : "";
  if (user === "") return Response.json({ error: 'The body must be JSON with a "user" name.' }, { status: 400 });

  const token = crypto.randomUUID();
  const expiresAt = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
  await kv.put(`sessions/${token}`, JSON.stringify({ user, since: new Date().toISOString() }), { expirationTtl: SESSION_SECONDS });
  return Response.json({ token, expiresAt }, { status: 201 });
}

import { kv } from "yourspace:edge";

export default async function handler(req, ctx) {
  const sessionToken = req.headers.get("authorization");
  const session = sessionToken
    ? await kv.get(`sessions/${sessionToken}`)
    : null;

  if (req.url.pathname.startsWith("/admin") && !session) {
    return ctx.redirect("/login");
  }

  return ctx.next();
}

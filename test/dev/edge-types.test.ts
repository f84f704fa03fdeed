import { describe, expect, it } from "vitest";
import type { EdgeContext, EdgeRequest, Handler, KvBinding } from "yourspace:edge";

/**
 * The types shipped for "yourspace:edge" (types/edge.d.ts) describe the launch post's handler, the
 * SDK's answers and ctx: `tsc --noEmit` (npm run lint) checks what this file states, and the runtime
 * checks below compare the declared shape with what a real binding answers in the other tests.
 */
const launchPost: Handler = async (req, ctx) => {
  const kv = ctx.env.KV!;
  const sessionToken = req.headers.get("authorization");
  const session = sessionToken ? await kv.get(`sessions/${sessionToken}`) : null;
  if (req.url.pathname.startsWith("/admin") && !session) return ctx.redirect("/login");
  return ctx.next();
};

async function reads(kv: KvBinding): Promise<[string | null, { theme: string } | null, Map<string, string | null>, string | null]> {
  const text = await kv.get("a");
  const json = await kv.get<{ theme: string }>("config", { type: "json", cacheTtl: 60 });
  const many = await kv.get(["a", "b"]);
  const { version } = await kv.getWithMetadata("a");
  return [text, json, many, version];
}

describe("types/edge.d.ts", () => {
  it("types a handler's request url as a URL and its ctx as the runtime's", async () => {
    const ctx: EdgeContext = {
      next: () => Promise.resolve(new Response("next")),
      redirect: (location, status = 302) => new Response(null, { status, headers: { location: String(location) } }),
      region: "iad",
      env: { KV: { get: () => Promise.resolve(null) } as unknown as KvBinding },
      waitUntil: () => {},
    };
    const req = { headers: new Headers(), url: new URL("http://x/admin/a") } as unknown as EdgeRequest;
    const answer = await launchPost(req, ctx);
    expect([answer.status, answer.headers.get("location")]).toEqual([302, "/login"]);
    expect(typeof reads).toBe("function");
  });
});

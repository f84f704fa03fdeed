import { describe, expect, it } from "vitest";
import { devProject, startDevProcess } from "../support/dev-process.js";

/**
 * Arguments a function could only give from JavaScript (never through the CLI or the API, whose
 * keys and metadata arrive as text): each call's outcome, as the EdgeKvError's code and message, or
 * what was thrown when it was anything else.
 */
const CALLS = `import { kv, EdgeKvError } from "yourspace:edge";

export default async function () {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const calls: Record<string, () => Promise<unknown>> = {
    "get(5)": () => kv.get(5 as any),
    "get()": () => (kv.get as any)(),
    "get([ok, 7])": () => kv.get(["ok", 7] as any),
    "getWithMetadata(null)": () => kv.getWithMetadata(null as any),
    "put({})": () => kv.put({} as any, "x"),
    "delete(undefined)": () => kv.delete(undefined as any),
    "incr(1n)": () => kv.incr(1n as any),
    "metadata with a bigint": () => kv.put("m", "x", { metadata: { n: 1n } }),
    "cyclic metadata": () => kv.put("m", "x", { metadata: cyclic }),
    "expiration and expirationTtl": () => kv.put("both", "x", { expirationTtl: 120, expiration: Math.floor(Date.now() / 1000) + 3600 }),
  };
  const outcomes: Record<string, string> = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      await call();
      outcomes[name] = "ok";
    } catch (e) {
      outcomes[name] = e instanceof EdgeKvError ? \`\${e.code}: \${e.message}\` : \`not an EdgeKvError: \${String(e)}\`;
    }
  }
  outcomes.written = String((await kv.list()).keys.map((k) => k.name));
  return Response.json(outcomes);
}
`;

describe("the SDK refuses arguments of the wrong kind with an EdgeKvError, as the API refuses their like", () => {
  it("a key that is not a string, metadata that is not JSON, and both expiries, writing nothing", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/", function: "calls" }] }),
      "functions/calls.ts": CALLS,
    });
    const dev = await startDevProcess(project);
    const outcomes = (await (await dev.fetch("/")).json()) as Record<string, string>;
    expect(outcomes).toEqual({
      "get(5)": "USAGE: A key must be a string, not number 5.",
      "get()": "USAGE: A key must be a string, not undefined.",
      "get([ok, 7])": "USAGE: A key must be a string, not number 7.",
      "getWithMetadata(null)": "USAGE: A key must be a string, not null.",
      "put({})": "USAGE: A key must be a string, not an object.",
      "delete(undefined)": "USAGE: A key must be a string, not undefined.",
      "incr(1n)": "USAGE: A key must be a string, not bigint 1.",
      "metadata with a bigint": "INVALID_METADATA: The metadata is not valid JSON: Do not know how to serialize a BigInt.",
      "cyclic metadata": "INVALID_METADATA: The metadata is not valid JSON: Converting circular structure to JSON.",
      "expiration and expirationTtl": "USAGE: A time to live and an expiry time cannot be given together.",
      written: "",
    });
  });
});

describe("the SDK takes what Cloudflare's KV takes", () => {
  it("a null prefix lists every key, and null metadata is none", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/", function: "nulls" }] }),
      "functions/nulls.ts": `import { kv } from "yourspace:edge";
export default async (req: Request & { url: URL }) => {
  await kv.put("a/1", "x", { metadata: null });
  const listed = await kv.list({ prefix: req.url.searchParams.get("prefix") });
  return Response.json({ names: listed.keys.map((k) => k.name), metadata: (await kv.getWithMetadata("a/1")).metadata });
};
`,
    });
    const dev = await startDevProcess(project);
    expect(await (await dev.fetch("/")).json()).toEqual({ names: ["a/1"], metadata: null });
  });
});

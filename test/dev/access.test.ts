import { describe, expect, it } from "vitest";
import { ok } from "../support/kv.js";
import { devProject, startDevProcess } from "../support/dev-process.js";

/**
 * A read-only route's function tries every way to write it has: each method of its default binding
 * and of its named one, every export of the SDK, a read-write binding another route's function left
 * on the shared global object, and a write from a timer, outside any request. It answers what each
 * attempt did.
 */
const ATTEMPTS = `import * as edge from "yourspace:edge";
import { kv } from "yourspace:edge";

type Attempt = [string, () => Promise<unknown>];

export default async function (req: Request, ctx: { env: Record<string, any> }) {
  const attempts: Attempt[] = [
    ["kv.put", () => kv.put("k", "x")],
    ["kv.put stream", () => kv.put("k", new Response("x").body)],
    ["kv.delete", () => kv.delete("seeded")],
    ["kv.incr", () => kv.incr("hits")],
    ["env.RO.put", () => ctx.env.RO.put("k", "x", { expirationTtl: 600 })],
    ["env.RO.delete", () => ctx.env.RO.delete("seeded")],
    ["put.call", () => kv.put.call(ctx.env.RO, "k", "x")],
    ["stolen RW.put", () => (globalThis as any).stolen.put("k", "x")],
    ["stolen RW.delete", () => (globalThis as any).stolen.delete("seeded")],
    ["stolen RW.incr", () => (globalThis as any).stolen.incr("hits")],
    ["stolen RW.get", () => (globalThis as any).stolen.get("seeded")],
  ];
  for (const [name, value] of Object.entries(edge))
    for (const method of ["put", "delete", "incr"])
      if (value && typeof (value as any)[method] === "function") attempts.push([\`edge.\${name}.\${method}\`, () => (value as any)[method]("k", "x")]);
  attempts.push(["from a timer", () => new Promise((resolve, reject) => setTimeout(() => kv.put("k", "x").then(resolve, reject), 0))]);
  const outcomes: Record<string, string> = {};
  for (const [name, attempt] of attempts) {
    try {
      await attempt();
      outcomes[name] = "written";
    } catch (e: any) {
      outcomes[name] = e.code ?? String(e);
    }
  }
  return Response.json(outcomes);
}
`;

describe("a read-only route cannot write by any path", () => {
  it("refuses every SDK method, every export of the SDK and another route's binding, and writes nothing", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({
        routes: [
          // The writer leaves its read-write binding where any function can reach it.
          { pattern: "/writer", function: "writer", kv: { RW: { namespace: "default", access: "read-write" } } },
          {
            pattern: "/reader",
            function: "reader",
            kv: { default: { namespace: "default", access: "read-only" }, RO: { namespace: "default", access: "read-only" } },
          },
        ],
      }),
      "functions/writer.ts": `export default (req: Request, ctx: any) => { (globalThis as any).stolen = ctx.env.RW; return new Response("left"); };\n`,
      "functions/reader.ts": ATTEMPTS,
    });
    await ok(project.kv("set", "seeded", "v"));
    const dev = await startDevProcess(project);
    expect(await (await dev.fetch("/writer")).text()).toBe("left");
    const outcomes = (await (await dev.fetch("/reader")).json()) as Record<string, string>;
    expect(outcomes).toEqual({
      "kv.put": "PERMISSION_DENIED",
      "kv.put stream": "PERMISSION_DENIED",
      "kv.delete": "PERMISSION_DENIED",
      "kv.incr": "PERMISSION_DENIED",
      "env.RO.put": "PERMISSION_DENIED",
      "env.RO.delete": "PERMISSION_DENIED",
      "put.call": "PERMISSION_DENIED",
      "stolen RW.put": "PERMISSION_DENIED",
      "stolen RW.delete": "PERMISSION_DENIED",
      "stolen RW.incr": "PERMISSION_DENIED",
      // Not even a read: the route has no binding called RW.
      "stolen RW.get": "PERMISSION_DENIED",
      "edge.kv.put": "PERMISSION_DENIED",
      "edge.kv.delete": "PERMISSION_DENIED",
      "edge.kv.incr": "PERMISSION_DENIED",
      "from a timer": "PERMISSION_DENIED",
    });
    expect((await project.kv("get", "k")).code).toBe(3);
    expect((await project.kv("get", "hits")).code).toBe(3);
    expect((await ok(project.kv("get", "seeded"))).out).toBe("v");
  });

  it("names the route, the binding and what to change in yourspace.jsonc", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/flags/*", function: "write", kv: "read-only" }] }),
      "functions/write.ts": `import { kv, EdgeKvError } from "yourspace:edge";
export default async () => {
  try {
    await kv.put("flags/x", "on");
    return new Response("written");
  } catch (e) {
    return Response.json({ isEdgeKvError: e instanceof EdgeKvError, code: (e as EdgeKvError).code, message: (e as Error).message, hint: (e as EdgeKvError).hint });
  }
};
`,
    });
    const dev = await startDevProcess(project);
    const answer = (await (await dev.fetch("/flags/x")).json()) as Record<string, unknown>;
    expect(answer).toEqual({
      isEdgeKvError: true,
      code: "PERMISSION_DENIED",
      message: 'Route /flags/* reaches namespace "default" read-only (as kv, its default binding); the function cannot write to it.',
      hint: expect.stringContaining("yourspace.jsonc") as unknown,
    });
    expect(answer.hint).not.toMatch(/--/);
    // The refusal is in the server's log, where the developer watches.
    const [logged] = await dev.eventsWhen(1, (e) => e.event === "request" && e.path === "/flags/x");
    expect(logged!.kv).toEqual([{ op: "put", binding: "default", key: "flags/x", error: "PERMISSION_DENIED" }]);
  });

  it("gives a route that does not make kv read-only the default namespace read-write, and ctx.env only what it names", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({
        routes: [
          { pattern: "/plain", function: "counter" },
          { pattern: "/named", function: "counter", kv: { FLAGS: { namespace: "default", access: "read-only" } } },
        ],
      }),
      "functions/counter.ts": `import { kv } from "yourspace:edge";
export default async (req, ctx) => {
  await kv.put("visits", req.url.pathname);
  return Response.json({ stored: await kv.get("visits"), env: Object.keys(ctx.env) });
};
`,
    });
    const dev = await startDevProcess(project);
    expect(await (await dev.fetch("/plain")).json()).toEqual({ stored: "/plain", env: [] });
    expect(await (await dev.fetch("/named")).json()).toEqual({ stored: "/named", env: ["FLAGS"] });
    expect((await ok(project.kv("get", "visits"))).out).toBe("/named");
  });
});

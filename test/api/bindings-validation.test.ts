import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { paths } from "../../src/contract/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { ApiServer } from "../../src/server/server.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/** Bindings made through the API are checked as `kv bind` checks them, and keep their namespace. */

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await request(`${server.url}${path}`, {
      method: method as "GET",
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, any> };
  };
  return { server, call };
}

const binding = (route: string, variable: string, namespace = "default") => ({ route, variable, namespace, access: "read-write" });

describe("a binding made through the API", () => {
  it("is refused when kv bind would refuse it", async () => {
    const { call } = await serve();
    for (const [route, variable, code] of [
      ["", "V", "INVALID_ROUTE"],
      ["admin", "V", "INVALID_ROUTE"],
      ["/a*b", "V", "INVALID_ROUTE"],
      [`/${"x".repeat(900_000)}`, "V", "INVALID_ROUTE"],
      // 342 characters of three bytes each: over 1,024 bytes, though not over 1,024 characters.
      [`/${"中".repeat(342)}`, "V", "INVALID_ROUTE"],
      ["/a/*", "", "USAGE"],
      ["/a/*", "lower", "USAGE"],
      ["/a/*", "1ST", "USAGE"],
      ["/a/*", "V".repeat(65), "USAGE"],
    ] as const) {
      const res = await call("PUT", paths.bindings("local"), binding(route, variable));
      expect(res.status, `${route.slice(0, 20)} ${variable}`).toBe(400);
      expect(res.json.code).toBe(code);
    }
    expect((await call("GET", paths.bindings("local"))).json.bindings).toEqual([]);
  });

  it("of the longest route and variable can be removed again", async () => {
    const { call } = await serve();
    const route = `/${"中".repeat(340)}a*`;
    const variable = "V".repeat(64);
    expect((await call("PUT", paths.bindings("local"), binding(route, variable))).status).toBe(200);
    const removed = await call("DELETE", `${paths.bindings("local")}?route=${encodeURIComponent(route)}&variable=${variable}`);
    expect(removed).toEqual({ status: 200, json: { removed: true } });
  });
});

describe("a namespace a route is bound to", () => {
  it("cannot be removed until its bindings are", async () => {
    const { call } = await serve();
    expect((await call("POST", paths.namespaces("local"), { name: "bnd" })).status).toBe(201);
    expect((await call("PUT", paths.bindings("local"), binding("/b/*", "BND", "bnd"))).status).toBe(200);
    const refused = await call("DELETE", paths.namespace("local", "bnd"));
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: "NAMESPACE_PROTECTED", details: { namespace: "bnd", bindings: [{ route: "/b/*", variable: "BND" }] } });
    expect(refused.json.message).toContain("/b/* (as BND)");
    expect((await call("GET", paths.namespaces("local"))).json.namespaces.map((n: { name: string }) => n.name)).toContain("bnd");
    await call("DELETE", `${paths.bindings("local")}?route=%2Fb%2F*&variable=BND`);
    expect((await call("DELETE", paths.namespace("local", "bnd"))).status).toBe(200);
  });
});

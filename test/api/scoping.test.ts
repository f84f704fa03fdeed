import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { paths, ROUTES } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { openStore } from "../../src/emulator/store/store.js";

/**
 * Site scoping and token scopes, on every endpoint of a real ApiServer: raw HTTP (undici) for the
 * status codes and bodies, the real CLI (in-process, --api-url/--token) for the exit codes and messages.
 */

type Method = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";

interface Endpoint {
  name: string;
  method: Method;
  path: (site: string) => string;
  body?: string;
  type?: string;
}

/** The namespace-level routes, with a body each would accept. */
const ENDPOINTS: Endpoint[] = [
  { name: "list namespaces", method: "GET", path: (s) => paths.namespaces(s) },
  { name: "create namespace", method: "POST", path: (s) => paths.namespaces(s), body: '{"name":"fresh"}', type: "application/json" },
  { name: "remove namespace", method: "DELETE", path: (s) => paths.namespace(s, "secret") },
  { name: "list keys", method: "GET", path: (s) => paths.keys(s, "secret") },
  { name: "get value", method: "GET", path: (s) => paths.value(s, "secret", "k") },
  { name: "put value", method: "PUT", path: (s) => paths.value(s, "secret", "k"), body: "overwritten", type: "application/octet-stream" },
  { name: "delete value", method: "DELETE", path: (s) => paths.value(s, "secret", "k") },
  { name: "bulk delete", method: "POST", path: (s) => paths.bulkDelete(s, "secret"), body: '{"keys":["k"],"force":true}', type: "application/json" },
  { name: "prefix delete", method: "POST", path: (s) => paths.deletePrefix(s, "secret"), body: '{"prefix":""}', type: "application/json" },
  { name: "bulk put", method: "POST", path: (s) => paths.bulkPut(s, "secret"), body: '{"entries":[{"key":"k","value":"x"}]}', type: "application/json" },
  { name: "export", method: "GET", path: (s) => paths.export(s, "secret") },
];

const METHODS = ["GET", "PUT", "POST", "PATCH", "DELETE"] as const;

/** A route pattern of the contract with its parameters filled in for `site`. */
const fill = (pattern: string, site: string) => pattern.replace(":site", site).replace(":ns", "secret").replace("*", "k");

/** A server with site "alpha" (namespace "secret" holding k = "alpha's secret") and site "beta". */
async function twoSites() {
  const dataDir = tempDir();
  const clock = new ManualClock(T0);
  const server = await ApiServer.start({ dataDir, port: 0, clock });
  onTestFinished(() => server.stop());
  const alpha = server.tokens.create({ site: "alpha" }).token;
  const beta = server.tokens.create({ site: "beta" }).token;
  server.engine.createNamespace("alpha", "secret");
  server.engine.put("alpha", "secret", "k", { value: Buffer.from("alpha's secret") });
  const call = async (method: Method, path: string, options: { token?: string | null; authorization?: string; body?: string; type?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.type) headers["content-type"] = options.type;
    const res = await request(`${server.url}${path}`, { method, headers, body: options.body });
    const text = await res.body.text();
    return { status: res.statusCode, type: String(res.headers["content-type"]), text, json: safeJson(text) };
  };
  /** The CLI, in this process, against this server with the given token. */
  const cli = (argv: string[], token: string, extra: string[] = []) => {
    const cwd = tempDir();
    return runCli(["--api-url", server.url, "--token", token, ...extra, ...argv], {
      cwd,
      clock,
      env: { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: join(cwd, "unused-data") },
    });
  };
  return { server, dataDir, clock, alpha, beta, call, cli };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What an attacker sees, with the site's name masked: it must not depend on whether the site exists. */
const masked = (text: string, site: string) => text.replaceAll(site, "<site>");

describe("a token of another site: 404, whether or not the site exists", () => {
  // Every route of the contract that names a site, with every method the server serves on it (found by
  // asking without a token: a served method answers 401, others 404/405).
  it.each(Object.entries(ROUTES).filter(([, pattern]) => pattern.includes(":site")))("%s (%s)", async (_name, pattern) => {
    const { server, beta, alpha, call } = await twoSites();
    const served: Method[] = [];
    for (const method of METHODS) if ((await call(method, fill(pattern, "alpha"))).status === 401) served.push(method);
    expect(served.length, `no method served on ${pattern}`).toBeGreaterThan(0);
    for (const method of served) {
      const body = method === "GET" || method === "DELETE" ? undefined : '{"name":"fresh","keys":["k"],"entries":[]}';
      const type = body && "application/json";
      // "alpha" exists and holds data; "gamma" (same length) was never created.
      const real = await call(method, fill(pattern, "alpha"), { token: beta, body, type });
      const never = await call(method, fill(pattern, "gamma"), { token: beta, body, type });
      expect(real.status, `${method} ${pattern}: ${real.text}`).toBe(404);
      expect(real.json).toEqual({ code: "NOT_FOUND", message: 'Site "alpha" is not known to this token.', hint: expect.any(String) });
      expect({ method, status: never.status, type: never.type, text: masked(never.text, "gamma") }).toEqual({
        method,
        status: real.status,
        type: real.type,
        text: masked(real.text, "alpha"),
      });
      expect(real.text).not.toContain("secret");
    }
    // Nothing of alpha's changed.
    const still = await call("GET", paths.value("alpha", "secret", "k"), { token: alpha });
    expect({ status: still.status, text: still.text }).toEqual({ status: 200, text: "alpha's secret" });
    expect(server.engine.listNamespaces("alpha").map((n) => n.name)).toEqual(["default", "secret"]);
  });

  it("covers the data routes: every one of them is served", async () => {
    const { call } = await twoSites();
    for (const endpoint of ENDPOINTS) expect((await call(endpoint.method, endpoint.path("alpha"))).status, endpoint.name).toBe(401);
  });

  it("a namespace that exists in another site answers like one that does not", async () => {
    const { beta, call } = await twoSites();
    const existing = await call("GET", paths.keys("alpha", "secret"), { token: beta });
    const missing = await call("GET", paths.keys("alpha", "nothing"), { token: beta });
    expect(existing.status).toBe(404);
    expect(missing.text).toBe(existing.text);
  });

  it("the same token reaches its own site's data", async () => {
    const { alpha, beta, call } = await twoSites();
    expect((await call("GET", paths.keys("alpha", "secret"), { token: alpha })).json).toMatchObject({ keys: [{ key: "k" }], complete: true });
    expect((await call("GET", "/v1/whoami", { token: beta })).json).toMatchObject({
      site: "beta",
      token: { kind: "site", access: "read-write", namespaces: null },
    });
  });

  it("through the CLI: --site of another site exits 3 (not found), and the data stays hidden", async () => {
    const { beta, cli } = await twoSites();
    for (const argv of [
      ["kv", "get", "k", "-n", "secret"],
      ["kv", "ls", "-n", "secret"],
      ["kv", "set", "k", "v", "-n", "secret"],
      ["kv", "rm", "k", "-n", "secret"],
      ["kv", "namespace", "ls"],
    ]) {
      for (const site of ["alpha", "gamma"]) {
        const r = await cli([...argv, "--json"], beta, ["--site", site]);
        expect(r.code, `${argv.join(" ")} --site ${site}: ${r.stderr}`).toBe(3);
        expect(r.out).toBe("");
        expect(r.stderr).toContain(`{"error":{"code":"NOT_FOUND","message":"Site \\"${site}\\" is not known to this token."`);
      }
    }
  });
});

describe("missing or garbage Authorization: 401 UNAUTHENTICATED", () => {
  it.each([
    ["no header", undefined],
    ["empty", ""],
    ["Bearer with nothing", "Bearer"],
    ["Bearer and spaces", "Bearer    "],
    ["Basic", `Basic ${Buffer.from("user:pass").toString("base64")}`],
    ["unknown token", "Bearer ys_000000000000_nottherealtoken"],
    ["two tokens", "Bearer a b"],
    ["garbage", "\u00ff\u00fe garbage"],
  ])("%s", async (_name, authorization) => {
    const { call } = await twoSites();
    for (const endpoint of [{ name: "whoami", method: "GET" as Method, path: () => "/v1/whoami" }, ...ENDPOINTS]) {
      for (const site of ["alpha", "gamma"]) {
        const r = await call(endpoint.method, endpoint.path(site), {
          authorization: authorization ?? undefined,
          token: null,
          body: endpoint.body,
          type: endpoint.type,
        });
        expect(r.status, `${endpoint.name} ${site}: ${r.text}`).toBe(401);
        expect(r.json).toEqual({ code: "UNAUTHENTICATED", message: expect.any(String), hint: expect.any(String) });
      }
    }
  });

  it("a token that is not valid exits 4 through the CLI, saying so, and never echoes the token", async () => {
    const { cli } = await twoSites();
    const r = await cli(["kv", "get", "k"], "ys_bogus_token_value");
    expect(r.code).toBe(4);
    expect(r.out).toBe("");
    expect(r.stderr).toContain("✖ The token is not valid.");
    expect(r.stderr).not.toContain("ys_bogus_token_value");
  });
});

describe("scoped tokens are refused what they lack: 403 over HTTP, exit 4 through the CLI", () => {
  it("a token limited to namespace x cannot reach namespace y, nor manage namespaces", async () => {
    const { server, call, cli } = await twoSites();
    server.engine.createNamespace("alpha", "x");
    server.engine.put("alpha", "x", "k", { value: Buffer.from("in x") });
    const { token } = server.tokens.create({ site: "alpha", kind: "scoped", access: "read-write", namespaces: ["x"] });
    // What it has.
    expect((await call("GET", paths.value("alpha", "x", "k"), { token })).text).toBe("in x");
    expect((await call("PUT", paths.value("alpha", "x", "k2"), { token, body: "w" })).status).toBe(200);
    expect((await call("GET", paths.namespaces("alpha"), { token })).json).toEqual({ namespaces: [expect.objectContaining({ name: "x" })] });
    // What it lacks.
    for (const endpoint of ENDPOINTS.filter((e) => e.path("alpha").includes("/namespaces/secret/"))) {
      const r = await call(endpoint.method, endpoint.path("alpha"), { token, body: endpoint.body, type: endpoint.type });
      expect(r.status, `${endpoint.name}: ${r.text}`).toBe(403);
      expect(r.json).toEqual({ code: "PERMISSION_DENIED", message: expect.stringMatching(/namespace "secret".*limited to "x"/), hint: expect.any(String) });
    }
    for (const [method, path, body] of [
      ["POST", paths.namespaces("alpha"), '{"name":"fresh"}'],
      ["DELETE", paths.namespace("alpha", "secret"), undefined],
      ["DELETE", paths.namespace("alpha", "x"), undefined],
    ] as const) {
      const r = await call(method, path, { token, body, type: body && "application/json" });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.json).toEqual({
        code: "PERMISSION_DENIED",
        message: expect.stringMatching(/scoped token cannot manage .*only a site token can/),
        hint: expect.stringContaining("site token"),
      });
    }
    expect((await call("GET", paths.value("alpha", "secret", "k"), { token: null, authorization: `Bearer ${token}` })).status).toBe(403);

    const get = await cli(["kv", "get", "k", "-n", "secret"], token);
    expect(get.code).toBe(4);
    expect(get.out).toBe("");
    expect(get.stderr).toMatch(/^✖ This token cannot reach namespace "secret"; it is limited to "x"\.$/m);
    expect(get.stderr).toMatch(/^ {2}\S.*token/m);
    const json = await cli(["kv", "set", "k", "v", "-n", "secret", "--json"], token);
    expect(json.code).toBe(4);
    expect(json.stderr).toContain('{"error":{"code":"PERMISSION_DENIED"');
    const ns = await cli(["kv", "namespace", "create", "fresh"], token);
    expect(ns.code).toBe(4);
    expect(ns.stderr).toMatch(/^✖ This scoped token cannot manage .*only a site token can\.$/m);
    expect((await cli(["kv", "get", "k", "-n", "x"], token)).out).toBe("in x");
    expect(server.engine.get("alpha", "secret", "k").entry?.value.toString()).toBe("alpha's secret");
  });

  it("a read-only token reads but cannot write", async () => {
    const { server, call, cli } = await twoSites();
    const { token } = server.tokens.create({ site: "alpha", kind: "scoped", access: "read-only", namespaces: null });
    expect((await call("GET", paths.value("alpha", "secret", "k"), { token })).text).toBe("alpha's secret");
    expect((await call("GET", paths.keys("alpha", "secret"), { token })).status).toBe(200);
    for (const endpoint of ENDPOINTS.filter((e) => e.method !== "GET" && e.path("alpha").includes("/namespaces/secret/"))) {
      const r = await call(endpoint.method, endpoint.path("alpha"), { token, body: endpoint.body, type: endpoint.type });
      expect(r.status, `${endpoint.name}: ${r.text}`).toBe(403);
      expect(r.json).toEqual({ code: "PERMISSION_DENIED", message: "This token is read-only; it cannot write.", hint: expect.any(String) });
    }
    const set = await cli(["kv", "set", "k", "v", "-n", "secret"], token);
    expect(set.code).toBe(4);
    expect(set.out).toBe("");
    expect(set.stderr).toContain("✖ This token is read-only; it cannot write.");
    expect(set.stderr).toMatch(/^ {2}\S.*read-write/m);
    const rm = await cli(["kv", "rm", "k", "-n", "secret", "--json"], token);
    expect(rm.code).toBe(4);
    expect(rm.stderr).toContain('"code":"PERMISSION_DENIED"');
    // A prefix's removal counts what it would remove (a read), then is refused at its first step.
    const rmPrefix = await cli(["kv", "rm", "--prefix", "", "-n", "secret", "--yes", "--json"], token);
    expect(rmPrefix.code).toBe(4);
    expect(rmPrefix.stderr).toContain('"code":"PERMISSION_DENIED"');
    expect((await cli(["kv", "get", "k", "-n", "secret"], token)).out).toBe("alpha's secret");
    expect(server.engine.get("alpha", "secret", "k").entry?.value.toString()).toBe("alpha's secret");
  });

  it("a token created with --expires-in stops working when the emulator's manual clock passes its expiry", async () => {
    const { dataDir, call, cli, clock } = await twoSites();
    const cwd = tempDir();
    const emulator = (...argv: string[]) =>
      runCli(["--data-dir", dataDir, "kv", "emulator", ...argv], {
        cwd,
        clock,
        env: { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: dataDir },
      });
    expect((await emulator("clock", "manual")).code).toBe(0);
    const created = await emulator("token", "create", "--site", "alpha", "--namespace", "secret", "--read-only", "--expires-in", "1h", "--json");
    expect(created.code, created.stderr).toBe(0);
    const { token, expiresAt, kind, access, namespaces } = JSON.parse(created.out) as {
      token: string;
      expiresAt: string;
      kind: string;
      access: string;
      namespaces: string[];
    };
    expect({ expiresAt, kind, access, namespaces }).toEqual({
      expiresAt: new Date(T0 + 3_600_000).toISOString(),
      kind: "scoped",
      access: "read-only",
      namespaces: ["secret"],
    });
    expect((await call("GET", paths.value("alpha", "secret", "k"), { token })).status).toBe(200);
    expect((await cli(["kv", "get", "k", "-n", "secret"], token)).code).toBe(0);
    // Another process moves the emulator's clock; the running server sees it at once.
    expect((await emulator("advance", "1h")).code).toBe(0);
    const r = await call("GET", paths.value("alpha", "secret", "k"), { token });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ code: "UNAUTHENTICATED", message: `The token expired at ${new Date(T0 + 3_600_000).toISOString()}.`, hint: expect.any(String) });
    const get = await cli(["kv", "get", "k", "-n", "secret"], token);
    expect(get.code).toBe(4);
    expect(get.out).toBe("");
    expect(get.stderr).toContain(`✖ The token expired at ${new Date(T0 + 3_600_000).toISOString()}.`);
    expect(get.stderr).not.toContain(token);
  });

  it("a token whose expiresAt is already past is refused", async () => {
    const { server, call, cli } = await twoSites();
    const { token } = server.tokens.create({ site: "alpha", kind: "scoped", access: "read-write", namespaces: null, expiresAt: T0 - 1 });
    const r = await call("GET", "/v1/whoami", { token });
    expect(r.status).toBe(401);
    expect((r.json as { message: string }).message).toBe(`The token expired at ${new Date(T0 - 1).toISOString()}.`);
    const set = await cli(["kv", "set", "k", "v", "-n", "secret", "--json"], token);
    expect(set.code).toBe(4);
    expect(set.stderr).toContain('"code":"UNAUTHENTICATED"');
    expect(set.stderr).toContain("The token expired at");
    expect(server.engine.get("alpha", "secret", "k").entry?.value.toString()).toBe("alpha's secret");
  });

  it("refuses a token that another process revoked after the server had accepted (and cached) it", async () => {
    const { dataDir, alpha, call } = await twoSites();
    expect((await call("GET", ROUTES.whoami, { token: alpha })).status).toBe(200);
    // Another process on the same data directory: its own connection to the store.
    const other = openStore({ dataDir, now: T0 });
    try {
      other.prepare("UPDATE tokens SET revoked_at = ? WHERE site = 'alpha'").run(T0);
    } finally {
      other.close();
    }
    const refused = await call("GET", ROUTES.whoami, { token: alpha });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ code: "UNAUTHENTICATED", message: "The token has been revoked." });
  });
});

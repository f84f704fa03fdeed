import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { HttpBackend } from "../../src/client/client.js";
import { HEADERS, MEDIA, paths } from "../../src/contract/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { KvError } from "../../src/core/errors.js";
import { LocalBackend } from "../../src/emulator/index.js";
import { ApiServer } from "../../src/server/server.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * The emulator's control and region-view routes on a real ApiServer: through the real client, whose
 * answers must equal what the embedded emulator makes over the same store; as raw HTTP for statuses,
 * authorization and bodies; and the client and the CLI against a platform that has no such routes.
 */

async function serve() {
  const dataDir = tempDir();
  const server = await ApiServer.start({ dataDir, port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const site = server.tokens.create({ site: "local" }).token;
  const client = await HttpBackend.open({ apiUrl: server.url, token: site, site: "local" });
  onTestFinished(() => client.close());
  // The embedded emulator over the same data directory: what the CLI without --api-url shows.
  const embedded = LocalBackend.open({ dataDir, site: "local", clock: new ManualClock(T0), cwd: dataDir });
  onTestFinished(() => embedded.close());
  const call = async (method: "GET" | "POST", path: string, options: { token?: string | null; body?: string } = {}) => {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? site : options.token;
    if (token !== null) headers[HEADERS.authorization] = `Bearer ${token}`;
    if (options.body !== undefined) headers[HEADERS.contentType] = MEDIA.json;
    const res = await request(`${server.url}${path}`, { method, headers, body: options.body });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  return { server, site, client, embedded, call };
}

const CONTROLS = [
  { path: paths.emulatorClock(), body: '{"mode":"manual"}' },
  { path: paths.emulatorAdvance(), body: '{"ms":0}' },
  { path: paths.emulatorSettle(), body: undefined },
  { path: paths.emulatorFaults(), body: '{"command":"pause","region":"fra"}' },
];

describe("the emulator's routes through the client", () => {
  it("answer what the embedded emulator shows, and change what it sees", async () => {
    const { server, client, embedded } = await serve();
    const remote = client.emulator();
    const local = embedded.controls();
    expect(await remote.status()).toEqual(await local.status());
    expect(await remote.setClock("manual")).toEqual({ mode: "manual", now: new Date(T0).toISOString(), offsetMs: 0 });
    server.engine.put("local", "default", "k", { value: Buffer.from("v1") });
    const view = await remote.inspect("default", "k");
    expect(view).toEqual(await local.inspect("default", "k"));
    expect(view.regions.map((r) => [r.region, r.behindHome])).toEqual([
      ["iad", false],
      ["fra", true],
      ["sin", true],
    ]);
    expect(await remote.fault("partition", "sin")).toEqual({ region: "sin", fault: "partition", changed: true });
    expect(await remote.fault("partition", "sin")).toEqual({ region: "sin", fault: "partition", changed: false });
    expect(await remote.advance(1_000)).toEqual({ mode: "manual", now: new Date(T0 + 1_000).toISOString(), advancedMs: 1_000 });
    const held = await remote.inspect("default", "k");
    expect(held.regions[1]).toMatchObject({ region: "fra", behindHome: false, version: view.homeVersion, value: "v1" });
    expect(held.regions[2]).toMatchObject({ region: "sin", behindHome: true, heldBy: "partition", visibleAt: null, held: true });
    expect(await remote.status()).toEqual(await local.status());
    expect((await remote.status()).regions[2]).toMatchObject({ region: "sin", partitioned: true, pending: 1, held: true, caughtUpAt: null });
    expect(await remote.settle()).toEqual({ settled: ["fra"], held: ["sin"] });
    expect(await remote.fault("heal", "sin")).toMatchObject({ changed: true });
    expect(await remote.settle()).toEqual({ settled: ["fra", "sin"], held: [] });
    expect((await remote.inspect("default", "k")).regions.every((r) => !r.behindHome)).toBe(true);
    expect(await remote.setClock("real")).toMatchObject({ mode: "real", offsetMs: 1_000 });
  });

  it("find a key with any characters in the path, as a value's route does", async () => {
    const { server, client } = await serve();
    const key = "café/日本語/🎉 with space?q=1#frag%";
    server.engine.put("local", "default", key, { value: Buffer.from("x") });
    expect(await client.emulator().inspect("default", key)).toMatchObject({ key, homeVersion: "00000000000000000001" });
  });

  it("record each control in the acting token's audit log, and a refusal as denied", async () => {
    const { server, call, client } = await serve();
    const readOnly = server.tokens.create({ site: "local", access: "read-only" }).token;
    expect((await call("POST", paths.emulatorClock(), { body: '{"mode":"manual"}' })).status).toBe(200);
    expect((await call("POST", paths.emulatorFaults(), { body: '{"command":"resume","region":"fra"}' })).status).toBe(200);
    expect((await call("POST", paths.emulatorAdvance(), { body: '{"ms":-5}' })).status).toBe(400);
    expect((await call("POST", paths.emulatorSettle(), { token: readOnly })).status).toBe(403);
    server.core.ledger.flush();
    const entries = (await client.audit({})).filter((e) => e.action === "control").reverse();
    expect(entries.map(({ action, namespace, key, region, outcome }) => ({ action, namespace, key, region, outcome }))).toEqual([
      { action: "control", namespace: "", key: "clock manual", region: "iad", outcome: "ok" },
      { action: "control", namespace: "", key: "resume", region: "fra", outcome: "unchanged" },
      { action: "control", namespace: "", key: "advance -5ms", region: "iad", outcome: "USAGE" },
      { action: "control", namespace: "", key: null, region: "iad", outcome: "denied" },
    ]);
    expect(entries[3]!.actor).not.toBe(entries[0]!.actor);
  });
});

describe("who may use the emulator's routes", () => {
  it("no token: 401 on every route", async () => {
    const { call } = await serve();
    for (const { path, body } of [{ path: paths.emulator(), body: undefined }, ...CONTROLS]) {
      const res = await call(path === paths.emulator() ? "GET" : "POST", path, { token: null, body });
      expect([path, res.status, res.body.code]).toEqual([path, 401, "UNAUTHENTICATED"]);
    }
    expect((await call("GET", paths.regions("local", "default", "k"), { token: null })).status).toBe(401);
  });

  it("a read-only, scoped or route token reads the status but drives no control", async () => {
    const { server, call } = await serve();
    server.engine.put("local", "default", "k", { value: Buffer.from("v") });
    const tokens = {
      "read-only site": server.tokens.create({ site: "local", access: "read-only" }).token,
      scoped: server.tokens.create({ site: "local", kind: "scoped", namespaces: ["default"] }).token,
      route: server.tokens.create({ site: "local", kind: "route", route: "/api/*" }).token,
    };
    for (const [kind, token] of Object.entries(tokens)) {
      expect([kind, (await call("GET", paths.emulator(), { token })).status]).toEqual([kind, 200]);
      for (const { path, body } of CONTROLS) {
        const res = await call("POST", path, { token, body });
        expect([kind, path, res.status, res.body.code]).toEqual([kind, path, 403, "PERMISSION_DENIED"]);
      }
    }
    // Nothing changed: the clock is still real, fra not paused.
    const status = (await call("GET", paths.emulator())).body;
    expect(status.clock.mode).toBe("real");
    expect(status.regions[1].paused).toBe(false);
    // A region view is a read of the namespace: the scoped token reads default; the route token, bound to nothing, does not.
    expect((await call("GET", paths.regions("local", "default", "k"), { token: tokens.scoped })).status).toBe(200);
    expect((await call("GET", paths.regions("local", "default", "k"), { token: tokens.route })).status).toBe(403);
  });

  it("a read-write site token of any site drives the controls (one emulator serves every site), recorded in its own site's log", async () => {
    const { server, call, client } = await serve();
    const other = server.tokens.create({ site: "other" }).token;
    expect((await call("POST", paths.emulatorFaults(), { token: other, body: '{"command":"pause","region":"fra"}' })).body).toEqual({
      region: "fra",
      fault: "pause",
      changed: true,
    });
    expect((await call("GET", paths.emulator())).body.regions[1].paused).toBe(true);
    server.core.ledger.flush();
    expect((await client.audit({})).filter((e) => e.action === "control")).toEqual([]);
    const otherLog = await call("GET", paths.audit("other"), { token: other });
    expect(otherLog.body.entries).toMatchObject([{ action: "control", key: "pause", region: "fra", outcome: "ok" }]);
  });

  it("another site's token sees no region view of this site, and a token scoped elsewhere none of this namespace", async () => {
    const { server, call } = await serve();
    server.engine.put("local", "default", "k", { value: Buffer.from("secret") });
    const other = server.tokens.create({ site: "other" }).token;
    const res = await call("GET", paths.regions("local", "default", "k"), { token: other });
    expect([res.status, res.body.code]).toEqual([404, "NOT_FOUND"]);
    expect(JSON.stringify(res.body)).not.toContain('secret"');
    server.engine.createNamespace("local", "flags");
    const elsewhere = server.tokens.create({ site: "local", kind: "scoped", namespaces: ["flags"] }).token;
    expect((await call("GET", paths.regions("local", "default", "k"), { token: elsewhere })).status).toBe(403);
  });
});

describe("what the emulator's routes refuse", () => {
  const cases: [string, "GET" | "POST", string, string | undefined, number, string][] = [
    ["a clock mode that is not one", "POST", paths.emulatorClock(), '{"mode":"fast"}', 400, "USAGE"],
    ["a mode of the wrong type", "POST", paths.emulatorClock(), '{"mode":1}', 400, "MALFORMED_BODY"],
    ["ms as a string", "POST", paths.emulatorAdvance(), '{"ms":"1s"}', 400, "MALFORMED_BODY"],
    ["ms not whole", "POST", paths.emulatorAdvance(), '{"ms":1.5}', 400, "MALFORMED_BODY"],
    ["ms beyond a JSON number", "POST", paths.emulatorAdvance(), '{"ms":1e400}', 400, "MALFORMED_BODY"],
    ["ms beyond 2^53", "POST", paths.emulatorAdvance(), '{"ms":9007199254740993}', 400, "MALFORMED_BODY"],
    ["ms past the year 9999", "POST", paths.emulatorAdvance(), '{"ms":9007199254740991}', 400, "USAGE"],
    ["a negative ms", "POST", paths.emulatorAdvance(), '{"ms":-1}', 400, "USAGE"],
    ["no ms", "POST", paths.emulatorAdvance(), "{}", 400, "MALFORMED_BODY"],
    ["an unknown field", "POST", paths.emulatorAdvance(), '{"ms":1,"also":2}', 400, "MALFORMED_BODY"],
    ["an array", "POST", paths.emulatorFaults(), '["partition","fra"]', 400, "MALFORMED_BODY"],
    ["a body that is not JSON", "POST", paths.emulatorFaults(), "partition fra", 400, "MALFORMED_BODY"],
    ["a __proto__ field", "POST", paths.emulatorFaults(), '{"__proto__":{"command":"heal"},"region":"fra"}', 400, "MALFORMED_BODY"],
    ["an unknown fault command", "POST", paths.emulatorFaults(), '{"command":"explode","region":"fra"}', 400, "USAGE"],
    ["an unknown region", "POST", paths.emulatorFaults(), '{"command":"partition","region":"mars"}', 400, "USAGE"],
    ["a pause of home", "POST", paths.emulatorFaults(), '{"command":"pause","region":"iad"}', 400, "USAGE"],
    ["a partition of home", "POST", paths.emulatorFaults(), '{"command":"partition","region":"iad"}', 400, "USAGE"],
    ["a heal of home", "POST", paths.emulatorFaults(), '{"command":"heal","region":"iad"}', 400, "USAGE"],
    ["a region view of a missing namespace", "GET", paths.regions("local", "ghost", "k"), undefined, 404, "NAMESPACE_NOT_FOUND"],
    ["a query parameter", "GET", `${paths.emulator()}?region=fra`, undefined, 400, "USAGE"],
  ];
  it.each(cases)("%s: %s %s → %i %s", async (_what, method, path, body, status, code) => {
    const { call } = await serve();
    // The clock is manual, so a refused advance is refused for its body, not for the clock.
    expect((await call("POST", paths.emulatorClock(), { body: '{"mode":"manual"}' })).status).toBe(200);
    const res = await call(method, path, { body });
    expect([res.status, res.body.code]).toEqual([status, code]);
    expect(typeof res.body.message).toBe("string");
    expect(typeof res.body.hint).toBe("string");
  });

  it("an advance on a real clock, and a GET of a control, are refused", async () => {
    const { call } = await serve();
    expect((await call("POST", paths.emulatorAdvance(), { body: '{"ms":1}' })).body.code).toBe("USAGE");
    const res = await call("GET", paths.emulatorSettle());
    expect([res.status, res.body.code]).toEqual([405, "METHOD_NOT_ALLOWED"]);
  });
});

describe("a platform that is not the emulator", () => {
  /** A platform API without the emulator's routes: whoami answers, any other path is its 404. */
  async function platform() {
    const server = createServer((req, res) => {
      const known = req.url === paths.whoami() || req.url!.startsWith(paths.keys("local", "default"));
      const text = known
        ? JSON.stringify({ keys: [], cursor: null })
        : JSON.stringify({ code: "NOT_FOUND", message: `There is no route ${req.url}.`, hint: null });
      res.writeHead(known ? 200 : 404, { "content-type": "application/json" });
      res.end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("the client reports NOT_AN_EMULATOR for every control and for a region view", async () => {
    const apiUrl = await platform();
    const client = await HttpBackend.open({ apiUrl, token: "t", site: "local" });
    onTestFinished(() => client.close());
    const controls = client.emulator();
    for (const attempt of [
      controls.status(),
      controls.setClock("manual"),
      controls.advance(1),
      controls.settle(),
      controls.fault("heal", "fra"),
      controls.inspect("default", "k"),
    ]) {
      const error = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KvError);
      expect((error as KvError).code).toBe("NOT_AN_EMULATOR");
      expect((error as KvError).message).toContain(apiUrl);
    }
  });

  it("the CLI exits 3 with NOT_AN_EMULATOR and names --local", async () => {
    const apiUrl = await platform();
    const cwd = tempDir();
    const r = await runCli(["kv", "emulator", "status", "--api-url", apiUrl, "--token", "t", "--site", "local", "--json"], { cwd, env: {} });
    expect(r.code).toBe(3);
    expect(r.stdout.length).toBe(0);
    const { error } = JSON.parse(r.stderr.trim().split("\n").at(-1)!) as { error: { code: string; hint: string } };
    expect(error.code).toBe("NOT_AN_EMULATOR");
    expect(error.hint).toContain("--local");
  });
});

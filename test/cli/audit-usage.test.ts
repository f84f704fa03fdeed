import { writeFileSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { runCli } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { createToken, fails, json, local, LOCAL_ACTOR, ok, sandbox, startServer, type AuditJson, type Sandbox, type Usage } from "../support/site.js";

/**
 * The audit log and usage metering: the CLI in process on the embedded emulator and against the API
 * server `kv emulator start` runs (in process, on a loopback port), raw HTTP with undici, and the store
 * itself read with better-sqlite3. Time is moved with the emulator's own manual clock (`kv emulator
 * clock manual`, `advance`).
 */

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const HOUR = 3_600_000;

/** Every row of the audit table, straight from the store, as one string. */
function rawAudit(sb: Sandbox): { rows: Record<string, unknown>[]; dump: string } {
  const db = new BetterSqlite3(join(sb.dataDir, "kv.sqlite"), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT * FROM audit ORDER BY id").all() as Record<string, unknown>[];
    return { rows, dump: JSON.stringify(rows) };
  } finally {
    db.close();
  }
}

async function audit(sb: Sandbox, args: string[] = []): Promise<AuditJson["entries"]> {
  return json<AuditJson>(await local(sb, ["kv", "audit", ...args, "--json"])).entries;
}

async function usage(sb: Sandbox): Promise<Usage> {
  return json<Usage>(await local(sb, ["kv", "usage", "--json"]));
}

/** Emulated now, from `kv emulator status`. */
async function emulatedNow(sb: Sandbox): Promise<number> {
  return Date.parse(json(await local(sb, ["kv", "emulator", "status", "--json"])).clock.now);
}

/** Switches to the manual clock, moved past a month's end if one is near, so a period does not roll over mid-test. */
async function manualClock(sb: Sandbox): Promise<number> {
  ok(await local(sb, ["kv", "emulator", "clock", "manual"]));
  let now = await emulatedNow(sb);
  const d = new Date(now);
  const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  if (nextMonth - now < 2 * 86_400_000) {
    ok(await local(sb, ["kv", "emulator", "advance", `${nextMonth + HOUR - now}ms`]));
    now = await emulatedNow(sb);
  }
  return now;
}

/** Records without their time, oldest first (the log lists newest first). */
const chronological = (entries: AuditJson["entries"]) => entries.map(({ t: _t, ...rest }) => rest).reverse();

describe("kv audit", () => {
  it("records every read, write and delete of the embedded CLI with time, actor, namespace, key, region and outcome; --key and --actor filter; values appear nowhere", async () => {
    const sb = sandbox();
    const VALUE = "V4LUE-7f3a9c-must-never-be-logged";
    const IMPORTED = "1MPORTED-51c0de-never-logged-either";
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    ok(await local(sb, ["kv", "set", "-n", "flags", "secret-key", VALUE, "--metadata", '{"owner":"web"}']));
    ok(await local(sb, ["kv", "get", "-n", "flags", "secret-key"]));
    fails(await local(sb, ["kv", "get", "-n", "flags", "missing"]), 3, /"missing"/);
    expect(ok(await local(sb, ["kv", "get", "-n", "flags", "secret-key", "--region", "sin"])).out).toBe(VALUE);
    ok(await local(sb, ["kv", "ls", "-n", "flags", "secret"]));
    ok(await local(sb, ["kv", "rm", "-n", "flags", "secret-key"]));
    ok(await local(sb, ["kv", "rm", "-n", "flags", "ghost", "--force"]));
    writeFileSync(join(sb.cwd, "in.ndjson"), `${JSON.stringify({ key: "a", value: IMPORTED })}\n${JSON.stringify({ key: "b", value: IMPORTED })}\n`);
    ok(await local(sb, ["kv", "import", "-n", "flags", "in.ndjson"]));

    const r = await local(sb, ["kv", "audit", "--json"]);
    const entries = json<AuditJson>(r).entries;
    const by = (action: string, key: string | null, region: string, outcome: string) => ({
      actor: LOCAL_ACTOR,
      action,
      namespace: "flags",
      key,
      region,
      outcome,
      count: 1,
    });
    expect(chronological(entries)).toEqual([
      by("write", "secret-key", "iad", "ok"),
      by("read", "secret-key", "iad", "ok"),
      by("read", "missing", "iad", "not-found"),
      by("read", "secret-key", "sin", "ok"),
      by("list", "secret", "iad", "ok"),
      by("delete", "secret-key", "iad", "ok"),
      by("delete", "ghost", "iad", "not-found"),
      by("write", "a", "iad", "ok"),
      by("write", "b", "iad", "ok"),
    ]);
    for (const e of entries) expect(e.t).toMatch(ISO);
    const times = entries.map((e) => Date.parse(e.t));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(Math.abs(times[0]! - Date.now())).toBeLessThan(5 * 60_000);

    const keyed = await audit(sb, ["--key", "secret-key"]);
    expect(chronological(keyed).map((e) => `${e.action}/${e.region}/${e.outcome}`)).toEqual(["write/iad/ok", "read/iad/ok", "read/sin/ok", "delete/iad/ok"]);
    expect(await audit(sb, ["--actor", LOCAL_ACTOR])).toHaveLength(entries.length);
    expect(await audit(sb, ["--actor", "token:000000000000"])).toEqual([]);
    expect(await audit(sb, ["--since", "1h"])).toHaveLength(entries.length);
    fails(await local(sb, ["kv", "audit", "--since", "yesterday"]), 2, /--since "yesterday" is not a duration/);
    expect(ok(await local(sb, ["kv", "audit", "--limit", "1"])).stderr).toContain("Showing the newest record; there may be more.");
    expect(ok(await local(sb, ["kv", "audit", "--limit", "2"])).stderr).toContain("Showing the newest 2 records; there may be more.");

    // Key names only: the values are in no output and not in the table itself.
    const plain = ok(await local(sb, ["kv", "audit"]));
    // Without a terminal: one tab-separated line per record, newest first.
    expect(plain.out.split("\n")).toHaveLength(entries.length + 1);
    expect(plain.out.split("\n")[entries.length - 1]).toBe(`${entries[entries.length - 1]!.t}\t${LOCAL_ACTOR}\twrite\tflags\tsecret-key\tiad\tok\t1`);
    const table = await runCli(["kv", "audit"], { cwd: sb.cwd, env: sb.env, tty: { stdout: true } });
    expect(table.code, table.stderr).toBe(0);
    expect(table.out).toMatch(/│ time +│ actor +│ action +│ namespace +│ key +│ region +│ outcome +│ count +│/);
    const { rows, dump } = rawAudit(sb);
    expect(rows).toHaveLength(entries.length);
    expect(dump).toContain("secret-key");
    for (const text of [r.out, r.stderr, plain.out, plain.stderr, table.out, table.stderr, dump]) {
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain(IMPORTED);
      expect(text).not.toContain("owner");
    }
  });

  it("--since counts back from the target's clock", async () => {
    // In-process main() with a clock of the test's: emulated time and the CLI's clock are the same clock.
    const sb = sandbox();
    const clock = new ManualClock(T0);
    const cli = async (argv: string[]) => {
      const r = await runCli(argv, { cwd: sb.cwd, env: sb.env, clock });
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    await cli(["kv", "set", "early", "1"]);
    clock.advance(2 * HOUR);
    await cli(["kv", "set", "late", "2"]);
    const since = async (d: string) =>
      (JSON.parse((await cli(["kv", "audit", "--since", d, "--json"])).out) as AuditJson).entries.map((e) => `${e.key}@${e.t}`);
    expect(await since("1h")).toEqual([`late@${new Date(T0 + 2 * HOUR).toISOString()}`]);
    expect(await since("3h")).toEqual([`late@${new Date(T0 + 2 * HOUR).toISOString()}`, `early@${new Date(T0).toISOString()}`]);
  });

  // BUG: `kv audit --since <d>` counts back from the CLI's own (system) clock, not from the target's clock,
  // while records carry the emulator's time. With the emulator's manual clock moved forward, --since 1h
  // returns records that are hours old in emulated time. Reproduce:
  //   yourspace kv emulator clock manual; yourspace kv set a 1; yourspace kv emulator advance 2h
  //   yourspace kv set b 2; yourspace kv audit --since 1h    # lists both a and b (expected: only b)
  it("--since counts back from the emulator's manual clock (kv emulator clock manual / advance)", async () => {
    const sb = sandbox();
    await manualClock(sb);
    ok(await local(sb, ["kv", "set", "early", "1"]));
    ok(await local(sb, ["kv", "emulator", "advance", "2h"]));
    ok(await local(sb, ["kv", "set", "late", "2"]));
    expect((await audit(sb, ["--since", "1h"])).map((e) => e.key)).toEqual(["late"]);
  });

  it("through the server: site tokens as token:<id>, route tokens as route:<pattern>, refusals as denied; another site's token sees none of it; values appear nowhere", async () => {
    const sb = sandbox();
    const srv = await startServer(sb);
    const VALUE = "S3RVER-VALUE-91ab-not-for-the-log";
    const siteId = await srv.tokenId(srv.token);
    const must = async (status: number, p: ReturnType<typeof srv.http>) => {
      const a = await p;
      expect(a.status, a.text).toBe(status);
      return a;
    };
    await must(201, srv.http("POST", "/v1/sites/local/namespaces", { body: '{"name":"flags"}', type: "application/json" }));
    ok(await srv.remote(["kv", "set", "-n", "flags", "beta", VALUE]));
    await must(
      200,
      srv.http("PUT", "/v1/sites/local/bindings", {
        body: '{"route":"/admin/*","variable":"FLAGS","namespace":"flags","access":"read-only"}',
        type: "application/json",
      }),
    );
    const route = (await createToken(sb, ["--route", "/admin/*"])).token;
    const routeId = await srv.tokenId(route);
    expect(routeId).not.toBe(siteId);
    await must(200, srv.http("GET", "/v1/sites/local/namespaces/flags/values/beta?region=fra", { token: route }));
    await must(404, srv.http("GET", "/v1/sites/local/namespaces/flags/values/nope", { token: route }));
    await must(403, srv.http("PUT", "/v1/sites/local/namespaces/flags/values/beta", { token: route, body: VALUE }));
    await must(404, srv.http("GET", "/v1/sites/local/namespaces/flags/values/nope"));
    await must(200, srv.http("DELETE", "/v1/sites/local/namespaces/flags/values/beta"));
    fails(await local(sb, ["kv", "get", "-n", "flags", "nope"]), 3, /"nope"/);

    const entries = json<AuditJson>(await srv.remote(["kv", "audit", "--json"])).entries;
    const token = `token:${siteId}`;
    expect(chronological(entries)).toEqual([
      { actor: token, action: "write", namespace: "flags", key: "beta", region: "iad", outcome: "ok", count: 1 },
      { actor: "route:/admin/*", action: "read", namespace: "flags", key: "beta", region: "fra", outcome: "ok", count: 1 },
      { actor: "route:/admin/*", action: "read", namespace: "flags", key: "nope", region: "iad", outcome: "not-found", count: 1 },
      { actor: "route:/admin/*", action: "write", namespace: "flags", key: "beta", region: "iad", outcome: "denied", count: 1 },
      { actor: token, action: "read", namespace: "flags", key: "nope", region: "iad", outcome: "not-found", count: 1 },
      { actor: token, action: "delete", namespace: "flags", key: "beta", region: "iad", outcome: "ok", count: 1 },
      { actor: LOCAL_ACTOR, action: "read", namespace: "flags", key: "nope", region: "iad", outcome: "not-found", count: 1 },
    ]);
    expect(chronological(json<AuditJson>(await srv.remote(["kv", "audit", "--actor", "route:/admin/*", "--json"])).entries).map((e) => e.outcome)).toEqual([
      "ok",
      "not-found",
      "denied",
    ]);
    expect(chronological(json<AuditJson>(await srv.remote(["kv", "audit", "--key", "beta", "--json"])).entries).map((e) => e.actor)).toEqual([
      token,
      "route:/admin/*",
      "route:/admin/*",
      token,
    ]);
    // The API's within_ms counts back from the target's clock.
    const recent = await must(200, srv.http("GET", "/v1/sites/local/audit?within_ms=3600000"));
    expect(recent.json.entries.length).toBe(entries.length);
    expect(recent.json.entries.length).toBeGreaterThanOrEqual(1);

    // Another site's token: site local's log does not exist for it, and its own has none of local's records.
    const other = (await createToken(sb, ["--site", "other"])).token;
    const otherId = await srv.tokenId(other);
    await must(200, srv.http("PUT", "/v1/sites/other/namespaces/default/values/mine", { token: other, body: "x" }));
    const refused = await must(404, srv.http("GET", "/v1/sites/local/audit", { token: other }));
    expect(refused.json).toEqual({ code: "NOT_FOUND", message: 'Site "local" is not known to this token.', hint: expect.any(String) });
    const own = await must(200, srv.http("GET", "/v1/sites/other/audit", { token: other }));
    expect(own.json.entries.map(({ t: _t, ...e }: { t: string }) => e)).toEqual([
      { actor: `token:${otherId}`, action: "write", namespace: "default", key: "mine", region: "iad", outcome: "ok", count: 1 },
    ]);
    const otherCli = json<AuditJson>(await srv.remote(["kv", "audit", "--json"], { token: other })).entries;
    expect(otherCli.map((e) => e.key)).toEqual(["mine"]);
    fails(await srv.remote(["--site", "local", "kv", "audit"], { token: other }), 3, /Site "local" is not known to this token/);
    // ... and site local's log has nothing of site other.
    const localLog = (await must(200, srv.http("GET", "/v1/sites/local/audit"))).json.entries as AuditJson["entries"];
    expect(localLog.length).toBeGreaterThanOrEqual(entries.length);
    expect(localLog.some((e) => e.key === "mine" || e.actor.includes(otherId))).toBe(false);

    // The server writes out its ledger when it stops; then the table holds key names and never a value.
    await srv.stop();
    const { dump } = rawAudit(sb);
    expect(dump).toContain('"beta"');
    expect(dump).not.toContain(VALUE);
  });

  // BUG (gap): a refused write is audited without its key (key null), and a refused DELETE of a value is
  // recorded as action "write", so `kv audit --key beta` does not show that a route token tried to change
  // beta. Reproduce (server running, /admin/* bound read-only to flags, ROUTE a route token of /admin/*):
  //   curl -X PUT -H "Authorization: Bearer $ROUTE" --data x $API/v1/sites/local/namespaces/flags/values/beta   # 403
  //   yourspace kv audit --key beta --json     # no denied record; kv audit --json shows {"key":null,"outcome":"denied"}
  it("a refused single-key write is audited under its key", async () => {
    const sb = sandbox();
    const srv = await startServer(sb);
    expect((await srv.http("POST", "/v1/sites/local/namespaces", { body: '{"name":"flags"}', type: "application/json" })).status).toBe(201);
    expect(
      (
        await srv.http("PUT", "/v1/sites/local/bindings", {
          body: '{"route":"/admin/*","variable":"FLAGS","namespace":"flags","access":"read-only"}',
          type: "application/json",
        })
      ).status,
    ).toBe(200);
    const route = (await createToken(sb, ["--route", "/admin/*"])).token;
    expect((await srv.http("PUT", "/v1/sites/local/namespaces/flags/values/beta", { token: route, body: "x" })).status).toBe(403);
    expect((await srv.http("DELETE", "/v1/sites/local/namespaces/flags/values/beta", { token: route })).status).toBe(403);
    const keyed = (await srv.http("GET", "/v1/sites/local/audit?key=beta")).json.entries as AuditJson["entries"];
    expect(chronological(keyed).map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual(["route:/admin/* write denied", "route:/admin/* delete denied"]);
  });

  it("a prefix's removal is audited a record per step, key <prefix>*, counting the keys the step removed, and metered a write per key", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "keys.ndjson");
    writeFileSync(file, Array.from({ length: 2_500 }, (_, i) => `${JSON.stringify({ key: `p/${String(i).padStart(4, "0")}`, value: "v" })}\n`).join(""));
    ok(await local(sb, ["kv", "import", file, "--quiet"]));
    const before = await usage(sb);
    expect(json(ok(await local(sb, ["kv", "rm", "--prefix", "p/", "--yes", "--json"])))).toEqual({
      namespace: "default",
      prefix: "p/",
      dryRun: false,
      removed: 2_500,
    });
    const steps = await audit(sb, ["--key", "p/*"]);
    expect(steps.length).toBeGreaterThan(1);
    for (const e of steps) expect(e).toMatchObject({ actor: LOCAL_ACTOR, action: "delete", namespace: "default", key: "p/*", outcome: "ok" });
    expect(steps.reduce((sum, e) => sum + (e as typeof e & { count: number }).count, 0)).toBe(2_500);
    const after = await usage(sb);
    expect(after.writes - before.writes).toBe(2_500);
    expect(after.storage.keys).toBe(0);
  });

  it("retention is a site setting (30 days by default): older records are not returned, and are deleted from the table with the next write", async () => {
    const sb = sandbox();
    expect(json(await local(sb, ["kv", "site", "--json"]))).toEqual({ site: "local", tier: "free", auditRetentionDays: 30 });
    fails(await local(sb, ["kv", "site", "--audit-retention", "0d"]), 2, /from 1 to 3650 days/);
    fails(await local(sb, ["kv", "site", "--audit-retention", "36h"]), 2, /whole number of days/);
    expect(json(await local(sb, ["kv", "site", "--audit-retention", "1d", "--json"]))).toEqual({ site: "local", tier: "free", auditRetentionDays: 1 });
    expect(ok(await local(sb, ["kv", "site"])).out).toBe("site local: free tier, audit records kept 1 days\n");

    await manualClock(sb);
    ok(await local(sb, ["kv", "set", "old-key", "1"]));
    ok(await local(sb, ["kv", "get", "old-key"]));
    expect((await audit(sb)).map((e) => e.key)).toEqual(["old-key", "old-key"]);
    ok(await local(sb, ["kv", "emulator", "advance", "23h"]));
    expect(await audit(sb)).toHaveLength(2);
    ok(await local(sb, ["kv", "emulator", "advance", "25h"]));
    // Past retention: not shown, though not yet pruned.
    expect(await audit(sb)).toEqual([]);
    expect(await audit(sb, ["--key", "old-key"])).toEqual([]);
    expect(rawAudit(sb).rows.map((r) => r.key)).toEqual(["old-key", "old-key"]);

    ok(await local(sb, ["kv", "set", "new-key", "2"]));
    expect(rawAudit(sb).rows.map((r) => r.key)).toEqual(["new-key"]);
    expect((await audit(sb)).map((e) => e.key)).toEqual(["new-key"]);
  });
});

describe("kv usage", () => {
  it("reports reads, writes, egress, exact storage and GB-hours for the period against the tier's ceilings", async () => {
    const sb = sandbox();
    const start = await manualClock(sb);
    const period = new Date(start).toISOString().slice(0, 7);
    const expected = (reads: number, writes: number, egressBytes: number, keys: number, bytes: number, gbHours = 0): Usage => ({
      site: "local",
      tier: "free",
      auditRetentionDays: 30,
      // The emulator's manual clock, which the writes here do not move.
      now: new Date(start).toISOString(),
      period,
      reads,
      writes,
      egressBytes,
      storage: { keys, bytes, gbHours },
      ceilings: { keys: 100_000, bytes: 50_000_000, maxValueBytes: 1_048_576 },
    });
    expect(await usage(sb)).toEqual(expected(0, 0, 0, 0, 0));
    const human = ok(await local(sb, ["kv", "usage"]));
    expect(human.out).toContain(`site local, free tier, period ${period}`);

    // Storage is key + value + metadata JSON bytes, in UTF-8.
    const meta = '{"owner":"web"}';
    ok(await local(sb, ["kv", "set", "ключ", "héllo", "--metadata", meta]));
    const k1 = Buffer.byteLength("ключ") + Buffer.byteLength("héllo") + Buffer.byteLength(meta);
    expect(k1).toBe(8 + 6 + 15);
    const payload = "p".repeat(1234);
    ok(await local(sb, ["kv", "set", "payload", payload]));
    const k2 = 7 + 1234;
    expect(await usage(sb)).toEqual(expected(0, 2, 0, 2, k1 + k2));

    // Overwrites replace the old footprint: a shorter value, and metadata dropped.
    ok(await local(sb, ["kv", "set", "ключ", "hi"]));
    const k1b = 8 + 2;
    expect(await usage(sb)).toEqual(expected(0, 3, 0, 2, k1b + k2));

    // Reads: home reads ship nothing out; reads in sin and fra ship the value's bytes; misses and lists ship none.
    ok(await local(sb, ["kv", "get", "payload"]));
    ok(await local(sb, ["kv", "get", "payload", "--region", "sin"]));
    ok(await local(sb, ["kv", "get", "payload", "--region", "fra"]));
    fails(await local(sb, ["kv", "get", "nope", "--region", "sin"]), 3, /"nope"/);
    ok(await local(sb, ["kv", "ls", "--region", "sin"]));
    expect(await usage(sb)).toEqual(expected(5, 3, 2 * 1234, 2, k1b + k2));

    // Deletes free exactly what the key held; a delete of a missing key writes nothing.
    ok(await local(sb, ["kv", "rm", "ключ"]));
    ok(await local(sb, ["kv", "rm", "ghost", "--force"]));
    expect(await usage(sb)).toEqual(expected(5, 4, 2 * 1234, 1, k2));

    // GB-hours: 1,000,000 bytes held for an hour is 0.001 GB-hours.
    const fill = 1_000_000 - k2 - "fill".length;
    writeFileSync(join(sb.cwd, "fill.bin"), Buffer.alloc(fill, 0x61));
    ok(await local(sb, ["kv", "set", "fill", "--file", "fill.bin"]));
    expect((await usage(sb)).storage).toEqual({ keys: 2, bytes: 1_000_000, gbHours: 0 });
    ok(await local(sb, ["kv", "emulator", "advance", "1h"]));
    const one = (await usage(sb)).storage.gbHours;
    expect(one).toBeCloseTo(0.001, 12);
    ok(await local(sb, ["kv", "emulator", "advance", "2h"]));
    const three = (await usage(sb)).storage.gbHours;
    expect(three / one).toBeCloseTo(3, 9);
    // Twice the bytes from now on: twice the slope.
    ok(await local(sb, ["kv", "set", "fill-2", "--file", "fill.bin"]));
    const bytes = 1_000_000 + 6 + fill;
    ok(await local(sb, ["kv", "emulator", "advance", "30m"]));
    const last = await usage(sb);
    expect(last.storage.bytes).toBe(bytes);
    expect(last.storage.gbHours).toBeCloseTo(0.003 + (bytes / 1e9) * 0.5, 12);
    expect(last.writes).toBe(6);
  });

  it("through the server: the same report as embedded, with the server's reads, writes and egress counted", async () => {
    const sb = sandbox();
    const srv = await startServer(sb);
    const put = await srv.http("PUT", "/v1/sites/local/namespaces/default/values/k", { body: "0123456789" });
    expect(put.status).toBe(200);
    for (const region of ["iad", "sin", "fra"])
      expect((await srv.http("GET", `/v1/sites/local/namespaces/default/values/k?region=${region}`)).status).toBe(200);
    const remote = json<Usage>(await srv.remote(["kv", "usage", "--json"]));
    expect(remote).toMatchObject({ site: "local", tier: "free", reads: 3, writes: 1, egressBytes: 20, storage: { keys: 1, bytes: 11 } });
    const embedded = json<Usage>(await local(sb, ["--local", "kv", "usage", "--json"]));
    // Each answers its own time.
    expect(Date.parse(remote.now)).not.toBeNaN();
    expect({ ...embedded, now: "", storage: { ...embedded.storage, gbHours: 0 } }).toEqual({ ...remote, now: "", storage: { ...remote.storage, gbHours: 0 } });
    const http = await srv.http("GET", "/v1/sites/local/usage");
    expect(http.json).toMatchObject({ reads: 3, writes: 1, egressBytes: 20, storage: { keys: 1, bytes: 11 } });
  });
});

describe("another site's token, on every endpoint", () => {
  it("gets 404 NOT_FOUND with the same body whether or not the site exists, and changes nothing", async () => {
    const sb = sandbox();
    const srv = await startServer(sb);
    const must = async (status: number, p: ReturnType<typeof srv.http>) => {
      const a = await p;
      expect(a.status, a.text).toBe(status);
      return a;
    };
    await must(201, srv.http("POST", "/v1/sites/local/namespaces", { body: '{"name":"secret"}', type: "application/json" }));
    await must(200, srv.http("PUT", "/v1/sites/local/namespaces/secret/values/k", { body: "local's secret" }));
    await must(
      200,
      srv.http("PUT", "/v1/sites/local/bindings", {
        body: '{"route":"/admin/*","variable":"SECRET","namespace":"secret","access":"read-only"}',
        type: "application/json",
      }),
    );
    const other = (await createToken(sb, ["--site", "other"])).token;
    const otherId = await srv.tokenId(other);
    const snapshot = async () => ({
      namespaces: (await srv.http("GET", "/v1/sites/local/namespaces")).json,
      export: (await srv.http("GET", "/v1/sites/local/namespaces/secret/export")).text,
      site: (await srv.http("GET", "/v1/sites/local")).json,
      bindings: (await srv.http("GET", "/v1/sites/local/bindings")).json,
    });
    const before = await snapshot();

    const json_ = "application/json";
    const endpoints: [string, "GET" | "PUT" | "POST" | "PATCH" | "DELETE", (s: string) => string, string?, string?][] = [
      ["list namespaces", "GET", (s) => `/v1/sites/${s}/namespaces`],
      ["create namespace", "POST", (s) => `/v1/sites/${s}/namespaces`, '{"name":"fresh"}', json_],
      ["remove namespace", "DELETE", (s) => `/v1/sites/${s}/namespaces/secret`],
      ["list keys", "GET", (s) => `/v1/sites/${s}/namespaces/secret/keys`],
      ["get value", "GET", (s) => `/v1/sites/${s}/namespaces/secret/values/k`],
      ["put value", "PUT", (s) => `/v1/sites/${s}/namespaces/secret/values/k`, "overwritten", "application/octet-stream"],
      ["delete value", "DELETE", (s) => `/v1/sites/${s}/namespaces/secret/values/k`],
      ["bulk put", "POST", (s) => `/v1/sites/${s}/namespaces/secret/bulk/put`, '{"entries":[{"key":"k","value":"overwritten"}]}', json_],
      ["bulk delete", "POST", (s) => `/v1/sites/${s}/namespaces/secret/bulk/delete`, '{"keys":["k"],"force":true}', json_],
      ["export", "GET", (s) => `/v1/sites/${s}/namespaces/secret/export`],
      ["get site", "GET", (s) => `/v1/sites/${s}`],
      ["change site", "PATCH", (s) => `/v1/sites/${s}`, '{"tier":"enterprise","auditRetentionDays":1}', json_],
      ["list bindings", "GET", (s) => `/v1/sites/${s}/bindings`],
      ["bind", "PUT", (s) => `/v1/sites/${s}/bindings`, '{"route":"/x/*","variable":"SECRET","namespace":"secret","access":"read-write"}', json_],
      ["unbind", "DELETE", (s) => `/v1/sites/${s}/bindings?route=%2Fadmin%2F*&variable=SECRET`],
      ["usage", "GET", (s) => `/v1/sites/${s}/usage`],
      ["audit", "GET", (s) => `/v1/sites/${s}/audit`],
    ];
    for (const [name, method, path, body, type] of endpoints) {
      const bodies: unknown[] = [];
      for (const site of ["local", "no-such-site"]) {
        const res = await srv.http(method, path(site), { token: other, body, type });
        expect(res.status, `${name} on ${site}: ${res.text}`).toBe(404);
        expect(res.json?.code, name).toBe("NOT_FOUND");
        expect(res.text).not.toContain("local's secret");
        bodies.push(JSON.parse(res.text.replaceAll(site, "<site>")));
      }
      expect(bodies[0], name).toEqual(bodies[1]);
    }
    expect(await snapshot()).toEqual(before);
    // Nothing of the attempts lands in site local's log.
    const log = (await srv.http("GET", "/v1/sites/local/audit")).json.entries as AuditJson["entries"];
    expect(log.some((e) => e.actor === `token:${otherId}`)).toBe(false);

    // The CLI with that token: exit 3, the same message for a site that exists and one that does not.
    for (const site of ["local", "no-such-site"]) {
      fails(
        await srv.remote(["--site", site, "kv", "get", "-n", "secret", "k"], { token: other }),
        3,
        new RegExp(`^✖ Site "${site}" is not known to this token\\.$`),
      );
    }
    fails(await srv.remote(["--site", "local", "kv", "usage"], { token: other }), 3, /Site "local" is not known to this token/);
  });
});

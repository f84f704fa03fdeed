import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { HEADERS } from "../../src/contract/index.js";
import { IdempotentWrites, KEEP_MS, PRUNE_EVERY } from "../../src/server/idempotency.js";
import { ApiServer } from "../../src/server/server.js";
import { serverWrites } from "../../src/server/group-commit.js";
import { ManualClock } from "../../src/core/clock.js";
import { KvError } from "../../src/core/errors.js";
import { formatVersion } from "../../src/emulator/kv/entry.js";
import { GroupCommit } from "../../src/emulator/store/group-commit.js";
import { EmulatorCore } from "../../src/emulator/emulator-core.js";
import { LocalBackend } from "../../src/emulator/local-backend.js";
import { translateSqliteError } from "../../src/emulator/store/sqlite.js";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import { tempDir } from "../support/cli.js";
import { rawRequest } from "./raw-http.js";
import { T0 } from "../support/engine.js";

/** A real store and the group commit the API server puts over it. */
function setup() {
  const dataDir = tempDir();
  const clock = new ManualClock(T0);
  const core = EmulatorCore.open(dataDir, clock);
  onTestFinished(() => core.close());
  const writes = serverWrites(core);
  const kv = new LocalBackend(core, "local", "token:t1", { kind: "embedded", description: "test", site: "local" });
  const value = (key: string) => core.engine.get("local", "default", key).entry?.value.toString() ?? null;
  const audit = () => {
    core.ledger.flush();
    return core.db.prepare("SELECT action, key, outcome FROM audit ORDER BY id").all();
  };
  return { dataDir, clock, core, writes, kv, value, audit };
}

/** What the store holds that a group writes once: home's counter, the site's usage and meters, the keys. */
const stored = ({ core }: ReturnType<typeof setup>) => ({
  // A group's meters are written out with the ledger's next flush.
  flushed: core.ledger.flush(),
  homeSeq: core.engine.homeSeq(),
  usage: core.db.prepare("SELECT keys, bytes, changed_at FROM usage").all(),
  meters: core.db.prepare("SELECT period, writes, byte_ms FROM meters").all(),
  entries: core.db.prepare("SELECT key, version, value, tombstone, commit_t FROM entries ORDER BY key").all(),
  storedKeys: core.db.prepare("SELECT name, stored_keys FROM namespaces ORDER BY name").all(),
});

/**
 * Each key's history (what edges are served from), by key and version. A group compacts a key's
 * history once, where writes one at a time compact after each, so the two may have dropped different
 * old versions; every version both still hold must be the same row, and each key's newest the same.
 */
function expectSameHistory(a: ReturnType<typeof setup>, b: ReturnType<typeof setup>): void {
  const history = ({ core }: ReturnType<typeof setup>) =>
    new Map(
      (
        core.db.prepare("SELECT key, version, value, tombstone, commit_t, superseded_t FROM versions ORDER BY key, version").all() as {
          key: Buffer;
          version: number;
        }[]
      ).map((r) => [`${r.key.toString()}:${r.version}`, r]),
    );
  const [ha, hb] = [history(a), history(b)];
  const newest = (h: Map<string, { key: Buffer; version: number }>) => {
    const top = new Map<string, number>();
    for (const r of h.values()) top.set(r.key.toString(), Math.max(top.get(r.key.toString()) ?? 0, r.version));
    return top;
  };
  expect(newest(ha)).toEqual(newest(hb));
  for (const [id, row] of ha) if (hb.has(id)) expect(row).toEqual(hb.get(id));
}

const put = (kv: LocalBackend, key: string, text: string) => () => kv.putNow("default", key, { value: Buffer.from(text) });

describe("group commit", () => {
  it("commits the writes of one turn in one transaction, in order, each with its own version", async () => {
    const { writes, kv, value } = setup();
    const results = await Promise.all([writes.run(put(kv, "a", "1")), writes.run(put(kv, "b", "2")), writes.run(put(kv, "a", "3"))]);
    expect(writes.stats).toEqual({ writes: 3, transactions: 1, rerun: 0 });
    expect([value("a"), value("b")]).toEqual(["3", "2"]);
    const versions = results.map((r) => r.version);
    expect([...versions].sort()).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    // The next turn is the next group.
    await writes.run(put(kv, "c", "4"));
    expect(writes.stats).toEqual({ writes: 4, transactions: 2, rerun: 0 });
  });

  it("undoes a write that fails alone, in its savepoint, and answers it with its own error; the others commit", async () => {
    const { writes, kv, value } = setup();
    const failing = writes.run(() => {
      kv.putNow("default", "half", { value: Buffer.from("written, then undone") });
      throw new KvError("QUOTA_EXCEEDED", "refused after writing");
    });
    const results = await Promise.allSettled([writes.run(put(kv, "a", "1")), failing, writes.run(put(kv, "b", "2"))]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect([value("a"), value("half"), value("b")]).toEqual(["1", null, "2"]);
    // Run first without savepoints, rolled back when the write failed, then again with one per write.
    expect(writes.stats).toEqual({ writes: 3, transactions: 1, rerun: 1 });
  });

  it("when the shared transaction cannot begin, stores none of the writes, fails every one with the store's error, and audits them as failed", async () => {
    const { dataDir, core, writes, kv, value, audit } = setup();
    await writes.run(put(kv, "before", "0"));
    // Another process holds the store's write lock, and this one does not wait for it.
    const other = new BetterSqlite3(join(dataDir, STORE_FILE));
    onTestFinished(() => {
      other.close();
    });
    other.exec("BEGIN IMMEDIATE");
    core.db.pragma("busy_timeout = 0");
    const aborted: unknown[] = [];
    const group = [writes.run(put(kv, "a", "1"), (e) => aborted.push(e)), writes.run(put(kv, "b", "2"), (e) => aborted.push(e))];
    const results = await Promise.allSettled(group);
    for (const r of results) expect(r).toMatchObject({ status: "rejected", reason: { code: "UNAVAILABLE" } });
    expect(aborted).toHaveLength(2);
    other.exec("ROLLBACK");
    expect([value("a"), value("b"), value("before")]).toEqual([null, null, "0"]);
    expect(writes.stats).toEqual({ writes: 1, transactions: 1, rerun: 0 });
    // The aborted callbacks are where the server audits such writes; none was logged as written.
    expect(audit()).toEqual([{ action: "write", key: "before", outcome: "ok" }]);
  });

  it("forgets what the writes of a group that failed to commit left in the cache of home rows, and meters none of them", async () => {
    const { dataDir, core, writes, kv } = setup();
    // What a server's GET runs: an optimistic read, answered from the cache when it can be.
    const read = (key: string) => core.engine.settings.optimistic(() => core.engine.get("local", "default", key).entry?.value.toString() ?? null);
    await writes.run(put(kv, "a", "kept"));
    expect(read("a")).toBe("kept");
    // The same group commit, failing after its writes have run and before they are committed.
    const failing = new GroupCommit(core.db, {
      alone: () => false,
      within: (run) => core.engine.settings.pinned(run, true),
      translate: (e) => translateSqliteError(e, dataDir),
      mark: () => core.ledger.mark(),
      rewind: (mark) => core.ledger.rewind(mark),
      keep: () => core.ledger.keep(),
      gathering: {
        ...core.engine.gathering,
        end: () => {
          core.engine.gathering.end();
          throw new KvError("UNAVAILABLE", "the disk is full");
        },
      },
    });
    await expect(failing.run(put(kv, "a", "never stored"))).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(read("a")).toBe("kept");
    expect(core.engine.headCacheStats.misses).toBe(2);
    // Nor are its writes metered, then or with the next group's.
    await writes.run(put(kv, "b", "next"));
    core.ledger.flush();
    expect(core.db.prepare("SELECT writes FROM meters").pluck().all()).toEqual([2]);
  });

  it("logs the writes a failed transaction had run, then takes the records back", async () => {
    const { core, writes, kv, audit } = setup();
    const mark = core.ledger.mark();
    kv.putNow("default", "a", { value: Buffer.from("1") });
    core.ledger.rewind(mark);
    kv.failed("write", "default", ["a"], undefined, new KvError("UNAVAILABLE", "the store was locked"));
    core.ledger.keep();
    expect(audit()).toEqual([{ action: "write", key: "a", outcome: "UNAVAILABLE" }]);
    expect(writes.stats.transactions).toBe(0);
  });
});

describe("what a group gathers and writes once (versions, usage, meters, history)", () => {
  const state = (store: ReturnType<typeof setup>) => ({
    ...stored(store),
    // Each key's history, as compacted: after every write one at a time, once per group in a group.
    versions: store.core.db.prepare("SELECT key, version, superseded_t FROM versions ORDER BY key, version").all(),
  });

  it("stores what the same writes one at a time would, a write undone in its savepoint leaving nothing", async () => {
    const grouped = setup();
    const single = setup();
    const g = grouped.kv;
    await Promise.all([grouped.writes.run(put(g, "a", "1")), grouped.writes.run(put(g, "b", "22")), grouped.writes.run(put(g, "a", "333"))]);
    grouped.clock.advance(1_000);
    const undone = grouped.writes.run(() => {
      g.putNow("default", "c", { value: Buffer.from("never stored") });
      throw new KvError("QUOTA_EXCEEDED", "refused after writing");
    });
    const rest = [grouped.writes.run(() => g.deleteNow("default", ["b"], { force: false })), undone, grouped.writes.run(put(g, "d", "4444"))];
    expect((await Promise.allSettled(rest)).map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(grouped.writes.stats).toEqual({ writes: 6, transactions: 2, rerun: 1 });

    const s = single.kv;
    await s.put("default", "a", { value: Buffer.from("1") });
    await s.put("default", "b", { value: Buffer.from("22") });
    await s.put("default", "a", { value: Buffer.from("333") });
    single.clock.advance(1_000);
    await s.delete("default", ["b"], { force: false });
    await s.put("default", "d", { value: Buffer.from("4444") });

    expect(state(grouped)).toEqual(state(single));
    expect(state(grouped).homeSeq).toBe(5);
    expect(state(grouped).meters).toEqual([{ period: "2027-01", writes: 5, byte_ms: expect.any(Number) }]);
    expect(state(grouped).versions.length).toBeGreaterThan(0);
  });

  it("reads a key's row from the store, with the group's rows in it, when the cache of home rows no longer holds it", async () => {
    const grouped = setup();
    const single = setup();
    const g = grouped.kv;
    await Promise.all([
      grouped.writes.run(put(g, "a", "1")),
      grouped.writes.run(() => {
        // As if the cache had let the row go to make room: the group's rows for "a" are not stored yet.
        grouped.core.engine.heads.clear();
        return g.putNow("default", "a", { value: Buffer.from("22") });
      }),
    ]);
    expect(grouped.writes.stats).toEqual({ writes: 2, transactions: 1, rerun: 0 });
    await single.kv.put("default", "a", { value: Buffer.from("1") });
    await single.kv.put("default", "a", { value: Buffer.from("22") });
    expect(stored(grouped)).toEqual(stored(single));
    expectSameHistory(grouped, single);
  });

  it("never draws a version twice, though a group does not write home's counter back: a removed namespace's versions stay counted", async () => {
    const { core, writes, kv } = setup();
    core.engine.createNamespace("local", "tmp");
    const first = await Promise.all([
      writes.run(() => kv.putNow("tmp", "a", { value: Buffer.from("1") })),
      writes.run(() => kv.putNow("tmp", "b", { value: Buffer.from("2") })),
    ]);
    expect(first.map((r) => r.version)).toEqual([formatVersion(1), formatVersion(2)]);
    expect(core.db.prepare("SELECT value FROM counters WHERE name = 'home_seq'").pluck().get()).toBe(0);
    expect(core.engine.homeSeq()).toBe(2);
    core.engine.removeNamespace("local", "tmp");
    expect(core.engine.homeSeq()).toBe(2);
    expect((await writes.run(put(kv, "c", "3"))).version).toBe(formatVersion(3));
    // One at a time, as the CLI writes: from the same place.
    expect((await kv.put("default", "d", { value: Buffer.from("4") })).version).toBe(formatVersion(4));
    expect(core.engine.homeSeq()).toBe(4);
  });

  it("draws the version after the last one stored, when a write outside a group or another process's came between two groups", async () => {
    const { core, dataDir, writes, kv } = setup();
    const versions = (results: { version?: string }[]) => results.map((r) => r.version);
    expect(versions(await Promise.all([writes.run(put(kv, "a", "1")), writes.run(put(kv, "b", "2"))]))).toEqual([formatVersion(1), formatVersion(2)]);
    // One at a time, as the CLI writes, in this process.
    expect((await kv.put("default", "c", { value: Buffer.from("3") })).version).toBe(formatVersion(3));
    expect((await writes.run(put(kv, "d", "4"))).version).toBe(formatVersion(4));
    // Another process.
    const other = EmulatorCore.open(dataDir, new ManualClock(T0));
    onTestFinished(() => other.close());
    await new LocalBackend(other, "local", "token:t2", { kind: "embedded", description: "test", site: "local" }).put("default", "e", {
      value: Buffer.from("5"),
    });
    expect((await writes.run(put(kv, "f", "6"))).version).toBe(formatVersion(6));
    expect(core.engine.homeSeq()).toBe(6);
  });

  it("never draws a version twice when a sweep reclaims a group's newest version: a delete every edge has at once", async () => {
    const { core, writes, kv, clock } = setup();
    // Edges have every version at once, so a delete's tombstone is reclaimed by the next sweep.
    kv.control().configure({ profile: "strong" });
    const drawn: string[] = [];
    // Home sweeps when its counter passes a multiple of 128: here, at the delete of "a".
    for (let i = 1; i <= 126; i++) drawn.push((await writes.run(put(kv, "b", String(i)))).version);
    drawn.push((await writes.run(put(kv, "a", "x"))).version);
    clock.advance(10);
    await writes.run(() => kv.deleteNow("default", ["a"], { force: false }));
    expect(core.db.prepare("SELECT count(*) FROM entries WHERE key = ?").pluck().get(Buffer.from("a"))).toBe(0);
    expect(core.engine.homeSeq()).toBe(128);
    // One at a time, as the CLI writes, and in a group again.
    const next = [(await kv.put("default", "c", { value: Buffer.from("y") })).version, (await writes.run(put(kv, "d", "z"))).version];
    expect(next).toEqual([formatVersion(129), formatVersion(130)]);
    expect(drawn).not.toContain(next[0]);
  });

  it("checks a group's writes against the site's tier as it now stands, changed by this process or another between two groups", async () => {
    const { core, dataDir, writes, kv } = setup();
    const large = "x".repeat(300 * 1024);
    const outcome = async (text: string) => {
      const [r] = await Promise.allSettled([writes.run(put(kv, "k", text))]);
      return r!.status === "fulfilled" ? "ok" : (r!.reason as KvError).code;
    };
    expect(await outcome(large)).toBe("ok");
    // The preview tier takes values of up to 256 KiB.
    core.admin.update("local", { tier: "preview" });
    expect(await outcome(large)).toBe("VALUE_TOO_LARGE");
    expect(await outcome("small")).toBe("ok");
    const other = EmulatorCore.open(dataDir, new ManualClock(T0));
    onTestFinished(() => other.close());
    other.admin.update("local", { tier: "free" });
    expect(await outcome(large)).toBe("ok");
    other.admin.update("local", { tier: "preview" });
    expect(await outcome(large)).toBe("VALUE_TOO_LARGE");
  });

  it("checks a site's quota against the writes before it in the same group", async () => {
    const { core, writes, kv, value } = setup();
    await kv.put("default", "seed", { value: Buffer.from("x") });
    // Leave room for 30 more bytes on the free tier's 50 MB.
    core.db.prepare("UPDATE usage SET bytes = ?").run(50_000_000 - 30);
    const results = await Promise.allSettled([
      writes.run(put(kv, "k1", "0123456789")),
      writes.run(put(kv, "k2", "0123456789")),
      writes.run(put(kv, "k3", "0123456789")),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as KvError).code))).toEqual(["ok", "ok", "QUOTA_EXCEEDED"]);
    expect([value("k1"), value("k2"), value("k3")]).toEqual(["0123456789", "0123456789", null]);
    expect(core.db.prepare("SELECT keys, bytes FROM usage").get()).toEqual({ keys: 3, bytes: 50_000_000 - 30 + 24 });
  });
});

describe("the site's usage, when writes leave its keys and bytes as they were", () => {
  it("leaves the usage row alone and meters the writes; storage over time is the same as when each write moved it", async () => {
    const grouped = setup();
    const single = setup();
    for (const store of [grouped, single]) await store.kv.put("default", "a", { value: Buffer.from("1234") });
    const before = grouped.core.db.prepare("SELECT keys, bytes, changed_at FROM usage").get();
    grouped.clock.advance(60_000);
    single.clock.advance(60_000);
    // A value replaced by one of its size: the group writes no usage page.
    await Promise.all([grouped.writes.run(put(grouped.kv, "a", "5678")), grouped.writes.run(put(grouped.kv, "a", "9abc"))]);
    await single.kv.put("default", "a", { value: Buffer.from("5678") });
    await single.kv.put("default", "a", { value: Buffer.from("9abc") });
    for (const store of [grouped, single]) {
      expect(store.core.db.prepare("SELECT keys, bytes, changed_at FROM usage").get()).toEqual(before);
      store.clock.advance(3_600_000);
    }
    const [g, s] = [grouped, single].map((store) => (store.core.ledger.flush(), store.core.admin.report("local")));
    expect(g!.writes).toBe(3);
    expect(g).toEqual(s);
    // "a" held 5 bytes (a key of 1, a value of 4) for 61 minutes.
    expect(g!.storage.gbHours * 1e9 * 3_600_000).toBeCloseTo(5 * 3_660_000, 3);
  });

  it("meters the bytes held across the end of a billing period into the period they were held in", async () => {
    const { core, clock, kv } = setup();
    // An hour before the end of January 2027.
    clock.set(Date.UTC(2027, 1, 1) - 3_600_000);
    await kv.put("default", "a", { value: Buffer.from("1234") });
    clock.advance(2 * 3_600_000);
    // A change of size in February: the hour held in January is January's, the hour since is February's.
    await kv.put("default", "a", { value: Buffer.from("123456789") });
    core.ledger.flush();
    const byteMs = Object.fromEntries(
      core.db
        .prepare("SELECT period, byte_ms FROM meters")
        .all()
        .map((r) => [(r as { period: string }).period, (r as { byte_ms: number }).byte_ms]),
    );
    expect(byteMs).toEqual({ "2027-01": 5 * 3_600_000, "2027-02": 5 * 3_600_000 });
  });
});

describe("group commit (property)", () => {
  const SEED = 20_261_123;
  type Op = { kind: "put"; key: string; value: string } | { kind: "delete"; key: string } | { kind: "fail"; key: string };
  const key = fc.constantFrom("a", "b", "c");
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("put" as const), key, value: fc.constantFrom("", "x", "yy", "zzzz") }),
    // Fails on its own when the key is not there: the engine's refusal, not the test's.
    fc.record({ kind: fc.constant("delete" as const), key }),
    // Writes, then fails: what it wrote must be undone with it.
    fc.record({ kind: fc.constant("fail" as const), key }),
  );
  const outcome = (r: PromiseSettledResult<{ version: string | null }>) =>
    r.status === "fulfilled" ? { ok: r.value.version } : { failed: (r.reason as KvError).code };

  it("whichever writes of a group fail, stores and answers what the same writes one at a time would", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 6 }), advance: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 4 }),
        async (groups) => {
          const grouped = setup();
          const single = setup();
          const g = grouped.kv;
          const s = single.kv;
          const fromGroups: unknown[] = [];
          const oneByOne: unknown[] = [];
          let groupsWithFailure = 0;
          for (const { ops, advance } of groups) {
            const work = (o: Op) => () => {
              if (o.kind === "put") return g.putNow("default", o.key, { value: Buffer.from(o.value) });
              if (o.kind === "delete") return g.deleteNow("default", [o.key], { force: false });
              g.putNow("default", o.key, { value: Buffer.from("never stored") });
              throw new KvError("QUOTA_EXCEEDED", "refused after writing");
            };
            const answers = (await Promise.allSettled(ops.map((o) => grouped.writes.run(work(o))))).map(outcome);
            if (answers.some((a) => "failed" in a)) groupsWithFailure++;
            fromGroups.push(...answers);
            for (const o of ops) {
              const run =
                o.kind === "put"
                  ? s.put("default", o.key, { value: Buffer.from(o.value) })
                  : o.kind === "delete"
                    ? s.delete("default", [o.key], { force: false })
                    : Promise.reject(new KvError("QUOTA_EXCEEDED", "refused"));
              oneByOne.push(...(await Promise.allSettled([run])).map(outcome));
            }
            grouped.clock.advance(advance);
            single.clock.advance(advance);
          }
          expect(fromGroups).toEqual(oneByOne);
          expect(stored(grouped)).toEqual(stored(single));
          expectSameHistory(grouped, single);
          // Every group committed, once; those with a failing write ran twice, each write in a savepoint.
          expect(grouped.writes.stats).toEqual({ writes: fromGroups.length, transactions: groups.length, rerun: groupsWithFailure });
        },
      ),
      { seed: SEED, numRuns: 60, verbose: 1 },
    );
  });
});

describe("group commit in the API server", () => {
  it("answers concurrent PUTs only once they are stored; every one is stored with its own version", async () => {
    const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
    onTestFinished(() => server.stop());
    const { token } = server.tokens.create({ site: "local" });
    const url = (key: string) => `${server.url}/v1/sites/local/namespaces/default/values/${key}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const r = await request(url(`k${i}`), { method: "PUT", body: `v${i}`, headers: { authorization: `Bearer ${token}` } });
        expect(r.statusCode).toBe(200);
        return ((await r.body.json()) as { version: string }).version;
      }),
    );
    expect(new Set(answers).size).toBe(20);
    for (let i = 0; i < 20; i++) expect(server.engine.get("local", "default", `k${i}`).entry?.value.toString()).toBe(`v${i}`);
    expect(server.writes.stats.writes).toBe(20);
  });

  it("runs a PUT sent twice with one Idempotency-Key once: the retry gets the first answer", async () => {
    const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
    onTestFinished(() => server.stop());
    const { token } = server.tokens.create({ site: "local" });
    const send = (body: string) =>
      request(`${server.url}/v1/sites/local/namespaces/default/values/counter`, {
        method: "PUT",
        body,
        headers: { authorization: `Bearer ${token}`, [HEADERS.idempotencyKey]: "same-logical-write" },
      }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
    const first = await send("1");
    expect(await send("1")).toEqual(first);
    // The key sent with another body is another request: refused, not run, not answered as the first.
    expect((await send("2")).status).toBe(422);
    expect(server.writes.stats.writes).toBe(1);
    expect(server.engine.get("local", "default", "counter").entry!.value.toString()).toBe("1");
  });
});

describe("idempotent writes", () => {
  const reply = (kv: LocalBackend, key: string, text: string) => () => ({ status: 200, json: kv.putNow("default", key, { value: Buffer.from(text) }) });
  /** One token's retries of one request (the fingerprint stands for what the request asked). */
  const scope = (site: string, request = "PUT a", token = "t1") => ({ site, token, request });

  it("runs a retry that arrives while the first is in flight (the same group) once: both get the first answer, stored with the write", async () => {
    const { core, writes, kv, value } = setup();
    const once = new IdempotentWrites(core.db, writes, () => core.engine.freshNow());
    const noAbort = () => {};
    const [first, retry] = await Promise.all([
      once.run(scope("local"), "k1", { grouped: reply(kv, "a", "1"), aborted: noAbort }),
      once.run(scope("local"), "k1", { grouped: reply(kv, "a", "2"), aborted: noAbort }),
    ]);
    expect(retry).toEqual(first);
    expect(writes.stats).toEqual({ writes: 1, transactions: 1, rerun: 0 });
    expect(value("a")).toBe("1");
    // Recorded in the same transaction: a later retry is answered from the store, without a write.
    expect(await once.run(scope("local"), "k1", { grouped: reply(kv, "a", "3"), aborted: noAbort })).toEqual({
      status: 200,
      json: (first as { json: unknown }).json,
    });
    expect(value("a")).toBe("1");
    // The same key in another site is another write.
    await once.run(scope("other"), "k1", { grouped: reply(kv, "b", "1"), aborted: noAbort });
    expect(value("b")).toBe("1");
  });

  it("keeps each token's keys apart, and refuses a key sent again with another request, in flight or stored", async () => {
    const { core, writes, kv, value } = setup();
    const once = new IdempotentWrites(core.db, writes, () => core.engine.freshNow());
    const noAbort = () => {};
    const [first, conflicting] = await Promise.allSettled([
      once.run(scope("local", "PUT a=1"), "k1", { grouped: reply(kv, "a", "1"), aborted: noAbort }),
      once.run(scope("local", "PUT a=2"), "k1", { grouped: reply(kv, "a", "2"), aborted: noAbort }),
    ]);
    expect(first.status).toBe("fulfilled");
    expect((conflicting as PromiseRejectedResult).reason).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    await expect(once.run(scope("local", "PUT a=2"), "k1", { grouped: reply(kv, "a", "2"), aborted: noAbort })).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
    });
    expect(value("a")).toBe("1");
    // Another token's key of the same name is its own: its write runs, and its answer is its own.
    const other = await once.run(scope("local", "PUT a=1", "t2"), "k1", { grouped: reply(kv, "a", "3"), aborted: noAbort });
    expect(other).not.toEqual((first as PromiseFulfilledResult<unknown>).value);
    expect(value("a")).toBe("3");
  });

  it("runs a retry again when the first attempt failed, which recorded nothing", async () => {
    const { core, writes, kv, value } = setup();
    const once = new IdempotentWrites(core.db, writes, () => core.engine.freshNow());
    const failing = () => {
      throw new KvError("VALUE_TOO_LARGE", "refused");
    };
    const results = await Promise.allSettled([
      once.run(scope("local"), "k1", { grouped: failing, aborted: () => {} }),
      once.run(scope("local"), "k1", { grouped: reply(kv, "a", "2"), aborted: () => {} }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    expect(value("a")).toBe("2");
    expect(core.db.prepare("SELECT count(*) FROM idempotency").pluck().get()).toBe(1);
  });

  it("prunes answers kept longer than a day, once per 1,000 recorded writes, reading only the expired rows", async () => {
    const { core, writes, kv, clock } = setup();
    const once = new IdempotentWrites(core.db, writes, () => core.engine.freshNow());
    const write = (key: string, text: string) => once.run(scope("local"), key, { grouped: reply(kv, "a", text), aborted: () => {} });
    const kept = () => (core.db.prepare("SELECT key FROM idempotency ORDER BY created_at, key").pluck().all() as string[]).map((k) => k.slice("t1:".length));
    await write("old", "1");
    clock.advance(1);
    const recent = await write("recent", "2");
    clock.advance(KEEP_MS);
    for (let i = 3; i < PRUNE_EVERY; i++) await write(`k${i}`, String(i));
    // 999 answers recorded: none pruned yet, though "old" is now more than a day old.
    expect(kept()).toHaveLength(PRUNE_EVERY - 1);
    expect(kept()[0]).toBe("old");
    await write("last", "last");
    // The 1,000th: "old" is gone; "recent", exactly a day old, still answers its retry.
    expect(kept()).toHaveLength(PRUNE_EVERY - 1);
    expect(kept()).not.toContain("old");
    expect(await write("recent", "again")).toEqual(recent);
    // Found by the index on created_at, not by a scan of every answer kept.
    const plan = (core.db.prepare("EXPLAIN QUERY PLAN DELETE FROM idempotency WHERE created_at < ?").all(0) as { detail: string }[]).map((r) => r.detail);
    expect(plan.join("; ")).toMatch(/USING (COVERING )?INDEX idempotency_by_time/);
  });
});

describe("a value's GET in the API server", () => {
  it("reads the Authorization header in any case, and the first one when it is sent twice", async () => {
    const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
    onTestFinished(() => server.stop());
    const { token } = server.tokens.create({ site: "local" });
    server.engine.put("local", "default", "k", { value: Buffer.from("v") });
    const path = "/v1/sites/local/namespaces/default/values/k";
    const host = new URL(server.url).host;
    const shouted = await rawRequest(server.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAUTHORIZATION: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    expect([shouted.status, shouted.body.toString()]).toEqual([200, "v"]);
    const twice = await rawRequest(
      server.url,
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nauthorization: Bearer ${token}\r\nAuthorization: Bearer nonsense\r\nConnection: close\r\n\r\n`,
    );
    expect(twice.status).toBe(200);
    const wrongFirst = await rawRequest(
      server.url,
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer nonsense\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(wrongFirst.status).toBe(401);
  });

  it("acts on another process's change to the settings made after its own last look: the clock, a revoked token", async () => {
    const dataDir = tempDir();
    const server = await ApiServer.start({ dataDir, port: 0, clock: new ManualClock(T0) });
    onTestFinished(() => server.stop());
    const { token, info } = server.tokens.create({ site: "local" });
    const get = async (key: string) => {
      const r = await request(`${server.url}/v1/sites/local/namespaces/default/values/${key}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: r.statusCode, body: await r.body.text() };
    };
    // Another process: its own connection to the same store.
    const other = LocalBackend.open({ dataDir, clock: new ManualClock(T0), site: "local", cwd: dataDir });
    onTestFinished(() => other.close());
    const control = other.control();
    control.setClock("manual");
    await other.put("default", "short-lived", { value: Buffer.from("soon gone"), ttlSeconds: 60 });
    expect(await get("short-lived")).toEqual({ status: 200, body: "soon gone" });
    // The server's settings are now loaded and its token looked up; the other process moves the clock.
    control.advance(61_000);
    expect((await get("short-lived")).status).toBe(404);
    // And revokes the server's token: the next GET is refused, not served from the token cache.
    other.core.db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ?").run(T0, info.id);
    expect(await get("short-lived")).toMatchObject({ status: 401 });
  });
});

describe("the API server's cache of home rows", () => {
  async function serve() {
    const dataDir = tempDir();
    const server = await ApiServer.start({ dataDir, port: 0, clock: new ManualClock(T0) });
    onTestFinished(() => server.stop());
    const { token } = server.tokens.create({ site: "local" });
    const call = async (method: "GET" | "PUT" | "DELETE", key: string, body?: string, ns = "default") => {
      const r = await request(`${server.url}/v1/sites/local/namespaces/${ns}/values/${key}`, { method, body, headers: { authorization: `Bearer ${token}` } });
      const text = await r.body.text();
      return method === "GET" && r.statusCode === 200 ? text : r.statusCode;
    };
    const other = LocalBackend.open({ dataDir, clock: new ManualClock(T0), site: "local", cwd: dataDir });
    onTestFinished(() => other.close());
    return { server, call, other };
  }

  it("answers a key it has written or read without reading the store, and sees the server's own writes and deletes at once", async () => {
    const { server, call } = await serve();
    // The PUT reads the key's row (the one miss) and leaves the row it wrote: every GET after it is a hit.
    expect(await call("PUT", "flag", "on")).toBe(200);
    expect([await call("GET", "flag"), await call("GET", "flag"), await call("GET", "flag")]).toEqual(["on", "on", "on"]);
    expect(server.engine.headCacheStats).toEqual({ hits: 3, misses: 1 });
    expect(await call("PUT", "flag", "off")).toBe(200);
    expect(await call("GET", "flag")).toBe("off");
    expect(await call("DELETE", "flag")).toBe(200);
    expect(await call("GET", "flag")).toBe(404);
    // A key that does not exist is remembered as missing until it is written.
    expect(await call("GET", "flag")).toBe(404);
    expect(await call("PUT", "flag", "back")).toBe(200);
    expect(await call("GET", "flag")).toBe("back");
  });

  it("sees another process's writes, deletes and a namespace made again at once, on every read after them", async () => {
    const { call, other } = await serve();
    const twice = async (key: string) => [await call("GET", key, undefined, "flags"), await call("GET", key, undefined, "flags")];
    await other.createNamespace("flags");
    await other.put("flags", "f", { value: Buffer.from("1") });
    expect(await twice("f")).toEqual(["1", "1"]);
    await other.put("flags", "f", { value: Buffer.from("2") });
    expect(await twice("f")).toEqual(["2", "2"]);
    await other.delete("flags", ["f"], { force: false });
    expect(await twice("f")).toEqual([404, 404]);
    await other.put("flags", "f", { value: Buffer.from("3") });
    expect(await twice("f")).toEqual(["3", "3"]);
    // Removed and made again: a new namespace (a new id), empty.
    await other.removeNamespace("flags");
    await other.createNamespace("flags");
    expect(await twice("f")).toEqual([404, 404]);
  });

  it("never keeps a write that its group's transaction undid", async () => {
    const { server, call } = await serve();
    expect(await call("PUT", "a", "kept")).toBe(200);
    expect(await call("GET", "a")).toBe("kept");
    const kv = new LocalBackend(server.core, "local", "token:t", { kind: "embedded", description: "test", site: "local" });
    const undone = server.writes.run(() => {
      kv.putNow("default", "a", { value: Buffer.from("undone") });
      // A read inside the same transaction sees the write that is about to be undone.
      expect(server.engine.get("local", "default", "a").entry?.value.toString()).toBe("undone");
      throw new KvError("QUOTA_EXCEEDED", "refused after writing");
    });
    await expect(undone).rejects.toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect([await call("GET", "a"), await call("GET", "a")]).toEqual(["kept", "kept"]);
  });
});

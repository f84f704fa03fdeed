import { describe, expect, it } from "vitest";
import { KvError } from "../../src/core/errors.js";
import { EmulatorControl } from "../../src/emulator/control.js";
import { openStore } from "../../src/emulator/store/store.js";
import { freshEngine, T0 } from "../support/engine.js";

const S = "local";
const bytes = (s: string) => Buffer.from(s, "utf8");

describe("engine", () => {
  it("writes, reads and versions every write in commit order", () => {
    const { engine } = freshEngine();
    const v1 = engine.put(S, "default", "flags/a", { value: bytes("on") }).version;
    const v2 = engine.put(S, "default", "flags/a", { value: bytes("off"), metadata: { by: "ci" } }).version;
    expect(v1).toMatch(/^[0-9a-f]{20}$/);
    expect(v2 > v1).toBe(true);
    const entry = engine.get(S, "default", "flags/a").entry;
    expect(entry).toMatchObject({ key: "flags/a", metadata: { by: "ci" }, expiresAt: null, version: v2 });
    expect(entry!.value.toString()).toBe("off");
  });

  it("stores values byte for byte", () => {
    const { engine } = freshEngine();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    engine.put(S, "default", "bin", { value: all });
    expect(engine.get(S, "default", "bin").entry!.value.equals(all)).toBe(true);
    engine.put(S, "default", "empty", { value: Buffer.alloc(0) });
    expect(engine.get(S, "default", "empty").entry!.value.length).toBe(0);
  });

  it("turns a TTL into an absolute expiry at commit and hides the key once it passes", () => {
    const { engine, clock } = freshEngine();
    engine.put(S, "default", "session", { value: bytes("x"), ttlSeconds: 60 });
    expect(engine.get(S, "default", "session").entry!.expiresAt).toBe(T0 + 60_000);
    clock.advance(59_999);
    expect(engine.get(S, "default", "session").entry).not.toBeNull();
    expect(engine.list(S, "default", { prefix: "", limit: 10 }).keys.map((k) => k.key)).toEqual(["session"]);
    clock.advance(1);
    expect(engine.get(S, "default", "session").entry).toBeNull();
    expect(engine.list(S, "default", { prefix: "", limit: 10 }).keys).toEqual([]);
  });

  it("validates absolute expiry against its own clock, not the wall clock", () => {
    const { engine } = freshEngine();
    expect(() => engine.put(S, "default", "k", { value: bytes("x"), expiresAt: T0 + 30_000 })).toThrow(/at least 60 s in the future/);
    engine.put(S, "default", "k", { value: bytes("x"), expiresAt: T0 + 3_600_000 });
    expect(engine.get(S, "default", "k").entry!.expiresAt).toBe(T0 + 3_600_000);
  });

  it("a later write replaces the TTL", () => {
    const { engine, clock } = freshEngine();
    engine.put(S, "default", "k", { value: bytes("1"), ttlSeconds: 60 });
    engine.put(S, "default", "k", { value: bytes("2") });
    clock.advance(3_600_000);
    expect(engine.get(S, "default", "k").entry!.value.toString()).toBe("2");
  });

  it("deletes with a tombstone that takes a version of its own", () => {
    const { engine, db } = freshEngine();
    const put = engine.put(S, "default", "k", { value: bytes("v") }).version;
    const del = engine.delete(S, "default", ["k"], { force: false });
    expect(del.deleted).toEqual(["k"]);
    expect(del.version! > put).toBe(true);
    expect(engine.get(S, "default", "k").entry).toBeNull();
    const row = db.prepare("SELECT tombstone, value, version FROM entries WHERE key = ?").get(bytes("k")) as {
      tombstone: number;
      value: null;
      version: number;
    };
    expect(row).toMatchObject({ tombstone: 1, value: null });
    expect(row.version).toBe(parseInt(del.version!, 16));
  });

  it("deletes several keys all or nothing", () => {
    const { engine } = freshEngine();
    engine.put(S, "default", "a", { value: bytes("1") });
    engine.put(S, "default", "b", { value: bytes("2") });
    expect(() => engine.delete(S, "default", ["a", "missing", "b"], { force: false })).toThrow(/"missing" was not found/);
    expect(engine.get(S, "default", "a").entry).not.toBeNull();
    expect(engine.get(S, "default", "b").entry).not.toBeNull();
    const forced = engine.delete(S, "default", ["a", "missing", "b", "a"], { force: true });
    expect(forced).toMatchObject({ deleted: ["a", "b"], missing: ["missing"] });
    expect(engine.get(S, "default", "a").entry).toBeNull();
  });

  it("rejects bad input without consuming a version or writing anything", () => {
    const { engine } = freshEngine();
    const first = engine.put(S, "default", "a", { value: bytes("1") }).version;
    const bad = [
      () => engine.put(S, "default", "", { value: bytes("x") }),
      () => engine.put(S, "default", "k", { value: new Uint8Array(1_048_577) }),
      () => engine.put(S, "default", "k", { value: bytes("x"), ttlSeconds: 59 }),
      () => engine.put(S, "default", "k", { value: bytes("x"), metadata: { a: "x".repeat(2000) } }),
      () => engine.put(S, "nope", "k", { value: bytes("x") }),
    ];
    for (const fn of bad) expect(fn).toThrow(KvError);
    const next = engine.put(S, "default", "b", { value: bytes("2") }).version;
    expect(parseInt(next, 16)).toBe(parseInt(first, 16) + 1);
    expect(engine.list(S, "default", { prefix: "", limit: 10 }).keys.map((k) => k.key)).toEqual(["a", "b"]);
  });

  it("lists in UTF-8 byte order, not UTF-16 order", () => {
    const { engine } = freshEngine();
    // U+FF5E is above U+1F680 in UTF-16 code units but below it in UTF-8 bytes.
    const keys = ["\u{1F680}", "\uFF5E", "z", "é", "A"];
    for (const k of keys) engine.put(S, "default", k, { value: bytes(k) });
    const listed = engine.list(S, "default", { prefix: "", limit: 10 }).keys.map((k) => k.key);
    expect(listed).toEqual([...keys].sort((a, b) => Buffer.compare(bytes(a), bytes(b))));
    expect(listed).not.toEqual([...keys].sort());
  });

  it("pages with opaque cursors bound to their prefix", () => {
    const { engine } = freshEngine();
    for (let i = 0; i < 25; i++) engine.put(S, "default", `p/${String(i).padStart(2, "0")}`, { value: bytes("v") });
    engine.put(S, "default", "q/1", { value: bytes("v") });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = engine.list(S, "default", { prefix: "p/", cursor, limit: 10 });
      seen.push(...page.keys.map((k) => k.key));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    const first = engine.list(S, "default", { prefix: "p/", limit: 10 });
    expect(() => engine.list(S, "default", { prefix: "q/", cursor: first.cursor, limit: 10 })).toThrow(/cursor is not valid/);
    expect(() => engine.list(S, "default", { prefix: "", cursor: "garbage!", limit: 10 })).toThrow(/cursor is not valid/);
  });

  it("reports a null cursor on the last page, even when it is exactly full", () => {
    const { engine } = freshEngine();
    for (const k of ["a", "b", "c", "d"]) engine.put(S, "default", k, { value: bytes(k) });
    const p1 = engine.list(S, "default", { prefix: "", limit: 2 });
    expect(p1.cursor).not.toBeNull();
    const p2 = engine.list(S, "default", { prefix: "", cursor: p1.cursor, limit: 2 });
    expect(p2.keys.map((k) => k.key)).toEqual(["c", "d"]);
    expect(p2.cursor).toBeNull();
  });

  it("keeps namespaces and sites apart", () => {
    const { engine } = freshEngine();
    engine.createNamespace(S, "staging");
    engine.put(S, "default", "k", { value: bytes("prod") });
    engine.put(S, "staging", "k", { value: bytes("staging") });
    expect(engine.get(S, "staging", "k").entry!.value.toString()).toBe("staging");
    expect(engine.get(S, "default", "k").entry!.value.toString()).toBe("prod");
    expect(() => engine.get("other-site", "default", "k").entry).toThrow(/namespace "default" does not exist/);
    expect(engine.listNamespaces(S).map((n) => [n.name, n.keys])).toEqual([
      ["default", 1],
      ["staging", 1],
    ]);
  });

  it("removes a namespace with its keys; default cannot be removed", () => {
    const { engine } = freshEngine();
    engine.createNamespace(S, "tmp");
    engine.put(S, "tmp", "k", { value: bytes("v") });
    expect(() => engine.createNamespace(S, "tmp")).toThrow(/already exists/);
    engine.removeNamespace(S, "tmp");
    expect(() => engine.get(S, "tmp", "k").entry).toThrow(/does not exist/);
    engine.createNamespace(S, "tmp");
    expect(engine.get(S, "tmp", "k").entry).toBeNull();
    expect(() => engine.removeNamespace(S, "default")).toThrow(/cannot be removed/);
    expect(() => engine.removeNamespace(S, "ghost")).toThrow(/does not exist/);
  });

  it("opens an existing store again with its data, and shares it between connections", () => {
    const { engine, dataDir, clock } = freshEngine();
    engine.put(S, "default", "k", { value: bytes("v") });
    const second = openStore({ dataDir, now: clock.now() });
    try {
      expect(second.pragma("journal_mode", { simple: true })).toBe("wal");
      const row = second.prepare("SELECT value FROM entries WHERE key = ?").get(bytes("k")) as { value: Buffer };
      expect(row.value.toString()).toBe("v");
    } finally {
      second.close();
    }
  });

  it("an edge read in one process honours a read-repair another process made after it last looked", () => {
    const a = freshEngine();
    const b = freshEngine(a.dataDir);
    // The default profile: every copy takes at least 100 ms to reach an edge.
    a.engine.put(S, "default", "k", { value: bytes("v1") });
    a.clock.advance(1_000);
    b.clock.advance(1_000);
    a.engine.put(S, "default", "k", { value: bytes("v2") });
    const eventual = (e: typeof a.engine) => e.get(S, "default", "k", { region: "fra", consistency: "eventual" }).entry!.value.toString();
    expect(eventual(a.engine)).toBe("v1"); // v2 is still on its way; no floor in fra yet
    expect(b.engine.get(S, "default", "k", { region: "fra", consistency: "strong" }).entry!.value.toString()).toBe("v2");
    expect(eventual(b.engine)).toBe("v2"); // repaired
    expect(eventual(a.engine)).toBe("v2"); // the other process sees the repair too, not its own stale "no floors"
  });

  it("an eventual edge read says how long the edge has been behind: since the first version it lacks was committed", () => {
    const { engine, clock } = freshEngine();
    const inSin = (key: string) => engine.get(S, "default", key, { region: "sin", consistency: "eventual" });
    // The default profile: a version takes 100 to 300 ms to reach an edge.
    engine.put(S, "default", "k", { value: bytes("v1") });
    clock.advance(1_000);
    engine.put(S, "default", "k", { value: bytes("v2") });
    clock.advance(10);
    engine.put(S, "default", "k", { value: bytes("v3") });
    engine.put(S, "default", "new", { value: bytes("n1") });
    clock.advance(20);
    expect(inSin("k")).toMatchObject({ entry: { value: bytes("v1") }, read: { servedFrom: "replica", ageMs: 30 } });
    expect(inSin("new")).toMatchObject({ entry: null, read: { version: null, ageMs: 20 } });
    clock.advance(1_000);
    expect(inSin("k")).toMatchObject({ entry: { value: bytes("v3") }, read: { ageMs: 0 } });
    expect(inSin("new")).toMatchObject({ entry: { value: bytes("n1") }, read: { ageMs: 0 } });
  });

  it("keeps a key's history only while some edge may lack its newest version", () => {
    const { engine, clock, db } = freshEngine();
    const history = () =>
      (db.prepare("SELECT version, superseded_t, value FROM versions ORDER BY version").raw().all() as [number, number | null, Buffer | null][]).map(
        ([v, t, value]) => [v, t, value?.toString() ?? null],
      );
    for (let i = 1; i <= 4; i++) engine.put(S, "default", "k", { value: bytes(`v${i}`) });
    engine.put(S, "default", "other", { value: bytes("x") }); // written once: no history
    // Versions 1-3, each superseded at T0, and a copy of home's version 4 (its value stays in entries).
    expect(history()).toEqual([
      [1, T0, "v1"],
      [2, T0, "v2"],
      [3, T0, "v3"],
      [4, null, null],
    ]);
    expect(engine.get(S, "default", "k", { region: "sin", consistency: "eventual" }).entry).toBeNull(); // no version has reached sin
    clock.advance(1_000); // every edge has version 4 now
    expect(engine.get(S, "default", "k", { region: "sin", consistency: "eventual" }).entry!.value.toString()).toBe("v4"); // the copy, with home's value
    engine.put(S, "default", "k", { value: bytes("v6") });
    expect(history()).toEqual([
      [4, T0 + 1_000, "v4"],
      [6, null, null],
    ]);
    new EmulatorControl(engine).configure({ profile: "strong" }); // no delay: nothing to keep
    engine.put(S, "default", "k", { value: bytes("v7") });
    expect(history()).toEqual([]);
  });

  it("brings a store made before versions kept home's copy up to date, and reads it as before", () => {
    const { engine, clock, dataDir, db } = freshEngine();
    engine.put(S, "default", "k", { value: bytes("v1") });
    clock.advance(1_000);
    engine.put(S, "default", "k", { value: bytes("v2") });
    clock.advance(10);
    engine.put(S, "default", "k", { value: bytes("v3") });
    // The earlier layout: superseded versions only, no superseded_t column, no audit count,
    // idempotency index or cache entry TTL, schema version 1.
    db.exec(
      "DELETE FROM versions WHERE superseded_t IS NULL; ALTER TABLE versions DROP COLUMN superseded_t; ALTER TABLE audit DROP COLUMN count; DROP INDEX idempotency_by_time; ALTER TABLE cache_entries DROP COLUMN ttl_ms; ALTER TABLE namespaces DROP COLUMN stored_keys; PRAGMA user_version = 1",
    );
    db.close();
    const again = freshEngine(dataDir);
    again.clock.advance(1_030);
    expect(again.db.prepare("SELECT version, superseded_t, value IS NULL FROM versions ORDER BY version").raw().all()).toEqual([
      [1, T0 + 1_000, 0],
      [2, T0 + 1_010, 0],
      [3, null, 1],
    ]);
    expect(again.engine.get(S, "default", "k", { region: "sin", consistency: "eventual" })).toMatchObject({
      entry: { value: bytes("v1") },
      read: { ageMs: 30 },
    });
    // Home's rows moved to a rowid table (migration 6), whole: a WITHOUT ROWID table has no rowid to select.
    expect(again.db.prepare("SELECT rowid > 0, version, CAST(value AS TEXT) FROM entries").raw().all()).toEqual([[1, 3, "v3"]]);
  });

  it("bulk work reads the store unmapped and checkpoints every 64 MiB, until the next ordinary read", () => {
    const { engine, db } = freshEngine();
    for (let i = 0; i < 5; i++) engine.put(S, "default", `k${i}`, { value: bytes(`v${i}`) });
    const mode = () => [db.pragma("mmap_size", { simple: true }) as number, db.pragma("wal_autocheckpoint", { simple: true }) as number];
    const mapped = mode();
    expect(mapped[0]).toBeGreaterThan(0);
    expect(mapped[1]).toBe(1000);
    const bulk = [0, 16_384];
    const during: number[][] = [];
    const keys: string[] = [];
    for (const page of engine.exportEntries(S, "default", "", 2)) {
      during.push(mode());
      keys.push(...page.map((r) => r.key.toString()));
    }
    expect(keys).toEqual(["k0", "k1", "k2", "k3", "k4"]);
    expect(during).toEqual([bulk, bulk, bulk]);
    // Unchanged between steps of bulk work: an import's batches do not unmap and map the file each time.
    expect(mode()).toEqual(bulk);
    engine.get(S, "default", "k0");
    expect(mode()).toEqual(mapped);
    engine.putMany(S, "default", [{ key: "k9", value: bytes("v9") }]);
    expect(mode()).toEqual(bulk);
    engine.get(S, "default", "k0");
    // A dry run too: an import's check of the tier's ceilings runs every key through one.
    engine.putMany(S, "default", [{ key: "k8", value: bytes("v8") }], { dryRun: true });
    expect(mode()).toEqual(bulk);
    engine.list(S, "default", { prefix: "", limit: 10 });
    expect(mode()).toEqual(mapped);
    const early = engine.exportEntries(S, "default", "", 2);
    early.next();
    early.return(undefined); // a reader that stops early (a closed pipe)
    engine.get(S, "default", "k0");
    expect(mode()).toEqual(mapped);
  });

  it("operations within settings.pinned() look at the store once; the next operation sees what changed", () => {
    const a = freshEngine();
    const b = freshEngine(a.dataDir);
    a.engine.put(S, "default", "k", { value: bytes("v1") });
    const partitioned = () => a.engine.regions.partitioned("sin");
    a.engine.settings.pinned(() => {
      expect(partitioned()).toBe(false);
      b.db.prepare("INSERT INTO faults (region, kind, start_t, end_t) VALUES ('sin', 'partition', ?, NULL)").run(T0);
      a.engine.settings.refresh();
      expect(partitioned()).toBe(false); // pinned: the settings were read as the work began
    });
    a.engine.settings.refresh();
    expect(partitioned()).toBe(true);
    expect(() => a.engine.put(S, "default", "k", { value: bytes("v2") }, { region: "sin" })).toThrow(
      expect.objectContaining({ code: "UNAVAILABLE" }) as KvError,
    );
  });
});

import { describe, expect, it } from "vitest";
import type { Database } from "../../src/emulator/store/sqlite.js";
import type { Engine } from "../../src/emulator/kv/engine.js";
import { freshEngine } from "../support/engine.js";

/**
 * Each namespace keeps how many keys it stores (namespaces.stored_keys, src/emulator/kv/namespace-keys.ts),
 * which GET …/namespaces answers instead of counting every entry. On a real store, after every kind of
 * change, the kept count must be the count of home's rows that are not tombstones.
 */
const S = "local";
const value = (s: string) => ({ value: Buffer.from(s) });

/** Each namespace: the count kept, and the rows counted. */
function kept(db: Database): Record<string, { kept: number; counted: number }> {
  const rows = db
    .prepare(
      `SELECT n.name, n.stored_keys AS kept, (SELECT count(*) FROM entries e WHERE e.ns = n.id AND e.tombstone = 0) AS counted
       FROM namespaces n ORDER BY n.name`,
    )
    .all() as { name: string; kept: number; counted: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, { kept: r.kept, counted: r.counted }]));
}

/** What the listing says each namespace stores, having checked the kept counts against the rows. */
function listed(engine: Engine, db: Database): Record<string, number> {
  for (const [name, { kept: k, counted }] of Object.entries(kept(db))) expect(k, name).toBe(counted);
  return Object.fromEntries(engine.listNamespaces(S).map((n) => [n.name, n.keys]));
}

describe("a namespace's stored keys", () => {
  it("follow puts, overwrites, expiry, deletes, increments, bulk writes and failed writes", () => {
    const { engine, db, clock } = freshEngine();
    engine.createNamespace(S, "other");
    expect(listed(engine, db)).toEqual({ default: 0, other: 0 });

    for (const k of ["a", "b", "c"]) engine.put(S, "default", k, value(k));
    engine.put(S, "default", "a", value("a again"));
    engine.put(S, "other", "x", value("x"));
    expect(listed(engine, db)).toEqual({ default: 3, other: 1 });

    // An expired key is still stored until a write or a delete replaces it.
    engine.put(S, "default", "ttl", { ...value("t"), ttlSeconds: 60 });
    engine.put(S, "default", "ttl2", { ...value("t"), ttlSeconds: 60 });
    clock.advance(61_000);
    expect(engine.get(S, "default", "ttl").entry).toBeNull();
    expect(listed(engine, db)).toEqual({ default: 5, other: 1 });
    engine.put(S, "default", "ttl", value("back"));
    expect(listed(engine, db)).toEqual({ default: 5, other: 1 });
    engine.delete(S, "default", ["ttl2"], { force: true });
    expect(listed(engine, db)).toEqual({ default: 4, other: 1 });

    engine.delete(S, "default", ["b", "never-there"], { force: true });
    engine.delete(S, "default", ["b"], { force: true });
    expect(listed(engine, db)).toEqual({ default: 3, other: 1 });

    engine.incr(S, "default", "n", { by: 2n });
    engine.incr(S, "default", "n", { by: 3n });
    expect(listed(engine, db)).toEqual({ default: 4, other: 1 });

    // A bulk write (what an import sends): new keys, an unchanged one, a key written twice, a bad entry.
    const outcomes = engine.putMany(S, "other", [
      { key: "x", ...value("x") },
      { key: "y", ...value("y") },
      { key: "z", ...value("z") },
      { key: "z", ...value("z2") },
      { key: "", ...value("no key") },
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["unchanged", "created", "created", "updated", "failed"]);
    engine.putMany(
      S,
      "other",
      [
        { key: "y", ...value("kept") },
        { key: "w", ...value("w") },
      ],
      { ifAbsent: true },
    );
    expect(listed(engine, db)).toEqual({ default: 4, other: 4 });

    // A write whose condition fails writes nothing, in either namespace.
    expect(() => engine.put(S, "default", "new", value("v"), { onlyIf: { version: "00000000000000000001" } })).toThrow();
    expect(() => engine.delete(S, "other", ["absent"], { force: false })).toThrow();
    expect(listed(engine, db)).toEqual({ default: 4, other: 4 });
  });

  it("follow a prefix's removal in steps, and a namespace's removal", () => {
    const { engine, db, clock } = freshEngine();
    engine.createNamespace(S, "gone");
    for (let i = 0; i < 7; i++) engine.put(S, "default", `p/${i}`, value(`v${i}`));
    engine.put(S, "default", "p/ttl", { ...value("t"), ttlSeconds: 60 });
    engine.put(S, "default", "q", value("q"));
    engine.delete(S, "default", ["p/3"], { force: false });
    for (let i = 0; i < 5; i++) engine.put(S, "gone", `k${i}`, value(`v${i}`));
    clock.advance(61_000);
    expect(listed(engine, db)).toEqual({ default: 8, gone: 5 });

    let step = engine.deletePrefixStep(S, "default", "p/", { cursor: null, limit: 3 });
    expect(listed(engine, db)).toEqual({ default: 8 - step.removed, gone: 5 });
    while (step.cursor !== null) step = engine.deletePrefixStep(S, "default", "p/", { cursor: step.cursor, limit: 3 });
    // The expired p/ttl went too: a removal frees what a key stores, live or not.
    expect(listed(engine, db)).toEqual({ default: 1, gone: 5 });

    // Removed in steps: the count follows each, while the namespace is hidden from the listing.
    const [id] = engine.beginNamespaceRemoval(S, "gone");
    expect(engine.removeNamespaceStep(S, id!, 2)).toMatchObject({ removed: 2 });
    expect(Object.values(kept(db)).map((k) => k.kept === k.counted)).toEqual([true, true]);
    expect(Object.values(kept(db)).find((k) => k.counted === 3)).toEqual({ kept: 3, counted: 3 });
    while (engine.removeNamespaceStep(S, id!, 2) !== null);
    expect(listed(engine, db)).toEqual({ default: 1 });
  });

  it("are counted once when a store made before them is opened", () => {
    const { engine, db, dataDir, clock } = freshEngine();
    engine.createNamespace(S, "other");
    for (let i = 0; i < 4; i++) engine.put(S, "default", `k${i}`, value(`v${i}`));
    engine.put(S, "default", "ttl", { ...value("t"), ttlSeconds: 60 });
    engine.delete(S, "default", ["k0"], { force: false });
    engine.put(S, "other", "x", value("x"));
    // The layout before migration 7: no count kept (nor the index migration 8 adds).
    db.exec("ALTER TABLE namespaces DROP COLUMN stored_keys; DROP INDEX entries_by_death; PRAGMA user_version = 6");
    db.close();
    const again = freshEngine(dataDir);
    again.clock.advance(clock.now() - again.clock.now() + 61_000);
    expect(listed(again.engine, again.db)).toEqual({ default: 4, other: 1 });
    again.engine.put(S, "other", "y", value("y"));
    expect(listed(again.engine, again.db)).toEqual({ default: 4, other: 2 });
  });
});

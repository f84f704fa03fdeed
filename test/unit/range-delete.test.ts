import { describe, expect, it } from "vitest";
import { EmulatorControl } from "../../src/emulator/control.js";
import type { Engine } from "../../src/emulator/kv/engine.js";
import { freshEngine } from "../support/engine.js";

/**
 * A prefix's removal writes its tombstones set-wise, a step at a time (src/emulator/kv/range-delete.ts).
 * It must leave exactly the rows the one write path leaves when it deletes the same keys one by one:
 * versions, tombstones, history kept for edges, usage and meters. Two stores get the same writes;
 * one removes the prefix in steps, the other deletes its keys through Engine.delete.
 */
function twoStores(setUp: (e: Engine, control: EmulatorControl, advance: (ms: number) => void) => void) {
  const stores = [freshEngine(), freshEngine()];
  for (const s of stores) setUp(s.engine, new EmulatorControl(s.engine), (ms) => s.clock.advance(ms));
  const dump = (i: number) => {
    const { db } = stores[i]!;
    return {
      entries: db.prepare("SELECT ns, key, version, value, tombstone, expires_at, metadata, commit_t, origin FROM entries ORDER BY ns, key").all(),
      versions: db.prepare("SELECT * FROM versions ORDER BY ns, key, version").all(),
      usage: db.prepare("SELECT keys, bytes FROM usage").all(),
      writes: db.prepare("SELECT sum(writes) FROM meters").pluck().get(),
      seq: stores[i]!.engine.homeSeq(),
    };
  };
  return { stepped: stores[0]!.engine, oneByOne: stores[1]!.engine, dump };
}

/** Keys under p/ and around it: with and without TTLs (one expired), metadata, histories, a tombstone. */
function writes(e: Engine, advance: (ms: number) => void) {
  const put = (key: string, value: string, extra: object = {}) => e.put("local", "default", key, { value: Buffer.from(value), ...extra });
  for (const k of ["o", "p", "p/a", "p/b", "p/c", "p/d", "p/e", "p/f", "p/g", "p0", "q"]) put(k, `${k}-1`);
  put("p/b", "b-2", { metadata: { m: 1 } });
  put("p/c", "c-2", { ttlSeconds: 3_600 });
  put("p/h", "h", { ttlSeconds: 60 });
  put("p/é", "é", { metadata: { é: "ü" } });
  e.delete("local", "default", ["p/d"], { force: false });
  advance(61_000); // p/h has expired, and every version so far has reached every edge
  put("p/e", "e-2");
  put("p/e", "e-3");
}

function removeInSteps(e: Engine, prefix: string, limit: number): number {
  let removed = 0;
  let cursor: string | null = null;
  do {
    const step = e.deletePrefixStep("local", "default", prefix, { cursor, limit });
    removed += step.removed;
    cursor = step.cursor;
  } while (cursor !== null);
  return removed;
}

const GONE = ["p/a", "p/b", "p/c", "p/e", "p/f", "p/g", "p/h", "p/é"];
/** What the one write path is given: the keys a step finds stored, in byte order (the order a step versions them in). */
const stored = [...GONE].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe("removing a prefix in steps", () => {
  it("leaves the rows deleting its keys one by one leaves, while edges may still serve what they replace", () => {
    const { stepped, oneByOne, dump } = twoStores((e, _c, advance) => writes(e, advance));
    expect(removeInSteps(stepped, "p/", 3)).toBe(GONE.length - 1); // p/h had expired: tombstoned, not counted
    oneByOne.delete("local", "default", stored, { force: true });
    expect(dump(0)).toEqual(dump(1));
    expect(stepped.list("local", "default", { prefix: "", limit: 100 }).keys.map((k) => k.key)).toEqual(
      ["o", "p", "p/d", "p0", "q"].filter((k) => k !== "p/d"),
    );
  });

  it("compacts the histories every edge has caught up on, as a write would", () => {
    const { stepped, oneByOne, dump } = twoStores((e, _c, advance) => {
      writes(e, advance);
      advance(5_000);
    });
    removeInSteps(stepped, "p/", 2);
    oneByOne.delete("local", "default", stored, { force: true });
    expect(dump(0)).toEqual(dump(1));
  });

  it("keeps no history where every edge has a write at once", () => {
    const { stepped, oneByOne, dump } = twoStores((e, control, advance) => {
      writes(e, advance);
      control.configure({ profile: "strong" });
    });
    removeInSteps(stepped, "p/", 100);
    oneByOne.delete("local", "default", stored, { force: true });
    expect(dump(0)).toEqual(dump(1));
    // Only p/d, a tombstone already, keeps the history it had: the removal did not write it.
    expect(new Set((dump(0).versions as { key: Buffer }[]).map((v) => String(v.key)))).toEqual(new Set(["p/d"]));
  });

  it("goes key by key, through the one write path, when issued at an edge that caches", () => {
    const { stepped, oneByOne, dump } = twoStores((e, control, advance) => {
      control.configure({ profile: "cloudflare" });
      writes(e, advance);
    });
    let cursor: string | null = null;
    do cursor = stepped.deletePrefixStep("local", "default", "p/", { cursor, limit: 4, region: "fra" }).cursor;
    while (cursor !== null);
    oneByOne.delete("local", "default", stored, { force: true, region: "fra" });
    const [a, b] = [dump(0), dump(1)];
    expect(a).toEqual(b);
  });

  it("keeps what an edge that caches may still serve when issued at home", () => {
    const { stepped, oneByOne, dump } = twoStores((e, control, advance) => {
      control.configure({ profile: "esa" });
      writes(e, advance);
    });
    removeInSteps(stepped, "p/", 5);
    oneByOne.delete("local", "default", stored, { force: true });
    expect(dump(0)).toEqual(dump(1));
  });

  it("looks at `limit` rows a step, tombstones included, so a second run passes over the first's", () => {
    const { stepped } = twoStores((e, _c, advance) => writes(e, advance));
    const first = stepped.deletePrefixStep("local", "default", "p/", { cursor: null, limit: 3 });
    expect(first.removed).toBe(3); // p/a, p/b, p/c
    // p/d is a tombstone already, p/e and p/f are removed: three rows looked at.
    expect(stepped.deletePrefixStep("local", "default", "p/", { cursor: first.cursor, limit: 3 }).removed).toBe(2);
    // A run from the start again finds the rows removed and removes nothing more among them.
    expect(stepped.deletePrefixStep("local", "default", "p/", { cursor: null, limit: 6 }).removed).toBe(0);
    expect(removeInSteps(stepped, "p/", 1)).toBe(2); // p/g; p/h expired; p/é
    expect(removeInSteps(stepped, "", 1000)).toBe(4); // o, p, p0, q
  });
});

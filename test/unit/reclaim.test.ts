import { describe, expect, it } from "vitest";
import { EmulatorControl } from "../../src/emulator/control.js";
import type { Engine } from "../../src/emulator/kv/engine.js";
import { reclaimDeadRows } from "../../src/emulator/kv/reclaim.js";
import { freshEngine } from "../support/engine.js";

/**
 * Home's dead rows (deleted or expired keys) are reclaimed once every edge has them
 * (src/emulator/kv/reclaim.ts): the store stops holding them, usage stops counting an expired key,
 * and no read, list or condition answers differently, in any region.
 */
function setUp() {
  const { engine, clock, db } = freshEngine();
  const control = new EmulatorControl(engine);
  control.configure({ profile: "yourspace" });
  const put = (key: string, extra: object = {}) => engine.put("local", "default", key, { value: Buffer.from(`value of ${key}`), ...extra });
  const regions = [
    engine.homeRegion,
    ...control
      .status()
      .regions.filter((r) => r.role === "edge")
      .map((r) => r.region),
  ];
  const rows = () => db.prepare("SELECT count(*) FROM entries").pluck().get() as number;
  const history = () => db.prepare("SELECT count(*) FROM versions").pluck().get() as number;
  const usage = () => db.prepare("SELECT keys, bytes FROM usage WHERE site = 'local'").get() as { keys: number; bytes: number };
  const storedKeys = () => db.prepare("SELECT stored_keys FROM namespaces WHERE site = 'local' AND name = 'default'").pluck().get() as number;
  /** What every region answers: each key's value (eventual reads) and the listed keys. */
  const answers = (keys: readonly string[]) =>
    regions.map((region) => ({
      region,
      values: keys.map((key) => engine.get("local", "default", key, { region, consistency: "eventual" }).entry?.value.toString() ?? null),
      listed: engine.list("local", "default", { prefix: "", limit: 1000, region, consistency: "eventual" }).keys.map((k) => k.key),
    }));
  return { engine, clock, control, put, rows, history, usage, storedKeys, answers };
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);

describe("reclaiming dead rows", () => {
  it("removes deleted and expired keys once every edge has them, and changes no answer", () => {
    const { engine, clock, put, rows, history, usage, storedKeys, answers } = setUp();
    const live = keys("live/", 20);
    const expiring = keys("ttl/", 30);
    const deleted = keys("gone/", 40);
    for (const k of live) put(k);
    for (const k of expiring) put(k, { ttlSeconds: 60 });
    for (const k of deleted) put(k);
    for (const k of deleted) put(k); // a history for each, while edges lag
    const deletion = engine.delete("local", "default", deleted, { force: false });
    const all = [...live, ...expiring, ...deleted];
    const now = () => engine.now();

    // Nothing is dead and delivered yet: the tombstones have not reached the edges, the TTLs run.
    expect(reclaimDeadRows(engine as Engine, now(), 1_000)).toBe(0);
    expect(rows()).toBe(90);

    clock.advance(61_000);
    const before = answers(all);
    const heldBefore = usage();
    expect(heldBefore.keys).toBe(50); // an expired key is counted until it is reclaimed
    expect(storedKeys()).toBe(50);

    expect(reclaimDeadRows(engine as Engine, now(), 1_000)).toBe(70);
    expect(rows()).toBe(20);
    expect(history()).toBe(0);
    const bytesOf = (ks: string[]) => ks.reduce((n, k) => n + Buffer.byteLength(k) * 2 + "value of ".length, 0);
    expect(usage()).toEqual({ keys: 20, bytes: heldBefore.bytes - bytesOf(expiring) });
    expect(usage().bytes).toBe(bytesOf(live));
    expect(storedKeys()).toBe(20);
    expect(answers(all)).toEqual(before);
    // A reclaimed key written again starts afresh, with a newer version than anything before it.
    const again = engine.put("local", "default", deleted[0]!, { value: Buffer.from("back") });
    expect(engine.get("local", "default", deleted[0]!).entry?.value.toString()).toBe("back");
    expect(again.version > deletion.version!).toBe(true); // fixed-width hex: text order is number order
  });

  it("keeps a deleted key while a paused edge still serves its older version, and reclaims it once the edge has the delete", () => {
    const { engine, clock, control, put, rows, answers } = setUp();
    const edge = control.status().regions.find((r) => r.role === "edge")!.region;
    put("flag");
    clock.advance(10_000); // every edge has "flag"
    control.fault("pause", edge);
    engine.delete("local", "default", ["flag"], { force: false });
    clock.advance(10_000);
    const view = () => answers(["flag"]).find((a) => a.region === edge)!.values[0];
    expect(view()).toBe("value of flag");

    expect(reclaimDeadRows(engine as Engine, engine.now(), 1_000)).toBe(0);
    expect(rows()).toBe(1);
    expect(view()).toBe("value of flag");

    control.fault("resume", edge);
    clock.advance(10_000);
    expect(view()).toBeNull();
    expect(reclaimDeadRows(engine as Engine, engine.now(), 1_000)).toBe(1);
    expect(rows()).toBe(0);
    expect(view()).toBeNull();
  });

  it("runs as writes move home's version counter past a multiple of 128, in any process's writes", () => {
    const { engine, clock, put, rows } = setUp();
    for (const k of keys("ttl/", 50)) put(k, { ttlSeconds: 60 });
    clock.advance(61_000);
    expect(rows()).toBe(50);
    // Versions 1–50 are drawn; the sweep comes with the write that draws version 128.
    for (const k of keys("new/", 77)) put(k);
    expect(engine.homeSeq()).toBe(127);
    expect(rows()).toBe(127);
    put("new/the-128th");
    expect(engine.homeSeq()).toBe(128);
    expect(rows()).toBe(78);
  });

  it("reclaims a removed prefix's tombstones as later removals write more", () => {
    const { engine, clock, put, rows } = setUp();
    for (const k of keys("a/", 200)) put(k);
    for (const k of keys("b/", 100)) put(k);
    let cursor: string | null = null;
    do cursor = engine.deletePrefixStep("local", "default", "a/", { cursor, limit: 50 }).cursor;
    while (cursor !== null);
    clock.advance(10_000); // the tombstones have reached every edge
    expect(rows()).toBe(300);
    do cursor = engine.deletePrefixStep("local", "default", "b/", { cursor, limit: 50 }).cursor;
    while (cursor !== null);
    // a/'s 200 tombstones went with the steps that passed multiples of 128; b/'s are not delivered yet.
    expect(rows()).toBe(100);
  });
});

/**
 * Conditional writes and counters in the engine, on a real store: what each decides, what it
 * answers, and that a refused one writes nothing (docs/consistency.md, "Conditions and counters").
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { BulkOutcome } from "../../src/core/bulk.js";
import { KvError } from "../../src/core/errors.js";
import { EmulatorControl } from "../../src/emulator/control.js";
import { EmulatorCore } from "../../src/emulator/emulator-core.js";
import { LocalBackend } from "../../src/emulator/local-backend.js";
import { MemoryRecorder } from "../../src/emulator/history/recorder.js";
import { Engine } from "../../src/emulator/kv/engine.js";
import { tempDir } from "../support/cli.js";
import { freshEngine, T0 } from "../support/engine.js";

const S = "local";
const NS = "default";
const bytes = (s: string) => Buffer.from(s, "utf8");

/** The error `fn` throws (it must throw a KvError). */
function refusal(fn: () => unknown): KvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KvError) return e;
    throw e;
  }
  throw new Error("expected the call to be refused, and it succeeded");
}

/** What home holds of a key now: value text and version, or null. */
function home(engine: Engine, key: string): { value: string; version: string; expiresAt: number | null } | null {
  const entry = engine.get(S, NS, key).entry;
  return entry && { value: entry.value.toString("utf8"), version: entry.version, expiresAt: entry.expiresAt };
}

describe("conditional puts", () => {
  it("create a key only if absent, and refuse the second with home's version, writing nothing", () => {
    const { engine } = freshEngine();
    const first = engine.put(S, NS, "lock", { value: bytes("a") }, { onlyIf: { version: null } });
    const e = refusal(() => engine.put(S, NS, "lock", { value: bytes("b") }, { onlyIf: { version: null } }));
    expect(e.code).toBe("CONDITION_FAILED");
    expect(e.exitCode).toBe(7);
    expect(e.details).toEqual({ key: "lock", expected: null, current: first.version });
    expect(e.message).toContain("already exists");
    expect(home(engine, "lock")).toMatchObject({ value: "a", version: first.version });
  });

  it("compare and set: the version home holds wins once; the stale one is refused with the current one", () => {
    const { engine } = freshEngine();
    const v1 = engine.put(S, NS, "flag", { value: bytes("on") }).version;
    const v2 = engine.put(S, NS, "flag", { value: bytes("off") }, { onlyIf: { version: v1 } }).version;
    expect(v2 > v1).toBe(true);
    const e = refusal(() => engine.put(S, NS, "flag", { value: bytes("maybe") }, { onlyIf: { version: v1 } }));
    expect(e.details).toEqual({ key: "flag", expected: v1, current: v2 });
    expect(home(engine, "flag")).toMatchObject({ value: "off", version: v2 });
  });

  it("treat a deleted or expired key as absent, and its old version as no longer current", () => {
    const { engine, clock } = freshEngine();
    const v1 = engine.put(S, NS, "session", { value: bytes("x"), ttlSeconds: 60 }).version;
    clock.advance(60_000);
    const e = refusal(() => engine.put(S, NS, "session", { value: bytes("y") }, { onlyIf: { version: v1 } }));
    expect(e.details).toEqual({ key: "session", expected: v1, current: null });
    expect(e.message).toContain("has no value at home");
    engine.put(S, NS, "session", { value: bytes("z") }, { onlyIf: { version: null } });
    expect(home(engine, "session")!.value).toBe("z");

    const v3 = engine.put(S, NS, "gone", { value: bytes("x") }).version;
    engine.delete(S, NS, ["gone"], { force: false });
    expect(refusal(() => engine.put(S, NS, "gone", { value: bytes("y") }, { onlyIf: { version: v3 } })).details).toMatchObject({ current: null });
    engine.put(S, NS, "gone", { value: bytes("again") }, { onlyIf: { version: null } });
  });

  it("refuse a version that is not one as bad input, before looking at the store", () => {
    const { engine } = freshEngine();
    for (const version of ["", "12", "0000000000000000000G", "0000000000000000000A", "00000000000000000001 "]) {
      const e = refusal(() => engine.put(S, NS, "k", { value: bytes("x") }, { onlyIf: { version } }));
      expect(e.code, version).toBe("USAGE");
      expect(e.exitCode).toBe(2);
    }
    expect(home(engine, "k")).toBeNull();
  });

  it("fail UNAVAILABLE from a partitioned region, never decided on the edge's copy", () => {
    const { engine } = freshEngine();
    const control = new EmulatorControl(engine);
    const v1 = engine.put(S, NS, "flag", { value: bytes("on") }).version;
    control.fault("partition", "fra");
    for (const onlyIf of [{ version: v1 }, { version: null }]) {
      const e = refusal(() => engine.put(S, NS, "flag", { value: bytes("off") }, { region: "fra", onlyIf }));
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.exitCode).toBe(5);
    }
    expect(refusal(() => engine.incr(S, NS, "n", { region: "fra" })).code).toBe("UNAVAILABLE");
    expect(home(engine, "flag")).toMatchObject({ value: "on", version: v1 });
    expect(home(engine, "n")).toBeNull();
  });

  it("are decided at home for a write from an edge, and the edge then reads its own write", () => {
    const { engine } = freshEngine();
    const v1 = engine.put(S, NS, "flag", { value: bytes("on") }).version;
    // fra has not heard of v1 yet (Δ has not passed), yet home decides: the condition holds.
    expect(engine.get(S, NS, "flag", { region: "fra", consistency: "eventual" }).entry).toBeNull();
    const v2 = engine.put(S, NS, "flag", { value: bytes("off") }, { region: "fra", onlyIf: { version: v1 } }).version;
    expect(engine.get(S, NS, "flag", { region: "fra", consistency: "eventual" }).entry).toMatchObject({ version: v2 });
    // And a condition only the edge's stale copy would meet is refused.
    expect(refusal(() => engine.put(S, NS, "flag", { value: bytes("x") }, { region: "sin", onlyIf: { version: null } })).details).toMatchObject({
      current: v2,
    });
  });

  it("are refused QUOTA_EXCEEDED over the tier's ceiling, like any write", () => {
    const { engine } = freshEngine();
    // The free tier holds 100,000 keys: the site is at its ceiling.
    engine.run(true, () => engine.rawRun("INSERT INTO usage (site, keys, bytes, changed_at) VALUES (?, 100000, 0, ?)", S, T0));
    expect(refusal(() => engine.put(S, NS, "new", { value: bytes("x") }, { onlyIf: { version: null } })).code).toBe("QUOTA_EXCEEDED");
    expect(refusal(() => engine.incr(S, NS, "hits")).code).toBe("QUOTA_EXCEEDED");
    expect(home(engine, "new")).toBeNull();
    expect(home(engine, "hits")).toBeNull();
  });
});

describe("conditional removals", () => {
  it("remove only at the version named, and refuse otherwise with home's version", () => {
    const { engine } = freshEngine();
    const v1 = engine.put(S, NS, "flag", { value: bytes("on") }).version;
    const v2 = engine.put(S, NS, "flag", { value: bytes("off") }).version;
    expect(refusal(() => engine.delete(S, NS, ["flag"], { force: false, onlyIf: { version: v1 } })).details).toEqual({
      key: "flag",
      expected: v1,
      current: v2,
    });
    expect(home(engine, "flag")!.version).toBe(v2);
    expect(engine.delete(S, NS, ["flag"], { force: false, onlyIf: { version: v2 } }).deleted).toEqual(["flag"]);
    expect(home(engine, "flag")).toBeNull();
    // A dry run answers as the removal would.
    const v3 = engine.put(S, NS, "flag", { value: bytes("on") }).version;
    expect(refusal(() => engine.delete(S, NS, ["flag"], { force: false, dryRun: true, onlyIf: { version: v2 } })).code).toBe("CONDITION_FAILED");
    expect(engine.delete(S, NS, ["flag"], { force: false, dryRun: true, onlyIf: { version: v3 } }).deleted).toEqual(["flag"]);
  });

  it("take exactly one key and a version", () => {
    const { engine } = freshEngine();
    const v1 = engine.put(S, NS, "a", { value: bytes("x") }).version;
    engine.put(S, NS, "b", { value: bytes("x") });
    const two = refusal(() => engine.delete(S, NS, ["a", "b"], { force: false, onlyIf: { version: v1 } }));
    expect([two.code, two.message]).toEqual(["USAGE", "A condition applies to one key; this removal names 2."]);
    expect(refusal(() => engine.delete(S, NS, ["a"], { force: false, onlyIf: { version: null } })).code).toBe("USAGE");
    expect(home(engine, "a")).not.toBeNull();
    expect(home(engine, "b")).not.toBeNull();
  });
});

describe("counters", () => {
  it("count from 0, by 1 or by a signed amount, and answer the new value", () => {
    const { engine } = freshEngine();
    expect(engine.incr(S, NS, "hits").value).toBe("1");
    expect(engine.incr(S, NS, "hits", { by: 41n }).value).toBe("42");
    const r = engine.incr(S, NS, "hits", { by: -50n });
    expect(r).toMatchObject({ value: "-8", region: "iad" });
    expect(home(engine, "hits")).toMatchObject({ value: "-8", version: r.version });
  });

  it("keep a live counter's metadata and expiry; a TTL applies only when the increment creates the key", () => {
    const { engine, clock } = freshEngine();
    engine.incr(S, NS, "rate/ip", { ttlSeconds: 60 });
    expect(home(engine, "rate/ip")).toMatchObject({ value: "1", expiresAt: T0 + 60_000 });
    clock.advance(30_000);
    engine.incr(S, NS, "rate/ip", { ttlSeconds: 120 });
    // The window stays fixed: the second increment's TTL does not move it.
    expect(home(engine, "rate/ip")).toMatchObject({ value: "2", expiresAt: T0 + 60_000 });
    clock.advance(30_000);
    expect(home(engine, "rate/ip")).toBeNull();
    engine.incr(S, NS, "rate/ip", { ttlSeconds: 60 });
    expect(home(engine, "rate/ip")).toMatchObject({ value: "1", expiresAt: T0 + 120_000 });

    engine.put(S, NS, "tagged", { value: bytes("10"), metadata: { owner: "web" } });
    engine.incr(S, NS, "tagged", { ttlSeconds: 60 });
    expect(engine.get(S, NS, "tagged").entry).toMatchObject({ metadata: { owner: "web" }, expiresAt: null });
  });

  it("refuse a TTL under the minimum, an increment of 0 and one outside 64 bits, writing nothing", () => {
    const { engine } = freshEngine();
    expect(refusal(() => engine.incr(S, NS, "n", { ttlSeconds: 10 })).code).toBe("INVALID_EXPIRY");
    expect(refusal(() => engine.incr(S, NS, "n", { ttlSeconds: Number.POSITIVE_INFINITY })).code).toBe("INVALID_EXPIRY");
    expect(refusal(() => engine.incr(S, NS, "n", { by: 0n })).code).toBe("USAGE");
    expect(refusal(() => engine.incr(S, NS, "n", { by: 2n ** 63n })).code).toBe("USAGE");
    expect(home(engine, "n")).toBeNull();
  });

  it("refuse a value that is not a counter, saying its type and what it starts with", () => {
    const { engine } = freshEngine();
    const cases: [string, Buffer, string, string][] = [
      ["text", bytes("on"), "text", '"on"'],
      ["empty", Buffer.alloc(0), "an empty value", '""'],
      ["binary", Buffer.from([0xff, 0xfe, 0x00]), "binary data", "3 bytes"],
      ["fraction", bytes("1.5"), "a number that is not a whole one", '"1.5"'],
      ["padded", bytes("007"), "an integer not in plain decimal form", '"007"'],
      ["plus", bytes("+1"), "an integer not in plain decimal form", '"+1"'],
      ["line break", bytes("5\n"), "a whole number not in plain decimal form", '"5\\n"'],
      ["spaced", bytes(" 5"), "a whole number not in plain decimal form", '" 5"'],
      ["exponent", bytes("1e3"), "a whole number not in plain decimal form", '"1e3"'],
      ["hex", bytes("0x10"), "a whole number not in plain decimal form", '"0x10"'],
      ["point zero", bytes("5.0"), "a whole number not in plain decimal form", '"5.0"'],
      ["huge", bytes("9223372036854775808"), "an integer beyond 64 bits", '"9223372036854775808"'],
      ["long", bytes("x".repeat(100)), "text", JSON.stringify(`${"x".repeat(40)}…`)],
    ];
    for (const [key, value, type, preview] of cases) {
      const { version } = engine.put(S, NS, key, { value });
      const e = refusal(() => engine.incr(S, NS, key));
      expect(e.code, key).toBe("NOT_A_COUNTER");
      expect(e.exitCode).toBe(7);
      expect(e.details, key).toEqual({ key, version, type, preview });
      expect(e.message).toContain(type);
      expect(engine.get(S, NS, key).entry!.version, `${key} was rewritten`).toBe(version);
    }
  });

  it("refuse to leave the signed 64-bit range either way, writing nothing", () => {
    const { engine } = freshEngine();
    const max = engine.put(S, NS, "max", { value: bytes("9223372036854775807") }).version;
    const e = refusal(() => engine.incr(S, NS, "max"));
    expect([e.code, e.exitCode]).toEqual(["COUNTER_OVERFLOW", 7]);
    expect(e.details).toEqual({ key: "max", version: max, current: "9223372036854775807", by: "1" });
    expect(engine.incr(S, NS, "max", { by: -7n }).value).toBe("9223372036854775800");
    engine.put(S, NS, "min", { value: bytes("-9223372036854775808") });
    expect(refusal(() => engine.incr(S, NS, "min", { by: -1n })).code).toBe("COUNTER_OVERFLOW");
    expect(home(engine, "min")!.value).toBe("-9223372036854775808");
  });

  it("show an edge its own increment at once; another edge may still show the older value", () => {
    const { engine } = freshEngine();
    engine.incr(S, NS, "hits");
    const settled = new EmulatorControl(engine);
    settled.settle();
    engine.incr(S, NS, "hits", { region: "fra" });
    expect(engine.get(S, NS, "hits", { region: "fra", consistency: "eventual" }).entry!.value.toString()).toBe("2");
    expect(engine.get(S, NS, "hits", { region: "sin", consistency: "eventual" }).entry!.value.toString()).toBe("1");
    expect(engine.get(S, NS, "hits", { region: "sin", consistency: "strong" }).entry!.value.toString()).toBe("2");
  });
});

describe("the worked example of docs/consistency.md", () => {
  it("a rate limit counted at home across two edges, an edge still showing the older count for Δ, and a fixed window", () => {
    const { engine, clock } = freshEngine();
    const key = "rate/1.2.3.4";
    const eventual = (region: string) => engine.get(S, NS, key, { region, consistency: "eventual" }).entry?.value.toString();
    expect(engine.incr(S, NS, key, { ttlSeconds: 60, region: "fra" }).value).toBe("1");
    expect(engine.incr(S, NS, key, { ttlSeconds: 60, region: "sin" }).value).toBe("2");
    expect(engine.incr(S, NS, key, { region: "fra" }).value).toBe("3");
    expect(eventual("sin")).toBe("2");
    clock.advance(300);
    expect(eventual("sin")).toBe("3");
    clock.advance(60_000);
    expect(engine.incr(S, NS, key, { region: "sin" }).value).toBe("1");
  });
});

describe("batches with conditions", () => {
  it("write only absent keys, reporting the others skipped and leaving them as they were", () => {
    const { engine } = freshEngine();
    const kept = engine.put(S, NS, "a", { value: bytes("old") }).version;
    const outcomes = engine.putMany(
      S,
      NS,
      [
        { key: "a", value: bytes("new") },
        { key: "b", value: bytes("new") },
      ],
      { ifAbsent: true },
    );
    expect(outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ["a", "skipped"],
      ["b", "created"],
    ]);
    expect(home(engine, "a")).toMatchObject({ value: "old", version: kept });
    expect(engine.putMany(S, NS, [{ key: "a", value: bytes("new") }], { ifAbsent: true, dryRun: true })).toEqual([{ key: "a", outcome: "skipped" }]);
  });

  it("commit all or none: a failed condition names every failed key and nothing is written", () => {
    const { engine } = freshEngine();
    const va = engine.put(S, NS, "a", { value: bytes("a1") }).version;
    const vb = engine.put(S, NS, "b", { value: bytes("b1") }).version;
    const e = refusal(() =>
      engine.putMany(S, NS, [
        { key: "a", value: bytes("a2"), onlyIf: { version: va } },
        { key: "b", value: bytes("b2"), onlyIf: { version: null } },
        { key: "c", value: bytes("c2"), onlyIf: { version: va } },
        { key: "d", value: bytes("d2") },
      ]),
    );
    expect(e.code).toBe("CONDITION_FAILED");
    expect(e.details!.failed).toEqual([
      { key: "b", expected: null, current: vb },
      { key: "c", expected: va, current: null },
    ]);
    expect(e.message).toContain("(and 1 more key)");
    expect(home(engine, "a")!.value).toBe("a1");
    expect(home(engine, "d")).toBeNull();
  });

  it("refuse a key with a condition that comes twice", () => {
    const { engine } = freshEngine();
    const e = refusal(() =>
      engine.putMany(S, NS, [
        { key: "a", value: bytes("1"), onlyIf: { version: null } },
        { key: "a", value: bytes("2") },
      ]),
    );
    expect(e.code).toBe("USAGE");
    expect(home(engine, "a")).toBeNull();
  });
});

describe("a bulk put's dry run answers as the write would", () => {
  /** A batch's outcomes, dry run or written, without the versions only the write draws. */
  const answer = (outcomes: BulkOutcome[]) => outcomes.map(({ key, outcome }) => [key, outcome]);

  it("a key given again meets what the batch wrote of it before: updated, unchanged, or skipped when only absent keys are written", () => {
    for (const ifAbsent of [false, true]) {
      const { engine } = freshEngine();
      engine.put(S, NS, "kept", { value: bytes("old") });
      const batch = [
        { key: "k", value: bytes("a") },
        { key: "k", value: bytes("b") },
        { key: "k", value: bytes("b") },
        { key: "kept", value: bytes("new") },
      ];
      const planned = engine.putMany(S, NS, batch, { ifAbsent, dryRun: true });
      expect(home(engine, "k")).toBeNull();
      expect(answer(planned), `ifAbsent: ${ifAbsent}`).toEqual(answer(engine.putMany(S, NS, batch, { ifAbsent })));
      // An update replaces what the batch wrote before it.
      if (!ifAbsent) expect(planned[1]!.old!.value.toString("utf8")).toBe("a");
    }
  });

  it("a single entry whose condition fails: the error a single write gives, not a batch's", () => {
    const { engine } = freshEngine();
    const v1 = engine.put(S, NS, "lock", { value: bytes("me") }).version;
    const entries = [{ key: "lock", value: bytes("you"), onlyIf: { version: null } }];
    const planned = refusal(() => engine.putMany(S, NS, entries, { dryRun: true }));
    const written = refusal(() => engine.putMany(S, NS, entries));
    expect([planned.code, planned.message, planned.details]).toEqual([written.code, written.message, written.details]);
    expect(written.details).toEqual({ key: "lock", expected: null, current: v1 });
  });

  it("over the tier's ceiling: QUOTA_EXCEEDED, as the write; a key given again counts once, as the write counts it", () => {
    const atFreeTierKeys = (keys: number) => {
      const { engine } = freshEngine();
      engine.run(true, () => engine.rawRun("INSERT INTO usage (site, keys, bytes, changed_at) VALUES (?, ?, 0, ?)", S, keys, T0));
      return engine;
    };
    const three = [
      { key: "a", value: bytes("1") },
      { key: "b", value: bytes("2") },
      { key: "c", value: bytes("3") },
    ];
    const over = atFreeTierKeys(99_998);
    const planned = refusal(() => over.putMany(S, NS, three, { dryRun: true }));
    const written = refusal(() => over.putMany(S, NS, three));
    expect([planned.code, planned.message]).toEqual([written.code, written.message]);
    expect(planned.code).toBe("QUOTA_EXCEEDED");
    const again = [
      { key: "a", value: bytes("1") },
      { key: "b", value: bytes("2") },
      { key: "a", value: bytes("3") },
    ];
    const fits = atFreeTierKeys(99_998);
    expect(answer(fits.putMany(S, NS, again, { dryRun: true }))).toEqual(answer(fits.putMany(S, NS, again)));
  });

  it("from a partitioned region: UNAVAILABLE, as the write", () => {
    const { engine } = freshEngine();
    new EmulatorControl(engine).fault("partition", "fra");
    const entries = [{ key: "k", value: bytes("a") }];
    expect(refusal(() => engine.putMany(S, NS, entries, { region: "fra", dryRun: true })).code).toBe("UNAVAILABLE");
    expect(refusal(() => engine.putMany(S, NS, entries, { region: "fra" })).code).toBe("UNAVAILABLE");
  });
});

describe("the history of conditions and counters", () => {
  it("records what each expected, what home held, what it added and how it ended", () => {
    const { db, clock, dataDir } = freshEngine();
    const recorder = new MemoryRecorder();
    const engine = new Engine({ db, dataDir, clock, recorder, client: "t" });
    const v1 = engine.put(S, NS, "k", { value: bytes("v") }, { onlyIf: { version: null } }).version;
    refusal(() => engine.put(S, NS, "k", { value: bytes("w") }, { onlyIf: { version: null } }));
    engine.incr(S, NS, "n", { by: 5n });
    refusal(() => engine.incr(S, NS, "k"));
    engine.putMany(S, NS, [{ key: "k", value: bytes("x") }], { ifAbsent: true });
    new EmulatorControl(engine).fault("partition", "fra");
    refusal(() => engine.put(S, NS, "k", { value: bytes("y") }, { region: "fra", onlyIf: { version: v1 } }));
    const writes = recorder.ops
      .filter((op) => op.f !== "get" && op.f !== "fault")
      .map(({ f, key, type, value, version, expected, current, by, error, skipped }) => ({
        f,
        key,
        type,
        value,
        version,
        expected,
        current,
        by,
        error,
        skipped,
      }));
    const n1 = Number.parseInt(v1, 16);
    // toEqual: a field the record leaves out matches one that is undefined in the mapped record.
    expect(writes).toEqual([
      { f: "put", key: "k", type: "ok", value: "v", version: n1, expected: null, current: null },
      { f: "put", key: "k", type: "fail", value: "w", expected: null, current: n1, error: "CONDITION_FAILED" },
      { f: "incr", key: "n", type: "ok", value: "5", version: n1 + 1, current: null, by: "5" },
      { f: "incr", key: "k", type: "fail", current: n1, by: "1", error: "NOT_A_COUNTER" },
      { f: "put", key: "k", type: "fail", expected: null, current: n1, error: "CONDITION_FAILED", skipped: true },
      // Never decided: the region could not reach home.
      { f: "put", key: "k", type: "fail", value: "y", expected: n1, error: "UNAVAILABLE" },
    ]);
  });
});

describe("the embedded backend", () => {
  it("audits increments as incr and refused writes with their code, and meters only what was written", async () => {
    const core = EmulatorCore.open(tempDir(), new ManualClock(T0));
    onTestFinished(() => core.close());
    const kv = new LocalBackend(core, "local", "token:t1", { kind: "embedded", description: "test", site: "local" });
    expect((await kv.incr("default", "hits", { by: 2n })).value).toBe("2");
    await expect(kv.put("default", "hits", { value: bytes("x") }, { onlyIf: { version: null } })).rejects.toMatchObject({ code: "CONDITION_FAILED" });
    await expect(kv.incr("default", "hits", { by: 2n ** 63n - 3n })).resolves.toMatchObject({ value: "9223372036854775807" });
    await expect(kv.incr("default", "hits")).rejects.toMatchObject({ code: "COUNTER_OVERFLOW" });
    const audit = await kv.audit({ key: "hits" });
    // Newest first.
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ["incr", "COUNTER_OVERFLOW"],
      ["incr", "ok"],
      ["write", "CONDITION_FAILED"],
      ["incr", "ok"],
    ]);
    expect((await kv.usage()).writes).toBe(2);
  });
});

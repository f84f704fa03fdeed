/**
 * The property for conditions and counters: conditional puts and deletes, increments and batches of
 * absent keys only, mixed with plain writes, reads, time and faults, from two processes (two engines
 * on one SQLite store in a temporary directory, as two CLI processes would be), in every profile.
 * Every assertion comes from the history checker (condition-rules.ts and the rest), run after
 * quiescence; the harness only says which failures a command may meet.
 *
 * Values: plain puts write unique non-numeric text ("v12"); counter puts write unique decimals far
 * apart (n × 10⁹, or just under the 64-bit limit) so that no counter can reach a value another write
 * used, and the value rules' "unique values" hold for every value a failed write carried.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { ManualClock } from "../../src/core/clock.js";
import { KvError, type ErrorCode } from "../../src/core/errors.js";
import { EmulatorControl } from "../../src/emulator/control.js";
import type { Bug } from "../../src/emulator/history/bugs.js";
import { check } from "../../src/emulator/history/checker.js";
import { MemoryRecorder, type Recorder } from "../../src/emulator/history/recorder.js";
import { Engine } from "../../src/emulator/kv/engine.js";
import { staleness, type ModelParams } from "../../src/emulator/regions/model.js";
import type { Database } from "../../src/emulator/store/sqlite.js";
import { openStore } from "../../src/emulator/store/store.js";
import { ConsistencyViolation, EDGES, Fault, HOME, REGIONS, SITE, T0 } from "./harness.js";

const KEYS = ["c", "d"] as const;
const PROCESSES = ["A", "B"] as const;

/**
 * One store and its two processes, for every run of a property: each run has a namespace of its own
 * and a recorder of its own (opening two stores per run would cost more than the run).
 */
interface Real {
  dir: string;
  dbs: Database[];
  engines: Engine[];
  control: EmulatorControl;
  clock: ManualClock;
  /** This run's history, and where the processes record (it forwards to the run's recorder). */
  recorder: MemoryRecorder;
  /** This run's namespace. */
  ns: string;
  /** The model the run began with: the checker's starting point. */
  initial: ModelParams;
  quietMs: number;
}

interface Model {
  nextValue: number;
  partitioned: Set<string>;
  paused: Set<string>;
  /** Every version an ok write of the key answered: what a client may name in a condition. */
  versions: Map<string, string[]>;
}

type Cmd = fc.Command<Model, Real>;

function openWorld(profile: string, bugs: readonly Bug[]): Real {
  // A memory file system where there is one: the store is small and thrown away.
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "yourspace-conditions-"));
  const clock = new ManualClock(T0);
  const real = { dir, clock, recorder: new MemoryRecorder(), ns: "", quietMs: 0 } as Omit<Real, "dbs" | "engines" | "control" | "initial"> & Partial<Real>;
  const forward: Recorder = { record: (op) => real.recorder.record(op) };
  real.dbs = PROCESSES.map(() => {
    const db = openStore({ dataDir: dir, now: clock.now() });
    // Reads go through SQLite's page cache, not its mapping of the file: after another connection
    // commits, SQLite unmaps the whole file and maps it again (about 0.2 ms), and here the two
    // connections take turns at every step. One connection a process, as the CLI and the server
    // run, never pays it; what a read answers is the same either way.
    db.pragma("mmap_size = 0");
    return db;
  });
  real.engines = PROCESSES.map((name, i) => new Engine({ db: real.dbs![i]!, dataDir: dir, clock, recorder: forward, client: name, bugs }));
  real.control = new EmulatorControl(real.engines[0]!);
  real.initial = real.control.configure({ profile, home: HOME, edges: [...EDGES], seed: 1 });
  return real as Real;
}

/** A fresh run: its own namespace, seed and history, and every link up. */
function startRun(real: Real, run: number, seed: number): void {
  real.initial = real.control.configure({ seed });
  real.recorder = new MemoryRecorder();
  real.ns = `run-${run}`;
  real.engines[0]!.createNamespace(SITE, real.ns);
  const delta = staleness(real.initial);
  real.quietMs = Math.max(Number.isFinite(delta) ? delta : 0, Number.isFinite(real.initial.cacheTtlMs) ? real.initial.cacheTtlMs : 0, 120_000);
}

/** Runs a write; the failures it may meet are named, anything else fails the run. */
function attempt(m: Model, region: string, allowed: readonly ErrorCode[], fn: () => { key: string; version: string | null }[]): void {
  try {
    for (const { key, version } of fn()) if (version !== null) m.versions.set(key, [...(m.versions.get(key) ?? []), version]);
  } catch (e) {
    if (e instanceof KvError && e.code === "UNAVAILABLE" && m.partitioned.has(region)) return;
    if (e instanceof KvError && allowed.includes(e.code)) return;
    throw e;
  }
}

/** A version a client might name: one the key had (any, from the first), or one it never had. */
function pickVersion(m: Model, key: string, pick: number): string {
  const known = m.versions.get(key) ?? [];
  return pick < known.length ? known[known.length - 1 - pick]! : "0000000000000000ffff";
}

class Put implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly key: string,
    readonly kind: "text" | "number" | "near-max",
    readonly ttl: number | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const n = ++m.nextValue;
    const text = this.kind === "text" ? `v${n}` : this.kind === "number" ? String(n * 1_000_000_000) : String(2n ** 63n - 1n - BigInt(n) * 1000n);
    attempt(m, this.region, [], () => [
      {
        key: this.key,
        version: r.engines[this.p]!.put(SITE, r.ns, this.key, { value: Buffer.from(text), ttlSeconds: this.ttl }, { region: this.region }).version,
      },
    ]);
  }
  toString = () => `Put(${PROCESSES[this.p]}, ${this.region}, ${this.key}, ${this.kind}${this.ttl ? `, ttl=${this.ttl}s` : ""})`;
}

/** A put only if absent (pick < 0) or only at a version the key had (pick ≥ 0). */
class CondPut implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly key: string,
    readonly pick: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const version = this.pick < 0 ? null : pickVersion(m, this.key, this.pick);
    const value = Buffer.from(`v${++m.nextValue}`);
    attempt(m, this.region, ["CONDITION_FAILED"], () => [
      { key: this.key, version: r.engines[this.p]!.put(SITE, r.ns, this.key, { value }, { region: this.region, onlyIf: { version } }).version },
    ]);
  }
  toString = () => `CondPut(${PROCESSES[this.p]}, ${this.region}, ${this.key}, ${this.pick < 0 ? "absent" : `version #-${this.pick}`})`;
}

class CondDelete implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly key: string,
    readonly pick: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const version = pickVersion(m, this.key, this.pick);
    attempt(m, this.region, ["CONDITION_FAILED"], () => [
      { key: this.key, version: r.engines[this.p]!.delete(SITE, r.ns, [this.key], { force: true, region: this.region, onlyIf: { version } }).version },
    ]);
  }
  toString = () => `CondDelete(${PROCESSES[this.p]}, ${this.region}, ${this.key}, version #-${this.pick})`;
}

class Delete implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly key: string,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    attempt(m, this.region, [], () => [
      { key: this.key, version: r.engines[this.p]!.delete(SITE, r.ns, [this.key], { force: true, region: this.region }).version },
    ]);
  }
  toString = () => `Delete(${PROCESSES[this.p]}, ${this.region}, ${this.key})`;
}

class Incr implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly key: string,
    readonly by: bigint,
    readonly ttl: number | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    attempt(m, this.region, ["NOT_A_COUNTER", "COUNTER_OVERFLOW"], () => [
      { key: this.key, version: r.engines[this.p]!.incr(SITE, r.ns, this.key, { by: this.by, ttlSeconds: this.ttl, region: this.region }).version },
    ]);
  }
  toString = () => `Incr(${PROCESSES[this.p]}, ${this.region}, ${this.key}, by ${this.by}${this.ttl ? `, ttl=${this.ttl}s` : ""})`;
}

/** A batch of every key, absent keys only; with `cas`, the first key's entry also names a version. */
class Batch implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly ifAbsent: boolean,
    readonly pick: number | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const entries = KEYS.map((key, i) => ({
      key,
      value: Buffer.from(`v${++m.nextValue}`),
      ...(i === 0 && this.pick !== undefined && { onlyIf: { version: pickVersion(m, key, this.pick) } }),
    }));
    attempt(m, this.region, ["CONDITION_FAILED"], () =>
      r.engines[this.p]!.putMany(SITE, r.ns, entries, { region: this.region, ifAbsent: this.ifAbsent }).map((o) => ({
        key: o.key,
        version: o.version ?? null,
      })),
    );
  }
  toString = () =>
    `Batch(${PROCESSES[this.p]}, ${this.region}${this.ifAbsent ? ", if absent" : ""}${this.pick === undefined ? "" : `, first at version #-${this.pick}`})`;
}

class Get implements Cmd {
  constructor(
    readonly p: number,
    readonly region: string,
    readonly key: string,
    readonly strong: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    try {
      r.engines[this.p]!.get(SITE, r.ns, this.key, { region: this.region, consistency: this.strong ? "strong" : "eventual" });
    } catch (e) {
      if (!(e instanceof KvError && e.code === "UNAVAILABLE" && m.partitioned.has(this.region))) throw e;
    }
  }
  toString = () => `Get(${PROCESSES[this.p]}, ${this.region}, ${this.key}, ${this.strong ? "strong" : "eventual"})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(_m: Model, r: Real): void {
    r.clock.advance(this.ms);
  }
  toString = () => `Advance(${this.ms}ms)`;
}

function commands(): fc.Arbitrary<Cmd>[] {
  // Mostly one process, sometimes the other: each switch makes a process look at the store's settings
  // again (the other wrote), which costs more than the operation; a few switches a run are enough.
  const p = fc.constantFrom(0, 0, 0, 1);
  const region = fc.constantFrom(...REGIONS);
  const key = fc.constantFrom(...KEYS);
  const pick = fc.integer({ min: -1, max: 2 });
  const ttl = fc.option(fc.constant(60), { nil: undefined, freq: 3 });
  return [
    fc.tuple(p, region, key, fc.constantFrom("text" as const, "number" as const, "near-max" as const), ttl).map(([a, b, c, d, e]) => new Put(a, b, c, d, e)),
    fc.tuple(p, region, key, pick).map(([a, b, c, d]) => new CondPut(a, b, c, d)),
    fc.tuple(p, region, key, fc.nat({ max: 2 })).map(([a, b, c, d]) => new CondDelete(a, b, c, d)),
    fc.tuple(p, region, key).map(([a, b, c]) => new Delete(a, b, c)),
    fc.tuple(p, region, key, fc.constantFrom(1n, 2n, -3n, 5_000n), ttl).map(([a, b, c, d, e]) => new Incr(a, b, c, d, e)),
    fc.tuple(p, region, fc.boolean(), fc.option(fc.nat({ max: 2 }), { nil: undefined })).map(([a, b, c, d]) => new Batch(a, b, c, d)),
    fc.tuple(p, region, key, fc.boolean()).map(([a, b, c, d]) => new Get(a, b, c, d)),
    fc.constantFrom(1, 500, 1_500, 61_000).map((ms) => new Advance(ms)),
    fc
      .tuple(fc.constantFrom("partition" as const, "heal" as const, "pause" as const, "resume" as const), fc.constantFrom(...EDGES))
      .map(([c, e]) => new Fault<Model, Real>(c, e)),
  ];
}

/**
 * Runs that share one store before it is replaced by a new one. Each run configures the model with
 * its seed, which adds an epoch that every process reads again after the other's commits: over 500
 * runs in one store, reading the settings took 40% of the file's CPU. Each run has its own
 * namespace and history either way, so a new store changes nothing the checker sees.
 */
const RUNS_PER_STORE = 50;

/**
 * The property for a profile, over a store opened on first use and replaced every RUNS_PER_STORE
 * runs: each run its own namespace, seed and history; quiescence, then the checker over the run's
 * history. `close` removes the store.
 */
export function conditionsProperty(
  profile: string,
  bugs: readonly Bug[] = [],
): { property: fc.IPropertyWithHooks<[number, Iterable<Cmd>]>; close: () => void } {
  const arbitraries = commands();
  let real: Real | undefined;
  let runs = 0;
  const close = () => {
    for (const db of real?.dbs ?? []) db.close();
    if (real) rmSync(real.dir, { recursive: true, force: true });
    real = undefined;
  };
  const property = fc.property(fc.integer(), fc.commands(arbitraries, { maxCommands: 20, size: "max" }), (seed, cmds) => {
    if (runs % RUNS_PER_STORE === 0) close();
    real ??= openWorld(profile, bugs);
    startRun(real, ++runs, seed);
    const model: Model = { nextValue: 0, partitioned: new Set(), paused: new Set(), versions: new Map() };
    try {
      fc.modelRun(() => ({ model, real: real! }), cmds);
    } finally {
      for (const edge of model.partitioned) real.control.fault("heal", edge);
      for (const edge of model.paused) real.control.fault("resume", edge);
    }
    real.clock.advance(real.quietMs + 1);
    for (const region of REGIONS) for (const key of KEYS) real.engines[0]!.get(SITE, real.ns, key, { region, consistency: "eventual" });
    const violations = check(real.recorder.ops, real.initial);
    if (violations.length > 0) throw new ConsistencyViolation(violations);
  });
  return { property, close };
}

/**
 * The model-based consistency property of consistency model §2.3, shared by the suite for the real
 * profiles and the "test the tests" suite that runs it against deliberately broken engines.
 *
 * Real system: a fresh in-memory engine per run, a ManualClock and a seed drawn by fast-check (so the
 * seed shrinks too). Model: deliberately tiny — a counter for unique values, fault flags for the
 * preconditions, emulated time, and a list of deadlines (commit + Δ, expiry, heal + Δ) that
 * ToDeadline jumps to. The model does not re-implement the store: every assertion comes from the
 * history checker, run after each run's quiescence phase.
 */
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { ManualClock } from "../../src/core/clock.js";
import { KvError } from "../../src/core/errors.js";
import { check } from "../../src/emulator/history/checker.js";
import { formatViolations, type Violation } from "../../src/emulator/history/violations.js";
import { EmulatorControl, type ConfigChange } from "../../src/emulator/control.js";
import { Engine } from "../../src/emulator/kv/engine.js";
import { MemoryRecorder } from "../../src/emulator/history/recorder.js";
import { MAX_CACHE_TTL_MS, paramsForProfile, PROFILES, readCacheTtl, staleness, type Consistency, type ModelParams } from "../../src/emulator/regions/model.js";
import type { Bug } from "../../src/emulator/history/bugs.js";
import type { Database } from "../../src/emulator/store/sqlite.js";
import { openStore } from "../../src/emulator/store/store.js";

/** 2027-01-01T00:00:00Z, as in the other engine tests. */
export const T0 = Date.UTC(2027, 0, 1);
export const SITE = "local";
export const NS = "default";
export const HOME = "iad";
export const EDGES = ["fra", "sin"] as const;
export const REGIONS = [HOME, ...EDGES];
/** Small pools force collisions; two keys share the listed prefix. */
const KEYS = ["a", "p/x", "p/y"] as const;
const LIST_PREFIX = "p/";
export const PROFILE_NAMES = ["yourspace", "strong", "cloudflare", "edgeone", "esa"] as const;

function profileParams(profile: string, seed = 1): ModelParams {
  return paramsForProfile(profile, { home: HOME, edges: [...EDGES], seed });
}

export interface Real {
  engine: Engine;
  control: EmulatorControl;
  clock: ManualClock;
  recorder: MemoryRecorder;
  db: Database;
  /** The model in force now (a Config command changes it), and its Δ. */
  params: ModelParams;
  delta: number;
  /** The model the history began with: the checker's starting point. */
  initial: ModelParams;
  /** How long quiescence waits: the longest Δ or cache TTL any model of the run had. */
  quietMs: number;
}

/** New stores, as openStore() makes them in `:memory:`, by the time they were made. */
const madeStores = new Map<number, Buffer>();

/**
 * A new store in `:memory:`: the one openStore() made at `now`, copied. Making one runs every
 * migration, which took a third of a run's CPU; each run still gets a store of its own.
 */
function newMemoryStore(now: number): Database {
  let made = madeStores.get(now);
  if (!made) {
    const db = openStore({ dataDir: ":memory:", now });
    made = db.serialize();
    db.close();
    madeStores.set(now, made);
  }
  const db = new BetterSqlite3(made);
  db.pragma("foreign_keys = ON");
  return db;
}

/** A private emulator in `:memory:`, configured for the profile; time moves only by `clock.advance`. */
export function createReal(profile: string, seed: number, bugs: readonly Bug[] = []): Real {
  const clock = new ManualClock(T0);
  const db = newMemoryStore(clock.now());
  const recorder = new MemoryRecorder();
  const engine = new Engine({ db, dataDir: ":memory:", clock, recorder, client: "property", bugs });
  const control = new EmulatorControl(engine);
  const params = control.configure({ profile, home: HOME, edges: [...EDGES], seed });
  return { engine, control, clock, recorder, db, params, delta: staleness(params), initial: params, quietMs: quietFor(params) };
}

/** Long enough for every write of a model to reach every edge, and every cache entry of it to lapse. */
function quietFor(params: ModelParams): number {
  const delta = staleness(params);
  if (params.edgeStore === "replica") return delta;
  // Reads may store entries for up to 120 s of their own (Get's cacheTtl); ESA's last until invalidated.
  return Math.max(Number.isFinite(delta) ? delta : 0, Number.isFinite(params.cacheTtlMs) ? params.cacheTtlMs : 0, 120_000);
}

interface Model {
  nextValue: number;
  now: number;
  partitioned: Set<string>;
  paused: Set<string>;
  /** Interesting instants: commit + Δ, expiry, heal/resume + Δ, and (cache profiles) fetch + TTL. */
  deadlines: number[];
  /** The edge store in force: a Config that changes it needs every link up. */
  edgeStore: ModelParams["edgeStore"];
}

type Cmd = fc.Command<Model, Real>;

/** Only "the edge cannot reach home" is an acceptable failure, and only while the model says so. */
function tolerateUnavailable(m: Model, region: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof KvError && e.code === "UNAVAILABLE" && m.partitioned.has(region)) return;
    throw e;
  }
}

class Put implements Cmd {
  constructor(
    readonly region: string,
    readonly key: string,
    readonly ttl: number | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const value = Buffer.from(`v${++m.nextValue}`);
    tolerateUnavailable(m, this.region, () => {
      r.engine.put(SITE, NS, this.key, { value, ttlSeconds: this.ttl }, { region: this.region });
      m.deadlines.push(m.now + r.delta);
      if (this.ttl !== undefined) m.deadlines.push(m.now + this.ttl * 1000);
    });
  }
  toString = () => `Put(${this.region}, ${JSON.stringify(this.key)}${this.ttl === undefined ? "" : `, ttl=${this.ttl}s`})`;
}

class Delete implements Cmd {
  constructor(
    readonly region: string,
    readonly key: string,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    tolerateUnavailable(m, this.region, () => {
      r.engine.delete(SITE, NS, [this.key], { force: true, region: this.region });
      m.deadlines.push(m.now + r.delta);
    });
  }
  toString = () => `Delete(${this.region}, ${JSON.stringify(this.key)})`;
}

function read(m: Model, r: Real, region: string, key: string, consistency: Consistency, cacheTtlMs?: number): void {
  const most = MAX_CACHE_TTL_MS[r.params.profile];
  const cached = r.params.edgeStore === "cache" && consistency === "eventual" && region !== r.params.home;
  if (cached && cacheTtlMs !== undefined && most !== undefined && readCacheTtl(r.params, cacheTtlMs) > most) {
    // More than the platform keeps an entry (EdgeOne: 60 s) is refused, and changes nothing.
    try {
      r.engine.get(SITE, NS, key, { region, consistency, cacheTtlMs });
    } catch (e) {
      if (e instanceof KvError && e.code === "USAGE") return;
      throw e;
    }
    throw new Error(`a read in ${region} asking for a cache TTL of ${cacheTtlMs} ms under ${r.params.profile} was not refused`);
  }
  tolerateUnavailable(m, region, () => {
    r.engine.get(SITE, NS, key, { region, consistency, ...(cacheTtlMs !== undefined && { cacheTtlMs }) });
    // A cache entry filled now turns stale at now + TTL: a boundary worth landing on.
    const ttl = readCacheTtl(r.params, cacheTtlMs);
    if (r.params.edgeStore === "cache" && Number.isFinite(ttl)) m.deadlines.push(m.now + ttl);
  });
}

/** A get; in cache profiles it may give its own cache TTL (§1.5). */
class Get implements Cmd {
  constructor(
    readonly region: string,
    readonly key: string,
    readonly consistency: Consistency,
    readonly cacheTtlMs?: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    read(m, r, this.region, this.key, this.consistency, this.cacheTtlMs);
  }
  toString = () =>
    `Get(${this.region}, ${JSON.stringify(this.key)}, ${this.consistency}${this.cacheTtlMs === undefined ? "" : `, cacheTtl ${this.cacheTtlMs} ms`})`;
}

/** eventual, strong, eventual: the pattern that exposes a missing read-repair (§2.5, "the macros matter"). */
class Probe implements Cmd {
  constructor(
    readonly edge: string,
    readonly key: string,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    for (const c of ["eventual", "strong", "eventual"] as const) read(m, r, this.edge, this.key, c);
  }
  toString = () => `Probe(${this.edge}, ${JSON.stringify(this.key)})`;
}

/** A full scan with limit 1, following cursors; §1.6 promises no key twice within one scan. */
class ListAll implements Cmd {
  constructor(
    readonly region: string,
    readonly consistency: Consistency,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    tolerateUnavailable(m, this.region, () => {
      const seen = new Set<string>();
      let cursor: string | null = null;
      for (let pages = 0; ; pages++) {
        if (pages > KEYS.length + 1) throw new Error(`${this}: the scan did not end after ${pages} pages`);
        const page = r.engine.list(SITE, NS, { prefix: LIST_PREFIX, cursor, limit: 1, region: this.region, consistency: this.consistency });
        for (const k of page.keys) {
          if (seen.has(k.key)) throw new Error(`${this}: ${k.key} appeared twice in one scan`);
          seen.add(k.key);
        }
        cursor = page.cursor;
        if (cursor === null) break;
      }
    });
  }
  toString = () => `ListAll(${this.region}, ${JSON.stringify(LIST_PREFIX)}, ${this.consistency})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms);
    m.now += this.ms;
  }
  toString = () => `Advance(${this.ms}ms)`;
}

/** Jumps to just before, at or just after one of the model's future deadlines (picked by index). */
class ToDeadline implements Cmd {
  constructor(
    readonly index: number,
    readonly offset: -1 | 0 | 1,
  ) {}
  private target(m: Readonly<Model>): number | undefined {
    const future = m.deadlines.map((d) => d + this.offset).filter((d) => d > m.now);
    return future.length ? future[this.index % future.length] : undefined;
  }
  check = (m: Readonly<Model>) => this.target(m) !== undefined;
  run(m: Model, r: Real): void {
    const to = this.target(m)!;
    r.clock.advance(to - m.now);
    m.now = to;
  }
  toString = () => `ToDeadline(#${this.index}, ${this.offset >= 0 ? "+" : ""}${this.offset})`;
}

/** What faults change in a model: the edges cut off from home, and those whose delivery is paused. */
export interface FaultState {
  partitioned: Set<string>;
  paused: Set<string>;
}

/**
 * A link cut or mended, or an edge's delivery paused or resumed, in the emulator and in the model.
 * `onLifted` is what a model expects once a fault ends (the messages it held arrive by then).
 */
export class Fault<M extends FaultState, R extends { control: EmulatorControl }> implements fc.Command<M, R> {
  constructor(
    readonly command: "partition" | "heal" | "pause" | "resume",
    readonly edge: string,
    private readonly onLifted: (m: M, r: R) => void = () => {},
  ) {}
  private flags(m: Readonly<M>): Set<string> {
    return this.command === "partition" || this.command === "heal" ? m.partitioned : m.paused;
  }
  check = (m: Readonly<M>) => this.flags(m).has(this.edge) === (this.command === "heal" || this.command === "resume");
  run(m: M, r: R): void {
    r.control.fault(this.command, this.edge);
    if (this.command === "partition" || this.command === "pause") this.flags(m).add(this.edge);
    else {
      this.flags(m).delete(this.edge);
      this.onLifted(m, r);
    }
  }
  toString = () => `${this.command[0]!.toUpperCase()}${this.command.slice(1)}(${this.edge})`;
}

/**
 * A change of settings mid-run (`kv emulator config`), with eventual reads of every key in every edge
 * just before and after it. It applies to the writes after it. A change of edge store needs every
 * link up (the emulator refuses otherwise), so it waits for one.
 */
class Config implements Cmd {
  constructor(readonly change: ConfigChange) {}
  check = (m: Readonly<Model>) => (m.partitioned.size === 0 && m.paused.size === 0) || !this.changesStore(m);
  private changesStore(m: Readonly<Model>): boolean {
    return this.change.profile !== undefined && PROFILES[this.change.profile]!.edgeStore !== m.edgeStore;
  }
  run(m: Model, r: Real): void {
    // What every edge serves just before and just after the change: it must not go back (the macro
    // that makes a change that rewrites the past show up, as Probe does for read-repair).
    const look = () => {
      for (const edge of EDGES) for (const key of KEYS) read(m, r, edge, key, "eventual");
    };
    look();
    r.params = r.control.configure(this.change);
    look();
    r.delta = staleness(r.params);
    r.quietMs = Math.max(r.quietMs, quietFor(r.params));
    m.edgeStore = r.params.edgeStore;
    if (Number.isFinite(r.delta)) m.deadlines.push(m.now + r.delta);
  }
  toString = () => `Config(${JSON.stringify(this.change)})`;
}

/** Changes of settings a run may make: delays, jitter, seed, the order of the edges, and the profile. */
function configArbitrary(): fc.Arbitrary<Cmd> {
  return fc
    .oneof(
      fc.record({ delayMs: fc.constantFrom(0, 50, 100, 1_000) }),
      fc.record({ jitterMs: fc.constantFrom(0, 200, 5_000) }),
      fc.record({ seed: fc.nat({ max: 1_000 }) }),
      fc.record({ edges: fc.constantFrom([...EDGES], [...EDGES].reverse()) }),
      fc.record({ profile: fc.constantFrom(...PROFILE_NAMES) }),
    )
    .map((change) => new Config(change as ConfigChange));
}

/** The command arbitraries for one profile (Advance's steps depend on its Δ). */
function commandArbitraries(params: ModelParams): fc.Arbitrary<Cmd>[] {
  const delta = staleness(params);
  const steps = [...new Set([0, 1, 10, Math.floor(delta / 2), delta - 1, delta, delta + 1, 61_000, 300_000])].filter((ms) => ms >= 0 && Number.isFinite(ms));
  const region = fc.constantFrom(...REGIONS);
  const edge = fc.constantFrom(...EDGES);
  const key = fc.constantFrom(...KEYS);
  const consistency = fc.constantFrom<Consistency>("eventual", "strong");
  return [
    fc.tuple(region, key, fc.option(fc.constantFrom(60, 120), { nil: undefined })).map(([r, k, ttl]) => new Put(r, k, ttl)),
    fc.tuple(region, key).map(([r, k]) => new Delete(r, k)),
    // Cache profiles: reads with their own TTL, under the least (raised), shorter and longer than the profile's.
    fc
      .tuple(
        region,
        key,
        consistency,
        params.edgeStore === "cache" ? fc.option(fc.constantFrom(10_000, 45_000, 120_000), { nil: undefined }) : fc.constant(undefined),
      )
      .map(([r, k, c, ttl]) => new Get(r, k, c, ttl)),
    fc.tuple(region, consistency).map(([r, c]) => new ListAll(r, c)),
    fc.tuple(edge, key).map(([e, k]) => new Probe(e, k)),
    fc.constantFrom(...steps).map((ms) => new Advance(ms)),
    fc.tuple(fc.nat({ max: 31 }), fc.constantFrom<-1 | 0 | 1>(-1, 0, 1)).map(([i, o]) => new ToDeadline(i, o)),
    fc.tuple(fc.constantFrom("partition", "heal", "pause", "resume" as const), edge).map(
      // Held messages arrive by heal + Δ.
      ([c, e]) => new Fault<Model, Real>(c, e, (m, r) => m.deadlines.push(m.now + r.delta)),
    ),
  ];
}

/** Thrown when the checker finds violations; carries them so tests can assert on the rule. */
export class ConsistencyViolation extends Error {
  constructor(readonly violations: Violation[]) {
    super(`${violations.length} consistency violation(s):\n${formatViolations(violations)}`);
    this.name = "ConsistencyViolation";
  }
}

/**
 * Quiescence by emulated time, not settle(): heal and resume everything, let max Δ + 1 pass with no
 * writes (for cache profiles without propagation, Δ is the cache TTL), then read every key in every
 * region. The checker's no-convergence / lost-write rules judge these reads.
 */
function quiesce(m: Model, r: Real): void {
  for (const e of m.partitioned) r.control.fault("heal", e);
  for (const e of m.paused) r.control.fault("resume", e);
  m.partitioned.clear();
  m.paused.clear();
  r.clock.advance(r.quietMs + 1);
  m.now += r.quietMs + 1;
  for (const region of REGIONS) for (const key of KEYS) r.engine.get(SITE, NS, key, { region, consistency: "eventual" });
}

/** One run: a fresh emulator, the commands, quiescence, then the checker over the whole history. */
export function consistencyProperty(profile: string, bugs: readonly Bug[] = [], options: { configChanges?: boolean } = {}) {
  const params = profileParams(profile);
  const arbitraries = commandArbitraries(params);
  // Settings changes are rarer than operations: most commands act on data between two changes.
  if (options.configChanges) arbitraries.push(configArbitrary());
  return fc.property(fc.integer(), fc.commands(arbitraries, { maxCommands: 40, size: "max" }), (seed, cmds) => {
    const real = createReal(profile, seed, bugs);
    try {
      const model: Model = { nextValue: 0, now: T0, partitioned: new Set(), paused: new Set(), deadlines: [], edgeStore: real.params.edgeStore };
      fc.modelRun(() => ({ model, real }), cmds);
      quiesce(model, real);
      const violations = check(real.recorder.ops, real.initial);
      if (violations.length > 0) throw new ConsistencyViolation(violations);
    } finally {
      real.db.close();
    }
  });
}

import type { Statement } from "better-sqlite3";
import { DEFAULT_PARAMS, type FaultInterval, type ModelParams } from "./regions/model.js";
import type { Database } from "./store/sqlite.js";

/**
 * The data directory's clock: manual (stopped at `now` until advanced), or the system clock plus
 * `offsetMs` (what the manual clock had run ahead of it when real time was turned back on).
 */
export type ClockSetting = { mode: "manual"; now: number } | { mode: "real"; offsetMs: number };

/** The model's parameters in force for the versions up to `untilVersion`, before a change of settings. */
export interface Epoch {
  untilVersion: number;
  /** When the change came: every version of the epoch was committed by then. */
  endT: number;
  params: ModelParams;
}

/** Recording: to `path`, or stopped by a failure to append (`stopped`), until `record` is run again. */
export interface RecordSetting {
  path: string;
  stopped?: { reason: string; at: number };
}

export interface Settled {
  seq: number;
  t: number;
}

/**
 * The emulator's per-directory settings (model, clock, recording, faults, settle marks), read from
 * the store and cached until another process commits: `PRAGMA data_version` tells when that happens,
 * so a long-running server and one-shot CLI processes always act on the same settings.
 */
export class Settings {
  private seen = -1;
  private modelValue: ModelParams = DEFAULT_PARAMS;
  private clockValue: ClockSetting | null = null;
  private recordValue: RecordSetting | null = null;
  private epochsValue: readonly Epoch[] = [];
  private floorValue = Number.NEGATIVE_INFINITY;
  private faultsByRegion = new Map<string, FaultInterval[]>();
  private settledByRegion = new Map<string, Settled>();
  private readonly dataVersion: Statement;

  constructor(private readonly db: Database) {
    this.dataVersion = db.prepare("PRAGMA data_version").pluck();
  }

  /** Changes whenever another connection has committed since: caches of stored state key on it. */
  stamp = 0;

  private pin = false;

  /**
   * Runs `fn` on settings looked at once, as it starts: refresh() does nothing until it returns. For
   * work that runs to completion without waiting (the synchronous part of a server request), which
   * would otherwise look at the store's data_version several times in a row for nothing. `fresh`:
   * look now, even in a turn that has looked already (see oncePerTurn).
   */
  pinned<T>(fn: () => T, fresh = false): T {
    if (fresh) this.refresh();
    else this.look();
    if (this.pin) return fn();
    this.pin = true;
    try {
      return fn();
    } finally {
      this.pin = false;
    }
  }

  /**
   * Runs `fn` on the settings as last seen, pinned, without looking at the data_version first: the
   * first statement `fn` runs looks instead, either reading the data_version along with its own
   * data (observe()) or by a look of its own (verify()). If another process has committed since the
   * settings were loaded, that look throws STALE, and the caller runs `fn` again with pinned(). A
   * read of one key thus takes one read transaction instead of two. For reads only: `fn` must change
   * nothing before it looks (an error it throws first is checked the same way).
   */
  optimistic<T>(fn: () => T): T {
    if (this.pin || this.seen === -1) return this.pinned(fn);
    this.pin = true;
    this.unverified = true;
    try {
      const result = fn();
      if (this.unverified) this.verify();
      return result;
    } catch (e) {
      if (e !== STALE && this.unverified) this.verify();
      throw e;
    } finally {
      this.pin = false;
      this.unverified = false;
    }
  }

  /** Whether an optimistic() run has yet to look at the data_version. */
  get unverified(): boolean {
    return this.unverifiedRun;
  }
  private set unverified(value: boolean) {
    this.unverifiedRun = value;
  }
  private unverifiedRun = false;

  /** An optimistic() run's look: throws STALE if another process has committed since the settings were loaded. */
  verify(): void {
    if (this.lookedThisTurn) {
      this.unverified = false;
      return;
    }
    this.observe(this.dataVersion.get() as number);
    this.looked();
  }

  /** pinned()'s look: refresh(), or in a server, refresh() once per turn. */
  private look(): void {
    if (this.lookedThisTurn && this.seen !== -1) return;
    this.refresh();
    this.looked();
  }

  private looked(): void {
    if (this.oncePerTurn && !this.lookedThisTurn) {
      this.lookedThisTurn = true;
      setImmediate(this.endTurn);
    }
  }

  /**
   * For a server: the requests of one turn of the event loop look at the data_version once (in
   * pinned() and optimistic()). They had all arrived when the turn began, so each is answered as of
   * a moment after it arrived and before it is answered, which is all a request may be promised. A
   * turn's writes run after it, in one group that looks again (pinned(fn, true)), and drop what they
   * change from the caches.
   */
  oncePerTurn = false;
  private lookedThisTurn = false;
  private readonly endTurn = () => {
    this.lookedThisTurn = false;
  };

  /** An optimistic() run's look, with a data_version its caller read along with its own data. */
  observe(dataVersion: number): void {
    this.unverified = false;
    if (dataVersion !== this.seen) throw STALE;
  }

  /** Reloads if anyone else committed since the last look. Cheap: one pragma. */
  refresh(): void {
    if (this.pin && this.seen !== -1) return;
    const v = this.dataVersion.get() as number;
    if (v === this.seen) return;
    this.load(v);
  }

  /**
   * Reloads if anyone else committed since the last look, pinned or not: called inside a transaction
   * that holds the write lock, so what it loads is the store as it stands for the rest of that
   * transaction. An operation's time and its place in a recorded history are then read together.
   */
  sync(): void {
    const v = this.dataVersion.get() as number;
    if (v !== this.seen) this.load(v);
  }

  private load(v: number): void {
    this.seen = v;
    this.stamp++;
    const rows = this.db.prepare("SELECT name, value FROM settings").all() as { name: string; value: string }[];
    const byName = new Map(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
    this.modelValue = withInfinity({ ...DEFAULT_PARAMS, ...((byName.get("model") as Partial<ModelParams> | undefined) ?? {}) });
    this.clockValue = clockSetting(byName.get("clock"));
    const record = byName.get("record") as string | RecordSetting | undefined;
    this.recordValue = record === undefined ? null : typeof record === "string" ? { path: record } : record;
    this.epochsValue = ((byName.get("epochs") as Epoch[] | undefined) ?? []).map((e) => ({ ...e, params: withInfinity({ ...DEFAULT_PARAMS, ...e.params }) }));
    // The latest time stored: by a control, a recorded operation or a flush of audit records (the
    // floor), or by a write (its version's commit time; versions and times grow together).
    const newest = this.db.prepare("SELECT commit_t FROM entries ORDER BY version DESC LIMIT 1").pluck().get() as number | undefined;
    this.floorValue = Math.max((byName.get("floor") as number | undefined) ?? Number.NEGATIVE_INFINITY, newest ?? Number.NEGATIVE_INFINITY);
    this.faultsByRegion = new Map();
    const faults = this.db.prepare("SELECT region, kind, start_t AS start, end_t AS end FROM faults ORDER BY start_t, id").all() as FaultInterval[];
    for (const f of faults) {
      const list = this.faultsByRegion.get(f.region) ?? [];
      list.push(f);
      this.faultsByRegion.set(f.region, list);
    }
    const settled = this.db.prepare("SELECT region, seq, t FROM settled").all() as ({ region: string } & Settled)[];
    this.settledByRegion = new Map(settled.map((s) => [s.region, { seq: s.seq, t: s.t }]));
  }

  /** Our own writes do not move data_version; forget the cache after them. */
  invalidate(): void {
    this.seen = -1;
    this.lookedThisTurn = false;
  }

  // Never read before the first look (or right after our own change): look then.
  get model(): ModelParams {
    if (this.seen === -1) this.refresh();
    return this.modelValue;
  }
  get clock(): ClockSetting | null {
    if (this.seen === -1) this.refresh();
    return this.clockValue;
  }
  /** The file operations are appended to; null when not recording (or recording stopped on a failure). */
  get record(): string | null {
    if (this.seen === -1) this.refresh();
    return this.recordValue && !this.recordValue.stopped ? this.recordValue.path : null;
  }
  /** Recording as set, including a recording stopped by a failure to append. */
  get recording(): RecordSetting | null {
    if (this.seen === -1) this.refresh();
    return this.recordValue;
  }
  /** The model's earlier parameters, oldest first: each applies to the versions committed under it. */
  get epochs(): readonly Epoch[] {
    if (this.seen === -1) this.refresh();
    return this.epochsValue;
  }
  /** The parameters version `version` was committed under. */
  paramsFor(version: number): ModelParams {
    const epochs = this.epochs;
    if (epochs.length === 0 || version > epochs[epochs.length - 1]!.untilVersion) return this.modelValue;
    for (const e of epochs) if (version <= e.untilVersion) return e.params;
    return this.modelValue;
  }
  /** The latest emulated time any process has stored (see Engine.now), as of the last look; -Infinity when none. */
  get floor(): number {
    if (this.seen === -1) this.refresh();
    return this.floorValue;
  }

  /**
   * Raises the stored floor of emulated time to `t`, in the caller's write transaction. Not a change
   * of settings for this process (it already knows the time), so the cache stays.
   */
  raiseFloor(t: number): void {
    if (!(t > this.floorValue)) return;
    this.floorValue = t;
    this.raiseFloorStatement ??= this.db.prepare(
      "INSERT INTO settings (name, value) VALUES ('floor', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE CAST(settings.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
    );
    this.raiseFloorStatement.run(String(t));
  }
  private raiseFloorStatement: Statement | undefined;
  faults(region: string): readonly FaultInterval[] {
    return this.faultsByRegion.get(region) ?? NO_FAULTS;
  }
  settled(region: string): Settled | undefined {
    return this.settledByRegion.get(region);
  }

  write(name: "model" | "clock" | "record" | "epochs", value: unknown): void {
    if (value === null) this.db.prepare("DELETE FROM settings WHERE name = ?").run(name);
    else {
      const json = JSON.stringify(value, (_k, v: unknown) => (v === Number.POSITIVE_INFINITY ? null : v));
      this.db.prepare("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(name, json);
    }
    this.invalidate();
  }
}

const NO_FAULTS: readonly FaultInterval[] = [];

/** JSON has no Infinity: a cache TTL of null means "until invalidated". */
function withInfinity(params: ModelParams): ModelParams {
  if (params.cacheTtlMs === null) params.cacheTtlMs = Number.POSITIVE_INFINITY;
  return params;
}

/** The stored clock; a real clock stored before offsets existed has none. */
function clockSetting(stored: unknown): ClockSetting | null {
  const c = stored as { mode?: string; now?: number; offsetMs?: number } | undefined;
  if (c?.mode === "manual" && typeof c.now === "number") return { mode: "manual", now: c.now };
  if (c?.mode === "real") return { mode: "real", offsetMs: c.offsetMs ?? 0 };
  return null;
}

/** Thrown by an optimistic() run that finds its settings out of date; never reaches a user. */
export const STALE: unique symbol = Symbol("settings out of date");

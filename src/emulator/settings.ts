import type { Statement } from "better-sqlite3";
import { DEFAULT_PARAMS, type FaultInterval, type ModelParams } from "./model.js";
import type { Database } from "./store.js";

export interface ClockSetting {
  mode: "real" | "manual";
  /** The manual clock's time, epoch ms. */
  now: number;
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
  private recordValue: string | null = null;
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
    this.seen = v;
    this.stamp++;
    const rows = this.db.prepare("SELECT name, value FROM settings").all() as { name: string; value: string }[];
    const byName = new Map(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
    this.modelValue = { ...DEFAULT_PARAMS, ...((byName.get("model") as Partial<ModelParams> | undefined) ?? {}) };
    // JSON has no Infinity: a cache TTL of null means "until invalidated".
    if (this.modelValue.cacheTtlMs === null) this.modelValue.cacheTtlMs = Number.POSITIVE_INFINITY;
    this.clockValue = (byName.get("clock") as ClockSetting | undefined) ?? null;
    this.recordValue = (byName.get("record") as string | undefined) ?? null;
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
  get record(): string | null {
    if (this.seen === -1) this.refresh();
    return this.recordValue;
  }
  faults(region: string): readonly FaultInterval[] {
    return this.faultsByRegion.get(region) ?? NO_FAULTS;
  }
  settled(region: string): Settled | undefined {
    return this.settledByRegion.get(region);
  }

  write(name: "model" | "clock" | "record", value: unknown): void {
    if (value === null) this.db.prepare("DELETE FROM settings WHERE name = ?").run(name);
    else {
      const json = JSON.stringify(value, (_k, v: unknown) => (v === Number.POSITIVE_INFINITY ? null : v));
      this.db.prepare("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(name, json);
    }
    this.invalidate();
  }
}

const NO_FAULTS: readonly FaultInterval[] = [];

/** Thrown by an optimistic() run that finds its settings out of date; never reaches a user. */
export const STALE: unique symbol = Symbol("settings out of date");

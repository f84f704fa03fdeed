import type { Statement } from "better-sqlite3";
import type { FaultInterval, ModelParams } from "./regions/model.js";
import type { Database } from "./store/sqlite.js";
import {
  NO_SETTINGS,
  SettingsReader,
  storedJson,
  type ClockSetting,
  type Epoch,
  type RecordSetting,
  type Settled,
  type StoredSettings,
} from "./stored-settings.js";

/**
 * The emulator's per-directory settings (model, clock, recording, faults, settle marks), read from
 * the store and cached until another process commits: `PRAGMA data_version` tells when that happens,
 * so a long-running server and one-shot CLI processes always act on the same settings.
 */
export class Settings {
  private seen = -1;
  private stored: StoredSettings = NO_SETTINGS;
  /** stored.floor, raised by this process's own operations (raiseFloor) between loads. */
  private floorValue = Number.NEGATIVE_INFINITY;
  private readonly dataVersion: Statement;
  private readonly reader: SettingsReader;

  constructor(private readonly db: Database) {
    this.dataVersion = db.prepare("PRAGMA data_version").pluck();
    this.reader = new SettingsReader(db);
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
    this.stored = this.reader.read();
    this.floorValue = this.stored.floor;
  }

  /** Our own writes do not move data_version; forget the cache after them. */
  invalidate(): void {
    this.seen = -1;
    this.lookedThisTurn = false;
  }

  // Never read before the first look (or right after our own change): look then.
  get model(): ModelParams {
    if (this.seen === -1) this.refresh();
    return this.stored.model;
  }
  get clock(): ClockSetting | null {
    if (this.seen === -1) this.refresh();
    return this.stored.clock;
  }
  /** The file operations are appended to; null when not recording (or recording stopped on a failure). */
  get record(): string | null {
    if (this.seen === -1) this.refresh();
    const record = this.stored.record;
    return record && !record.stopped ? record.path : null;
  }
  /** Recording as set, including a recording stopped by a failure to append. */
  get recording(): RecordSetting | null {
    if (this.seen === -1) this.refresh();
    return this.stored.record;
  }
  /** The model's earlier parameters, oldest first: each applies to the versions committed under it. */
  get epochs(): readonly Epoch[] {
    if (this.seen === -1) this.refresh();
    return this.stored.epochs;
  }
  /** The parameters version `version` was committed under. */
  paramsFor(version: number): ModelParams {
    const epochs = this.epochs;
    if (epochs.length === 0 || version > epochs[epochs.length - 1]!.untilVersion) return this.stored.model;
    for (const e of epochs) if (version <= e.untilVersion) return e.params;
    return this.stored.model;
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
    return this.stored.faultsByRegion.get(region) ?? NO_FAULTS;
  }
  settled(region: string): Settled | undefined {
    return this.stored.settledByRegion.get(region);
  }

  write(name: "model" | "clock" | "record" | "epochs", value: unknown): void {
    if (value === null) this.db.prepare("DELETE FROM settings WHERE name = ?").run(name);
    else {
      this.db.prepare("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(name, storedJson(value));
    }
    this.invalidate();
  }
}

const NO_FAULTS: readonly FaultInterval[] = [];

/** Thrown by an optimistic() run that finds its settings out of date; never reaches a user. */
export const STALE: unique symbol = Symbol("settings out of date");

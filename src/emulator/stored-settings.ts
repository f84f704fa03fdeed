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

/** A settle mark: every version up to `seq` has reached the region by `t`. */
export interface Settled {
  seq: number;
  t: number;
}

/** The settings as the store holds them, read in one go (see readSettings). */
export interface StoredSettings {
  model: ModelParams;
  clock: ClockSetting | null;
  record: RecordSetting | null;
  epochs: readonly Epoch[];
  /** The latest emulated time any process has stored; -Infinity when none. */
  floor: number;
  faultsByRegion: Map<string, FaultInterval[]>;
  settledByRegion: Map<string, Settled>;
}

/** What a directory that has stored no settings yet acts on. */
export const NO_SETTINGS: StoredSettings = {
  model: DEFAULT_PARAMS,
  clock: null,
  record: null,
  epochs: [],
  floor: Number.NEGATIVE_INFINITY,
  faultsByRegion: new Map(),
  settledByRegion: new Map(),
};

/**
 * Reads every setting from the store: the settings table, the faults, the settle marks and the newest
 * commit time. A process reads them again whenever another has committed, and after its own writes;
 * its statements are prepared once, and a setting whose stored text is what it was is not parsed
 * again. The epochs grow by one with every change of the model's parameters: a data directory whose
 * model changed 500 times had every step of a conditions property parse all 500 (42% of its CPU).
 */
export class SettingsReader {
  private readonly settingsRows: Statement;
  private readonly newestCommit: Statement;
  private readonly faults: Statement;
  private readonly settled: Statement;
  /** Each setting's stored text, with what was made of it. */
  private readonly parsed = new Map<string, { text: string; value: unknown }>();

  constructor(db: Database) {
    this.settingsRows = db.prepare("SELECT name, value FROM settings");
    // The latest time stored: by a control, a recorded operation or a flush of audit records (the
    // floor), or by a write (its version's commit time; versions and times grow together).
    this.newestCommit = db.prepare("SELECT commit_t FROM entries ORDER BY version DESC LIMIT 1").pluck();
    this.faults = db.prepare("SELECT region, kind, start_t AS start, end_t AS end FROM faults ORDER BY start_t, id");
    this.settled = db.prepare("SELECT region, seq, t FROM settled");
  }

  read(): StoredSettings {
    const byName = new Map<string, unknown>();
    for (const { name, value } of this.settingsRows.all() as { name: string; value: string }[]) byName.set(name, this.valueOf(name, value));
    const model = withInfinity({ ...DEFAULT_PARAMS, ...((byName.get("model") as Partial<ModelParams> | undefined) ?? {}) });
    const clock = clockSetting(byName.get("clock"));
    const stored = byName.get("record") as string | RecordSetting | undefined;
    const record = stored === undefined ? null : typeof stored === "string" ? { path: stored } : stored;
    const epochs = (byName.get("epochs") as Epoch[] | undefined) ?? [];
    const newest = this.newestCommit.get() as number | undefined;
    const floor = Math.max((byName.get("floor") as number | undefined) ?? Number.NEGATIVE_INFINITY, newest ?? Number.NEGATIVE_INFINITY);
    const faultsByRegion = new Map<string, FaultInterval[]>();
    for (const f of this.faults.all() as FaultInterval[]) {
      const list = faultsByRegion.get(f.region) ?? [];
      list.push(f);
      faultsByRegion.set(f.region, list);
    }
    const settled = this.settled.all() as ({ region: string } & Settled)[];
    const settledByRegion = new Map(settled.map((s) => [s.region, { seq: s.seq, t: s.t }]));
    return { model, clock, record, epochs, floor, faultsByRegion, settledByRegion };
  }

  /** A setting's value, parsed (epochs with their parameters whole) once for each text it is stored as. */
  private valueOf(name: string, text: string): unknown {
    const known = this.parsed.get(name);
    if (known?.text === text) return known.value;
    const json = JSON.parse(text) as unknown;
    const value = name === "epochs" ? (json as Epoch[]).map((e) => ({ ...e, params: withInfinity({ ...DEFAULT_PARAMS, ...e.params }) })) : json;
    this.parsed.set(name, { text, value });
    return value;
  }
}

/** A setting as the store keeps it: JSON, whose Infinity (a cache TTL "until invalidated") is null. */
export function storedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === Number.POSITIVE_INFINITY ? null : v));
}

/** JSON has no Infinity: a cache TTL of null means "until invalidated". */
function withInfinity(params: ModelParams): ModelParams {
  if (params.cacheTtlMs === null) params.cacheTtlMs = Number.POSITIVE_INFINITY;
  return params;
}

/**
 * The stored clock. A real clock stored without an offset (as stores made by releases that kept none
 * hold) runs at offset 0, so those stores open unchanged.
 */
function clockSetting(stored: unknown): ClockSetting | null {
  const c = stored as { mode?: string; now?: number; offsetMs?: number } | undefined;
  if (c?.mode === "manual" && typeof c.now === "number") return { mode: "manual", now: c.now };
  if (c?.mode === "real") return { mode: "real", offsetMs: c.offsetMs ?? 0 };
  return null;
}

import type { ClockMode, EmulatorStatus, FaultCommand, KeyView, ModelParams } from "../core/emulator-views.js";
import { emulatorErrors, LATEST_EMULATED_TIME } from "../core/emulator-errors.js";
import { errors } from "../core/errors.js";
import { checkHistoryFile } from "./history/recorder.js";
import type { Engine } from "./kv/engine.js";
import { checkProfileLimits, paramsForProfile, PROFILES, readCacheTtl } from "./regions/model.js";
import { inspectKey, regionStatus } from "./region-views.js";

export interface ConfigChange {
  profile?: string;
  home?: string;
  edges?: string[];
  delayMs?: number;
  jitterMs?: number;
  cacheTtlMs?: number;
  seed?: number;
}

/** The emulator's controls: its settings, clock and faults, and views of what each region holds. */
export class EmulatorControl {
  constructor(private readonly engine: Engine) {}

  /**
   * Changes the model for the writes that follow: every version already committed keeps the
   * parameters it was committed under (an epoch), so what a region has received or served stays so.
   * A change of edge store (replica ↔ cache) first delivers everything to every edge, as settle does,
   * and empties the caches; it needs every link up. An edge that was not one before starts with
   * everything delivered; an edge that goes takes its open faults with it.
   */
  configure(change: ConfigChange): ModelParams {
    return this.engine.run(true, () => {
      const settings = this.engine.settings;
      const current = settings.model;
      if (change.profile !== undefined && !PROFILES[change.profile]) {
        throw errors.usage(`There is no profile "${change.profile}".`, `Profiles: ${Object.keys(PROFILES).join(", ")}.`);
      }
      const base = paramsForProfile(change.profile ?? current.profile, {
        home: change.home ?? current.home,
        edges: change.edges ?? current.edges,
        seed: change.seed ?? current.seed,
      });
      // A new profile resets its parameters; otherwise explicit changes apply on top of the current ones.
      const keep = change.profile === undefined ? current : base;
      const next: ModelParams = {
        ...base,
        delayMs: change.delayMs ?? keep.delayMs,
        jitterMs: change.jitterMs ?? keep.jitterMs,
        cacheTtlMs: change.cacheTtlMs ?? keep.cacheTtlMs,
      };
      // Under the profile's least it is raised to it, as a read's is: entries are kept that long, so Δ says so.
      next.cacheTtlMs = readCacheTtl(next, next.cacheTtlMs);
      if (next.edges.includes(next.home)) throw errors.usage(`The home region ${next.home} cannot also be an edge.`);
      checkProfileLimits(next);
      const now = this.engine.now();
      const storeChanges = next.edgeStore !== current.edgeStore;
      if (storeChanges) {
        const held = current.edges.filter((edge) => settings.faults(edge).some((f) => f.end === null));
        if (held.length) {
          const kind = (store: string) => (store === "replica" ? "replicas" : "caches");
          throw errors.edgeStoreSwitchHeld(kind(current.edgeStore), kind(next.edgeStore), held);
        }
      }
      // The versions committed so far keep the parameters they were committed under.
      const seq = this.engine.homeSeq();
      const epochs = [...settings.epochs];
      if (seq > (epochs.at(-1)?.untilVersion ?? 0)) {
        epochs.push({ untilVersion: seq, endT: now, params: current });
        settings.write("epochs", epochs);
      }
      const wasEdge = new Set(current.edges);
      for (const edge of next.edges) {
        // Edges that have everything now: all of them when the edge store changes, else the new ones.
        if (storeChanges || !wasEdge.has(edge)) this.markSettled(edge, seq, now);
      }
      for (const edge of current.edges) {
        if (!next.edges.includes(edge)) this.db("UPDATE faults SET end_t = ? WHERE region = ? AND end_t IS NULL", now, edge);
      }
      if (storeChanges) {
        this.db("DELETE FROM cache_entries");
        this.db("DELETE FROM list_cache");
      }
      settings.write("model", next);
      this.engine.record({ t: now, region: next.home, f: "fault", type: "info", fault: { kind: "config", params: next } });
      return next;
    });
  }

  private markSettled(edge: string, seq: number, now: number): void {
    this.db("INSERT INTO settled (region, seq, t) VALUES (?, ?, ?) ON CONFLICT (region) DO UPDATE SET seq = excluded.seq, t = excluded.t", edge, seq, now);
  }

  /**
   * Switches the clock. Emulated time goes on from where it is either way: a manual clock stops at
   * the current time; real time resumes from the current time, so after a manual clock has run ahead
   * of the system clock, emulated time stays that far ahead (`offsetMs`) rather than going back.
   */
  setClock(mode: ClockMode): { mode: ClockMode; now: number; offsetMs: number } {
    return this.engine.run(true, () => {
      const now = this.engine.now();
      const offsetMs = mode === "real" ? Math.max(0, now - this.engine.systemNow()) : 0;
      this.engine.settings.write("clock", mode === "manual" ? { mode, now } : { mode, offsetMs });
      this.engine.record({
        t: now,
        region: this.engine.settings.model.home,
        f: "fault",
        type: "info",
        fault: { kind: "clock", mode, ...(mode === "real" && { offsetMs }) },
      });
      return { mode, now, offsetMs };
    });
  }

  advance(ms: number): number {
    return this.engine.run(true, () => {
      if (this.engine.settings.clock?.mode !== "manual") throw errors.clockNotManual();
      const limitMs = Math.max(0, LATEST_EMULATED_TIME - this.engine.now());
      if (!(Number.isSafeInteger(ms) && ms >= 0 && ms <= limitMs)) throw emulatorErrors.advanceOutOfRange(ms, limitMs);
      const now = this.engine.now() + ms;
      this.engine.settings.write("clock", { mode: "manual", now });
      this.engine.record({ t: now, region: this.engine.settings.model.home, f: "fault", type: "info", fault: { kind: "advance", ms } });
      return now;
    });
  }

  /** Delivers at once everything that no fault holds back. */
  settle(): string[] {
    return this.engine.run(true, () => {
      const now = this.engine.now();
      const seq = this.engine.homeSeq();
      const settled: string[] = [];
      for (const edge of this.engine.settings.model.edges) {
        const held = this.engine.settings.faults(edge).some((f) => f.end === null);
        if (held) continue;
        this.markSettled(edge, seq, now);
        settled.push(edge);
      }
      this.engine.settings.invalidate();
      this.engine.record({ t: now, region: this.engine.settings.model.home, f: "fault", type: "info", fault: { kind: "settle" } });
      return settled;
    });
  }

  /** Starts or ends a fault on an edge's link to home (home itself has none). Returns false when there was nothing to change. */
  fault(command: FaultCommand, region: string): boolean {
    return this.engine.run(true, () => {
      const edge = this.edge(region);
      const kind = command === "partition" || command === "heal" ? "partition" : "pause";
      const now = this.engine.now();
      const open = this.engine.settings.faults(edge).some((f) => f.kind === kind && f.end === null);
      const starts = command === "partition" || command === "pause";
      if (starts && !open) this.db("INSERT INTO faults (region, kind, start_t) VALUES (?, ?, ?)", edge, kind, now);
      if (!starts && open) this.db("UPDATE faults SET end_t = ? WHERE region = ? AND kind = ? AND end_t IS NULL", now, edge, kind);
      this.engine.settings.invalidate();
      this.engine.record({ t: now, region, f: "fault", type: "info", fault: { kind: command, region, regions: [edge] } });
      return starts !== open;
    });
  }

  /** Records to `path` (absolute), checked first (checkHistoryFile), or stops recording (null). */
  record(path: string | null): void {
    if (path !== null) checkHistoryFile(path, this.engine.storeDir);
    this.engine.acknowledgeRecording();
    this.engine.run(true, () => this.engine.settings.write("record", path));
  }

  status(): EmulatorStatus {
    return regionStatus(this.engine);
  }

  inspect(site: string, namespace: string, key: string): KeyView {
    return inspectKey(this.engine, site, namespace, key);
  }

  private edge(region: string): string {
    const model = this.engine.settings.model;
    if (region === model.home) throw emulatorErrors.homeRegionFault(region, model.edges);
    if (!model.edges.includes(region)) throw errors.unknownRegion(region, [model.home, ...model.edges]);
    return region;
  }

  private db(sql: string, ...params: unknown[]): void {
    this.engine.rawRun(sql, ...params);
  }
}

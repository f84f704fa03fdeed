/**
 * The emulator's controls and views of its regions, as every target shows them: the embedded
 * emulator maps its views to JSON here, its API server answers that JSON, and the CLI prints it as it
 * came (`kv emulator status --json`, `kv inspect --json`), so the three cannot disagree. Times are
 * ISO 8601; a time that never comes (a fault holds it) is null with `held: true`.
 */

type EdgeStore = "replica" | "cache";
type Propagation = "push" | "invalidate" | "none";

/** The consistency model's parameters (src/emulator/regions/model.ts gives each profile's). */
export interface ModelParams {
  profile: string;
  home: string;
  edges: string[];
  edgeStore: EdgeStore;
  propagation: Propagation;
  /** Fixed part of the propagation delay to each edge. */
  delayMs: number;
  /** Random part: each (write, edge) gets a delay in [delayMs, delayMs + jitterMs], from a hash. */
  jitterMs: number;
  /** Cache profiles: how long an edge serves a cached entry. Infinity means until invalidated. */
  cacheTtlMs: number;
  /** Cache profiles: whether misses (absent keys) are cached too. */
  negativeCache: boolean;
  /** Seeds the delay hash, so a data directory's delays are reproducible. */
  seed: number;
}

export const FAULT_COMMANDS = ["partition", "heal", "pause", "resume"] as const;
export type FaultCommand = (typeof FAULT_COMMANDS)[number];
export type ClockMode = "real" | "manual";

export interface RegionStatus {
  region: string;
  role: "home" | "edge";
  partitioned: boolean;
  paused: boolean;
  /** Versions committed at home that have not reached this region yet. */
  pending: number;
  /** How long the oldest of them has waited, ms (0 when none). */
  lagMs: number;
  /** When the last of them arrives, epoch ms; null when none, Infinity while a fault holds them. */
  caughtUpAt: number | null;
}

export interface EmulatorStatus {
  model: ModelParams;
  /** The staleness bound Δ, ms. */
  deltaMs: number;
  /** offsetMs: how far emulated time is ahead of the system clock (real mode; 0 for manual). */
  clock: { mode: ClockMode; now: number; offsetMs: number };
  recording: string | null;
  /** A recording that stopped because its file could not be appended to. */
  recordingStopped: { path: string; reason: string; at: number } | null;
  regions: RegionStatus[];
}

export interface RegionView {
  region: string;
  /** The version this region serves to an eventual read now; null when it has none. */
  version: string | null;
  value: string | null;
  live: boolean;
  expiresAt: number | null;
  servedFrom: "home" | "replica" | "cache" | "origin";
  /** The region serves an older version than home's newest (or none of it). */
  behindHome: boolean;
  /**
   * When home's newest version becomes what the region serves, epoch ms (now or earlier when it
   * already is); Infinity when nothing scheduled brings it: a fault holds it (heldBy), or a cached
   * copy is kept until an invalidation that will not come. Null when home has no version.
   */
  visibleAt: number | null;
  heldBy: "partition" | "pause" | null;
  /** An eventual read here fails now: no cached copy, and no way to home. */
  unavailable: boolean;
}

/** What an eventual read of a key returns in each region now. */
export interface KeyView {
  key: string;
  now: number;
  /** Home's newest version; null when home has none. */
  home: string | null;
  regions: RegionView[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
/** A time that may never come: Infinity (held) and null both travel as null. */
const isoWhen = (ms: number | null): string | null => (ms === null || ms === Infinity ? null : iso(ms));

export type ModelJson = Omit<ModelParams, "cacheTtlMs"> & { cacheTtlMs: number | null };

/** The model as `emulator config` and `emulator status` show it: an endless cache TTL is null. */
export function modelJson(m: ModelParams): ModelJson {
  return { ...m, cacheTtlMs: finite(m.cacheTtlMs) };
}

export type StatusJson = ModelJson & {
  deltaMs: number | null;
  clock: { mode: ClockMode; now: string; offsetMs: number };
  recording: string | null;
  recordingStopped: { path: string; reason: string; at: string } | null;
  regions: (Omit<RegionStatus, "caughtUpAt"> & { caughtUpAt: string | null; held: boolean })[];
};

export function statusJson(s: EmulatorStatus): StatusJson {
  return {
    ...modelJson(s.model),
    deltaMs: finite(s.deltaMs),
    clock: { mode: s.clock.mode, now: iso(s.clock.now), offsetMs: s.clock.offsetMs },
    recording: s.recording,
    recordingStopped: s.recordingStopped && { ...s.recordingStopped, at: iso(s.recordingStopped.at) },
    regions: s.regions.map((r) => ({ ...r, caughtUpAt: isoWhen(r.caughtUpAt), held: r.caughtUpAt === Infinity })),
  };
}

export interface ClockJson {
  mode: ClockMode;
  now: string;
  offsetMs: number;
}

export const clockJson = (c: { mode: ClockMode; now: number; offsetMs: number }): ClockJson => ({ mode: c.mode, now: iso(c.now), offsetMs: c.offsetMs });

export interface AdvanceJson {
  mode: "manual";
  now: string;
  advancedMs: number;
}

export const advanceJson = (now: number, ms: number): AdvanceJson => ({ mode: "manual", now: iso(now), advancedMs: ms });

/** The edges settle delivered to, and those a fault held back. */
export interface SettleJson {
  settled: string[];
  held: string[];
}

export function settleJson(settled: string[], after: EmulatorStatus): SettleJson {
  return { settled, held: after.regions.filter((r) => r.role === "edge" && !settled.includes(r.region)).map((r) => r.region) };
}

/** `changed`: false when the fault was already as asked (a partition of a partitioned edge). */
export interface FaultJson {
  region: string;
  fault: FaultCommand;
  changed: boolean;
}

export type RegionViewJson = Omit<RegionView, "expiresAt" | "visibleAt"> & { expiresAt: string | null; visibleAt: string | null; held: boolean };

export interface KeyViewJson {
  key: string;
  namespace: string;
  now: string;
  homeVersion: string | null;
  regions: RegionViewJson[];
}

export function keyViewJson(view: KeyView, namespace: string): KeyViewJson {
  return {
    key: view.key,
    namespace,
    now: iso(view.now),
    homeVersion: view.home,
    regions: view.regions.map((r) => ({
      ...r,
      expiresAt: r.expiresAt === null ? null : iso(r.expiresAt),
      visibleAt: isoWhen(r.visibleAt),
      held: r.heldBy !== null,
    })),
  };
}

/**
 * The emulator's controls as a command uses them, on whichever target: the embedded emulator, or an
 * emulator's API server. Each answers the JSON above.
 */
export interface EmulatorControls {
  status(): Promise<StatusJson>;
  setClock(mode: ClockMode): Promise<ClockJson>;
  advance(ms: number): Promise<AdvanceJson>;
  settle(): Promise<SettleJson>;
  fault(command: FaultCommand, region: string): Promise<FaultJson>;
  /** What each region serves of a key in the target's site. */
  inspect(namespace: string, key: string): Promise<KeyViewJson>;
}

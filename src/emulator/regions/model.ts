/**
 * The consistency model's parameters and its pure functions: propagation delays, fault-adjusted
 * delivery times and the staleness bound. Nothing here reads a clock or a random source; the
 * engine derives what each region sees from these and the stored state (docs/consistency.md).
 */
import type { ModelParams } from "../../core/emulator-views.js";
import { errors } from "../../core/errors.js";

export type { ModelParams };
export type Consistency = "strong" | "eventual";

type ProfileParams = Omit<ModelParams, "home" | "edges" | "seed" | "profile">;

/** The peers' behaviour, as parameters of one model (consistency model §1.9). */
export const PROFILES: Record<string, ProfileParams> = {
  yourspace: { edgeStore: "replica", propagation: "push", delayMs: 100, jitterMs: 200, cacheTtlMs: 0, negativeCache: false },
  strong: { edgeStore: "replica", propagation: "push", delayMs: 0, jitterMs: 0, cacheTtlMs: 0, negativeCache: false },
  cloudflare: { edgeStore: "cache", propagation: "none", delayMs: 0, jitterMs: 0, cacheTtlMs: 60_000, negativeCache: true },
  edgeone: { edgeStore: "cache", propagation: "none", delayMs: 0, jitterMs: 0, cacheTtlMs: 60_000, negativeCache: false },
  esa: { edgeStore: "cache", propagation: "invalidate", delayMs: 1_000, jitterMs: 19_000, cacheTtlMs: Number.POSITIVE_INFINITY, negativeCache: false },
};

export const DEFAULT_PARAMS: ModelParams = { profile: "yourspace", home: "iad", edges: ["fra", "sin"], seed: 1, ...PROFILES.yourspace! };

export function paramsForProfile(profile: string, base: Pick<ModelParams, "home" | "edges" | "seed">): ModelParams {
  const p = PROFILES[profile];
  if (!p) throw new Error(`unknown profile ${profile}`);
  return { profile, ...base, ...p };
}

/** Checks parameters against what the profile's platform allows (the peers' documented limits). */
export function checkProfileLimits(params: ModelParams): void {
  checkCacheTtl(params, params.cacheTtlMs, "The profile's cache TTL");
}

/** A cache TTL (the profile's, or one read's) within the profile's most. */
export function checkCacheTtl(params: ModelParams, ttlMs: number, what: string): void {
  const most = MAX_CACHE_TTL_MS[params.profile];
  if (most !== undefined && ttlMs > most) {
    throw errors.usage(
      `${what} is ${formatSeconds(ttlMs)}; the ${params.profile} profile keeps a cached entry at most ${formatSeconds(most)}.`,
      `Ask for ${formatSeconds(most)} or less, or use another profile.`,
    );
  }
}

function formatSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${ms / 1000} s` : "forever";
}

/** A fault on the link between an edge and home: [start, end), end null while it lasts. */
export interface FaultInterval {
  region: string;
  kind: "partition" | "pause";
  start: number;
  end: number | null;
}

/** 32-bit FNV-1a over the three integers; stable across processes and versions of Node. */
function h32(seed: number, version: number, edge: number): number {
  let h = 0x811c9dc5;
  for (const n of [seed, version, edge]) {
    let x = n;
    for (let i = 0; i < 8; i++) {
      h ^= x & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      x = Math.floor(x / 256);
    }
  }
  return h >>> 0;
}

/** d(w, E): the propagation delay of version `version` to edge number `edgeIndex` (1-based). */
export function delay(params: ModelParams, version: number, edgeIndex: number): number {
  return params.delayMs + (params.jitterMs > 0 ? h32(params.seed, version, edgeIndex) % (params.jitterMs + 1) : 0);
}

/**
 * The least cache TTL a read may ask for, per profile: Cloudflare's documented floor for `cacheTtl`
 * (30 s as of 2026), so a read the platform would refuse is refused here too.
 */
const MIN_CACHE_TTL_MS: Readonly<Record<string, number>> = { cloudflare: 30_000 };

/**
 * The most a cache TTL may be, per profile: EdgeOne's edge caches keep an entry "with a maximum
 * validity of 60 seconds".
 */
export const MAX_CACHE_TTL_MS: Readonly<Record<string, number>> = { edgeone: 60_000 };

/** The most keys a list page holds, per profile: EdgeOne's `limit` "maximum is 256". */
const MAX_PAGE_KEYS: Readonly<Record<string, number>> = { edgeone: 256 };

/**
 * Cache profiles (§1.5): how long an edge keeps what one read fetches from home. The read's own
 * `cacheTtl` when it gives one (as Cloudflare's get(key, {cacheTtl}) does), else the profile's, and
 * never less than the profile's minimum. An entry already cached is served for the TTL it was stored
 * with, whatever a later read asks.
 */
export function readCacheTtl(params: ModelParams, requestedMs: number | undefined): number {
  return Math.max(MIN_CACHE_TTL_MS[params.profile] ?? 0, requestedMs ?? params.cacheTtlMs);
}

/** The keys a list page may hold: what was asked, within the profile's most. */
export function pageLimit(params: ModelParams, requested: number): number {
  return Math.min(requested, MAX_PAGE_KEYS[params.profile] ?? requested);
}

/** The staleness bound Δ for push and invalidate propagation. */
export function staleness(params: ModelParams): number {
  return params.propagation === "none" ? params.cacheTtlMs : params.delayMs + params.jitterMs;
}

/**
 * When a message scheduled for `at` reaches an edge, given that edge's faults (sorted by start):
 * a message that arrives while the link is cut or paused waits in the backlog and is replayed at
 * `heal + d`. Infinity while a fault that holds it is still open.
 */
export function deliveryTime(at: number, d: number, faults: readonly FaultInterval[]): number {
  let t = at;
  for (const f of faults) {
    // A fault holds only messages due strictly after it began. One due at the very instant a fault
    // opens has already arrived: reads at that instant may have seen it and compaction may have
    // dropped what it replaced, so holding it would un-deliver it retroactively (a region that
    // reads v2, then, after partition(R) at the same instant, reads v1 or nothing).
    if (f.start >= t) break;
    if (f.end === null) return Number.POSITIVE_INFINITY;
    if (t < f.end) t = f.end + d;
  }
  return t;
}

/**
 * The fault-adjusted visibility deadline vis(w, R) of §1.7: a write committed at `commitT` is
 * visible to eventual reads in the region by this time. Infinity while a fault is open.
 */
export function visibilityDeadline(commitT: number, bound: number, faults: readonly FaultInterval[]): number {
  let t = commitT;
  for (let moved = true; moved; ) {
    moved = false;
    for (const f of faults) {
      const end = f.end ?? Number.POSITIVE_INFINITY;
      if (f.start <= t + bound && end >= t && end > t) {
        if (end === Number.POSITIVE_INFINITY) return end;
        t = end;
        moved = true;
      }
    }
  }
  return t + bound;
}

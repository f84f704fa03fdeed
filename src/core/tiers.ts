import { LIMITS } from "./limits.js";

export const TIER_NAMES = ["free", "indie", "team", "enterprise", "preview"] as const;
export type Tier = (typeof TIER_NAMES)[number];

export interface TierLimits {
  /** Most keys a site may store; null for no ceiling. */
  keys: number | null;
  /** Most bytes (keys, values and metadata) a site may store; null for no ceiling. */
  bytes: number | null;
  /** Largest value. */
  maxValueBytes: number;
}

const MB = 1_000_000;
const GB = 1_000_000_000;

/**
 * Per-tier ceilings, from the launch post. Storage is counted in decimal units (50 MB = 50,000,000
 * bytes). Preview has no key or storage ceiling of its own beyond the platform's 5 million keys per
 * site, but its values are limited to 256 KiB.
 */
export const TIERS: Record<Tier, TierLimits> = {
  free: { keys: 100_000, bytes: 50 * MB, maxValueBytes: LIMITS.maxValueBytes },
  indie: { keys: 1_000_000, bytes: 5 * GB, maxValueBytes: LIMITS.maxValueBytes },
  team: { keys: 5_000_000, bytes: 50 * GB, maxValueBytes: LIMITS.maxValueBytes },
  enterprise: { keys: null, bytes: null, maxValueBytes: LIMITS.maxValueBytes },
  preview: { keys: LIMITS.maxKeysPerSite, bytes: null, maxValueBytes: 256 * 1024 },
};

export function isTier(name: string): name is Tier {
  return (TIER_NAMES as readonly string[]).includes(name);
}

/** The billing period a time falls in: its calendar month, UTC ("2027-01"). */
export function periodOf(t: number): string {
  // Every write asks, almost always about the month it asked about last.
  if (t >= lastPeriod.from && t < lastPeriod.to) return lastPeriod.name;
  const d = new Date(t);
  const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  lastPeriod = { from, to, name: d.toISOString().slice(0, 7) };
  return lastPeriod.name;
}

let lastPeriod = { from: 0, to: 0, name: "" };

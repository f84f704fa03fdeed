import type { Statement } from "better-sqlite3";
import { errors } from "../core/errors.js";
import { isTier, periodOf, TIERS, type Tier, type TierLimits } from "../core/tiers.js";
import { Statements, type Database } from "./store.js";

/** What a stored version occupies: its key, value and metadata bytes (a delete occupies nothing). */
export function footprint(row: { key: Buffer; value: Buffer | null; metadata: string | null; tombstone: number } | undefined): { keys: number; bytes: number } {
  if (!row || row.tombstone) return { keys: 0, bytes: 0 };
  return { keys: 1, bytes: row.key.length + (row.value?.length ?? 0) + (row.metadata === null ? 0 : Buffer.byteLength(row.metadata)) };
}

export interface SiteUse {
  tier: Tier;
  limits: TierLimits;
  keys: number;
  bytes: number;
}

/**
 * A site's tier, what it stores, and its meters. Called inside the write's transaction, so the
 * ceiling check and the count it is checked against cannot drift apart between processes.
 */
export class SiteUsage {
  private readonly statements: Statements;
  constructor(db: Database) {
    this.statements = new Statements(db);
  }

  current(site: string): SiteUse {
    const row = this.stmt("SELECT s.tier, coalesce(u.keys, 0) AS keys, coalesce(u.bytes, 0) AS bytes FROM sites s LEFT JOIN usage u ON u.site = s.name WHERE s.name = ?").get(site) as
      | { tier: string; keys: number; bytes: number }
      | undefined;
    const tier = row && isTier(row.tier) ? row.tier : "free";
    return { tier, limits: TIERS[tier], keys: row?.keys ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** Throws QUOTA_EXCEEDED if adding this much would cross a ceiling of the site's tier. */
  check(site: string, use: SiteUse, keys: number, bytes: number): void {
    const { keys: maxKeys, bytes: maxBytes } = use.limits;
    if (keys > 0 && maxKeys !== null && use.keys + keys > maxKeys) throw errors.quota(site, use.tier, "keys", maxKeys, use.keys, keys);
    if (bytes > 0 && maxBytes !== null && use.bytes + bytes > maxBytes) throw errors.quota(site, use.tier, "storage", maxBytes, use.bytes, bytes);
  }

  /** Records a change in what the site stores, and `writes` writes, at time `now`. */
  apply(site: string, keys: number, bytes: number, writes: number, now: number): void {
    const before = this.stmt("SELECT bytes, changed_at FROM usage WHERE site = ?").get(site) as { bytes: number; changed_at: number } | undefined;
    const period = periodOf(now);
    // Storage over time: the bytes held until now, times how long they were held.
    const held = before ? before.bytes * Math.max(0, now - before.changed_at) : 0;
    this.stmt(
      `INSERT INTO meters (site, period, writes, byte_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, period) DO UPDATE SET writes = writes + excluded.writes, byte_ms = byte_ms + excluded.byte_ms`,
    ).run(site, period, writes, held);
    this.stmt(
      `INSERT INTO usage (site, keys, bytes, changed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (site) DO UPDATE SET keys = keys + excluded.keys, bytes = bytes + excluded.bytes, changed_at = excluded.changed_at`,
    ).run(site, keys, bytes, now);
  }

  /** Reads, and value bytes shipped outside the home region, counted by the caller and added here. */
  meterReads(site: string, reads: number, egressBytes: number, now: number): void {
    this.stmt(
      `INSERT INTO meters (site, period, reads, egress_bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, period) DO UPDATE SET reads = reads + excluded.reads, egress_bytes = egress_bytes + excluded.egress_bytes`,
    ).run(site, periodOf(now), reads, egressBytes);
  }

  meters(site: string, period: string): { reads: number; writes: number; egressBytes: number; byteMs: number } {
    const row = this.stmt("SELECT reads, writes, egress_bytes AS egressBytes, byte_ms AS byteMs FROM meters WHERE site = ? AND period = ?").get(site, period) as
      | { reads: number; writes: number; egressBytes: number; byteMs: number }
      | undefined;
    return row ?? { reads: 0, writes: 0, egressBytes: 0, byteMs: 0 };
  }

  changedAt(site: string): number | null {
    return (this.stmt("SELECT changed_at FROM usage WHERE site = ?").pluck().get(site) as number | undefined) ?? null;
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}

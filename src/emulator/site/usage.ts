import type { Statement } from "better-sqlite3";
import { errors } from "../../core/errors.js";
import { isTier, periodOf, TIERS, type Tier, type TierLimits } from "../../core/tiers.js";
import { Statements, type Database } from "../store/sqlite.js";

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

/** A site's tier and what it stores, as the last group of writes to commit left them (see SiteUsage.begin). */
interface Carried {
  tier: Tier;
  keys: number;
  bytes: number;
  changedAt: number | null;
}

/** A site's usage as a group of writes has changed it so far (see SiteUsage.begin). */
interface Gathered {
  tier: Tier;
  keys: number;
  bytes: number;
  changedAt: number | null;
  /** As stored when the group began. */
  storedKeys: number;
  storedBytes: number;
  storedChangedAt: number | null;
  /** Writes and storage over time to add, by metering period. */
  meters: Map<string, { writes: number; byteMs: number }>;
}

/**
 * A site's tier, what it stores, and its meters. Called inside the write's transaction, so the
 * ceiling check and the count it is checked against cannot drift apart between processes.
 *
 * Writes that share one transaction (a server's group commit) can gather their changes instead:
 * begin() before the first, end() before the commit writes each site's usage and meters once.
 */
export class SiteUsage {
  private readonly statements: Statements;
  private gathered: Map<string, Gathered> | undefined;
  /**
   * Each site's usage as the groups that committed since `carriedStamp` left it: the next group
   * starts from it instead of reading the row again (a statement per group). Kept only while no
   * other process has committed (the settings' stamp, given to begin()) and nothing in this one has
   * written usage or tiers outside a group (forgetCarried()).
   */
  private readonly carried = new Map<string, Carried>();
  private carriedStamp = -1;
  /** The running group's usage, written out by end(): carried once it has committed. */
  private ending: Map<string, Carried> | undefined;

  constructor(db: Database) {
    this.statements = new Statements(db);
  }

  /**
   * From now until end() or abort(), changes are gathered in memory. Inside the shared transaction,
   * with the settings' stamp as it now stands (having looked for another process's commit).
   */
  begin(stamp: number): void {
    if (stamp !== this.carriedStamp) {
      this.carried.clear();
      this.carriedStamp = stamp;
    }
    this.gathered = new Map();
  }

  /** Usage or a tier changed outside a group (or might have): the next group reads each site's row again. */
  forgetCarried(): void {
    this.carried.clear();
    this.ending = undefined;
  }

  /** What has been gathered so far, to go back to if the next write is undone. */
  mark(): Map<string, Gathered> | undefined {
    if (!this.gathered) return undefined;
    return new Map([...this.gathered].map(([site, g]) => [site, { ...g, meters: new Map([...g.meters].map(([p, m]) => [p, { ...m }])) }]));
  }

  undo(mark: Map<string, Gathered> | undefined): void {
    if (this.gathered) this.gathered = mark ?? new Map();
  }

  /**
   * Writes out what was gathered, in the shared transaction, and stops gathering. The meters go
   * with it, unless a later writer takes them (deferMeters): they are then handed over by
   * committed(), once the transaction has committed.
   */
  end(): void {
    const gathered = this.gathered;
    this.gathered = undefined;
    if (!gathered) return;
    this.ending = new Map();
    for (const [site, g] of gathered) {
      this.ending.set(site, { tier: g.tier, keys: g.keys, bytes: g.bytes, changedAt: g.changedAt });
      if (g.meters.size === 0) continue; // looked at, never changed
      for (const [period, m] of g.meters) {
        if (this.deferMeters) this.uncommitted.push({ site, period, ...m });
        else this.meterWrites(site, period, m.writes, m.byteMs);
      }
      // Writes that left the site's keys and bytes as they were (a value replaced by one of its
      // size, a hot key's usual write) change nothing stored here: the group writes one page fewer.
      if (g.keys === g.storedKeys && g.bytes === g.storedBytes && g.changedAt === g.storedChangedAt) continue;
      this.storeUsage(site, g.keys - g.storedKeys, g.bytes - g.storedBytes, g.changedAt!);
    }
  }

  /**
   * Who writes out the meters of gathered writes, if not end(): the server's ledger, which writes
   * read meters too, every few hundred milliseconds. A group's commit then writes one page fewer.
   */
  deferMeters: ((site: string, period: string, writes: number, byteMs: number) => void) | undefined;
  private uncommitted: { site: string; period: string; writes: number; byteMs: number }[] = [];

  /** The shared transaction committed: its meters go to deferMeters. */
  committed(): void {
    if (this.ending) for (const [site, c] of this.ending) this.carried.set(site, c);
    this.ending = undefined;
    const meters = this.uncommitted;
    this.uncommitted = [];
    for (const m of meters) this.deferMeters?.(m.site, m.period, m.writes, m.byteMs);
  }

  /** The shared transaction failed: what was gathered is gone with it. */
  abort(): void {
    this.gathered = undefined;
    this.uncommitted = [];
    this.forgetCarried();
  }

  current(site: string): SiteUse {
    if (this.gathered) {
      const g = this.gatheredFor(site);
      return { tier: g.tier, limits: TIERS[g.tier], keys: g.keys, bytes: g.bytes };
    }
    return this.stored(site);
  }

  private stored(site: string): SiteUse {
    const row = this.stmt(
      "SELECT s.tier, coalesce(u.keys, 0) AS keys, coalesce(u.bytes, 0) AS bytes FROM sites s LEFT JOIN usage u ON u.site = s.name WHERE s.name = ?",
    ).get(site) as { tier: string; keys: number; bytes: number } | undefined;
    const tier = row && isTier(row.tier) ? row.tier : "free";
    return { tier, limits: TIERS[tier], keys: row?.keys ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** Throws QUOTA_EXCEEDED if adding this much would cross a ceiling of the site's tier. */
  check(site: string, use: SiteUse, keys: number, bytes: number): void {
    const { keys: maxKeys, bytes: maxBytes } = use.limits;
    if (keys > 0 && maxKeys !== null && use.keys + keys > maxKeys) throw errors.quota(site, use.tier, "keys", maxKeys, use.keys, keys);
    if (bytes > 0 && maxBytes !== null && use.bytes + bytes > maxBytes) throw errors.quota(site, use.tier, "storage", maxBytes, use.bytes, bytes);
  }

  /**
   * Records a change in what the site stores, and `writes` writes, at time `now`. Storage over time
   * is metered when what is stored changes: the bytes held since the last change, into the periods
   * they were held in. Writes that change neither keys nor bytes leave it (and changed_at) alone, as
   * the bytes held did not change; the usage report adds what is held since changed_at.
   */
  apply(site: string, keys: number, bytes: number, writes: number, now: number): void {
    const changed = keys !== 0 || bytes !== 0;
    if (this.gathered) {
      const g = this.gatheredFor(site);
      const meter = (period: string) => {
        let m = g.meters.get(period);
        if (!m) g.meters.set(period, (m = { writes: 0, byteMs: 0 }));
        return m;
      };
      meter(periodOf(now)).writes += writes;
      if (!changed) return;
      heldByPeriod(g.bytes, g.changedAt, now, (period, byteMs) => (meter(period).byteMs += byteMs));
      g.keys += keys;
      g.bytes += bytes;
      g.changedAt = now;
      return;
    }
    const period = periodOf(now);
    if (!changed) {
      this.meterWrites(site, period, writes, 0);
      return;
    }
    this.forgetCarried();
    const before = this.stmt("SELECT bytes, changed_at FROM usage WHERE site = ?").get(site) as { bytes: number; changed_at: number } | undefined;
    let current = 0;
    heldByPeriod(before?.bytes ?? 0, before?.changed_at ?? null, now, (p, byteMs) => {
      if (p === period) current += byteMs;
      else this.meterWrites(site, p, 0, byteMs);
    });
    this.meterWrites(site, period, writes, current);
    this.storeUsage(site, keys, bytes, now);
  }

  private gatheredFor(site: string): Gathered {
    let g = this.gathered!.get(site);
    if (!g) {
      const { tier, keys, bytes, changedAt } = this.carried.get(site) ?? this.storedForGroup(site);
      g = { tier, keys, bytes, changedAt, storedKeys: keys, storedBytes: bytes, storedChangedAt: changedAt, meters: new Map() };
      this.gathered!.set(site, g);
    }
    return g;
  }

  private storedForGroup(site: string): Carried {
    const row = this.stmt("SELECT s.tier, u.keys, u.bytes, u.changed_at AS changedAt FROM sites s LEFT JOIN usage u ON u.site = s.name WHERE s.name = ?").get(
      site,
    ) as { tier: string; keys: number | null; bytes: number | null; changedAt: number | null } | undefined;
    return { tier: row && isTier(row.tier) ? row.tier : "free", keys: row?.keys ?? 0, bytes: row?.bytes ?? 0, changedAt: row?.changedAt ?? null };
  }

  /** Adds writes and storage over time to a site's meters for a period. */
  meterWrites(site: string, period: string, writes: number, byteMs: number): void {
    this.stmt(
      `INSERT INTO meters (site, period, writes, byte_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, period) DO UPDATE SET writes = writes + excluded.writes, byte_ms = byte_ms + excluded.byte_ms`,
    ).run(site, period, writes, byteMs);
  }

  private storeUsage(site: string, keys: number, bytes: number, changedAt: number): void {
    this.stmt(
      `INSERT INTO usage (site, keys, bytes, changed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (site) DO UPDATE SET keys = keys + excluded.keys, bytes = bytes + excluded.bytes, changed_at = excluded.changed_at`,
    ).run(site, keys, bytes, changedAt);
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

/**
 * Storage over time: the bytes held since the last change until now, times how long they were held,
 * given to `add` by the billing period each part of that time fell in (the last one is now's).
 */
function heldByPeriod(bytes: number, since: number | null, now: number, add: (period: string, byteMs: number) => void): void {
  if (since === null) return;
  const period = periodOf(now);
  // Almost always within the period of now (periodOf remembers it).
  if (since <= now && periodOf(since) === period) {
    add(period, bytes * (now - since));
    return;
  }
  let from = since;
  while (from < now) {
    const end = Math.min(now, nextPeriodStart(from));
    add(periodOf(from), bytes * (end - from));
    from = end;
  }
}

/** When the billing period after the one `t` falls in begins (periods are calendar months, UTC). */
function nextPeriodStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

import { withKey, VALUE_COLUMNS, type CacheRow, type Row } from "../store/rows.js";
import { readCacheTtl } from "./model.js";
import type { Regions } from "./regions.js";

/** A negative lookup: no value to serve (a miss is version 0, a tombstone, or expired by `at`). */
function negative(row: Pick<Row, "version" | "tombstone" | "expires_at">, at: number): boolean {
  return row.version === 0 || row.tombstone === 1 || (row.expires_at !== null && row.expires_at <= at);
}

/**
 * Edges that keep caches (the "cache" edge store): what an edge fetched from home, served until its
 * TTL runs out or a newer version's invalidation reaches it, and the list pages it cached.
 */
export class EdgeCaches {
  constructor(private readonly regions: Regions) {}

  cacheEntry(region: string, ns: number, key: Buffer): CacheRow | undefined {
    return withKey(
      this.regions.stmt(`SELECT ${VALUE_COLUMNS}, fetched_at, ttl_ms FROM cache_entries WHERE region = ? AND ns = ? AND key = ?`).get(region, ns, key) as
        | Omit<CacheRow, "key">
        | undefined,
      key,
    );
  }

  /**
   * A cached entry is served while it is younger than the TTL it was stored with and no newer write
   * has invalidated it; a negative one (a miss, a tombstone, an expired record) only where the
   * profile caches negative lookups.
   */
  cacheFresh(entry: CacheRow, region: string, ns: number, now: number): boolean {
    if (!this.regions.model.negativeCache && negative(entry, entry.fetched_at)) return false;
    if (now - entry.fetched_at >= (entry.ttl_ms ?? Number.POSITIVE_INFINITY)) return false;
    if (!this.regions.invalidates()) return true;
    return !this.newerVersions(ns, entry).some((row) => this.regions.deliveredAt(row, region) <= now);
  }

  /**
   * When a fresh cached entry stops being served: its TTL runs out, or a newer version's invalidation
   * reaches the region (Infinity: neither is to come).
   */
  cacheLapse(entry: CacheRow, region: string, ns: number): number {
    let at = entry.fetched_at + (entry.ttl_ms ?? Number.POSITIVE_INFINITY);
    if (this.regions.invalidates()) for (const row of this.newerVersions(ns, entry)) at = Math.min(at, this.regions.deliveredAt(row, region));
    return at;
  }

  private newerVersions(ns: number, entry: CacheRow): Row[] {
    return this.regions
      .stmt(
        "SELECT version, commit_t, origin FROM entries WHERE ns = @ns AND key = @key AND version > @v UNION ALL SELECT version, commit_t, origin FROM versions WHERE ns = @ns AND key = @key AND version > @v AND superseded_t IS NOT NULL",
      )
      .all({ ns, key: entry.key, v: entry.version }) as Row[];
  }

  /**
   * Stores what an edge fetched from home (or learnt by a local write or a repair), to be served for
   * `ttlMs`. Where the profile caches no negative lookups, a miss, a tombstone or an expired record
   * is not stored, and takes the place of nothing: the next read asks home.
   */
  fillCache(region: string, ns: number, key: Buffer, row: Row | undefined, now: number, ttlMs: number): void {
    if (!this.regions.model.negativeCache && (!row || negative(row, now))) {
      this.regions.stmt("DELETE FROM cache_entries WHERE region = ? AND ns = ? AND key = ?").run(region, ns, key);
      return;
    }
    this.regions
      .stmt(
        `INSERT INTO cache_entries (region, ns, key, version, value, tombstone, expires_at, metadata, commit_t, origin, fetched_at, ttl_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (region, ns, key) DO UPDATE SET version = excluded.version, value = excluded.value, tombstone = excluded.tombstone,
         expires_at = excluded.expires_at, metadata = excluded.metadata, commit_t = excluded.commit_t, origin = excluded.origin, fetched_at = excluded.fetched_at,
         ttl_ms = excluded.ttl_ms`,
      )
      .run(
        region,
        ns,
        key,
        row?.version ?? 0,
        row?.value ?? null,
        row?.tombstone ?? 0,
        row?.expires_at ?? null,
        row?.metadata ?? null,
        row?.commit_t ?? now,
        row?.origin ?? region,
        now,
        Number.isFinite(ttlMs) ? ttlMs : null,
      );
  }

  /** Read-repair into a cache: keep the newer of what is cached and what home returned. */
  repairCache(region: string, ns: number, row: Row, now: number): void {
    const entry = this.cacheEntry(region, ns, row.key);
    if (!entry || entry.version < row.version) this.fillCache(region, ns, row.key, row, now, readCacheTtl(this.regions.model, undefined));
  }

  clearListCache(region: string, ns: number): void {
    this.regions.stmt("DELETE FROM list_cache WHERE region = ? AND ns = ?").run(region, ns);
  }
}

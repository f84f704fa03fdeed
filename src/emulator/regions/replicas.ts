import type { Statement } from "better-sqlite3";
import { rowOf, VALUE_COLUMNS, withKey, type Row } from "../store/rows.js";
import type { Database } from "../store/sqlite.js";
import type { Regions } from "./regions.js";

/**
 * Edges that keep replicas (the "replica" edge store): the version a region holds is the newest that
 * has reached it by propagation, by a write there, or by read-repair (its floor).
 */
export class Replicas {
  constructor(
    private readonly db: Database,
    private readonly regions: Regions,
  ) {
    const row = { version: 0, commit_t: 0, origin: "" };
    db.function("ys_visible", { deterministic: false }, (version, commitT, origin, region, now, floor) => {
      if ((version as number) <= ((floor as number | null) ?? 0)) return 1;
      row.version = version as number;
      row.commit_t = commitT as number;
      row.origin = origin as string;
      return regions.deliveredAt(row, region as string) <= (now as number) ? 1 : 0;
    });
  }

  /** Replica mode: the version a region holds now, or undefined when it has none of the key. */
  replicaView(region: string, ns: number, head: Row | undefined, now: number): Row | undefined {
    if (!head || this.regions.isHome(region)) return head;
    // The common case, an edge that has caught up, costs no query beyond home's.
    if (!this.regions.has("apply-ignores-version") && this.regions.deliveredAt(head, region) <= now) return head;
    return this.replicaRead(region, ns, head.key, now).row;
  }

  /**
   * Replica mode, in one query: the version the region holds now, and how long it has been behind
   * home (0 when it holds home's version, else the time since the first version it lacks was
   * committed, which is when the version it holds was superseded). A key with a history has all of
   * it in `versions`, newest first; a key without one has only home's version, in `entries`.
   * Visibility is decided inside SQLite, so only the winning row is read into JavaScript.
   */
  replicaRead(region: string, ns: number, key: Buffer, now: number): { row: Row | undefined; behindMs: number; behind: boolean } {
    if (this.regions.has("apply-ignores-version")) {
      const all = this.allVersions(ns, key);
      const row = all[0] ? this.lastArrived(region, all, now, this.floor(region, ns, key)) : undefined;
      const lacking = all.filter((r) => r.version > (row?.version ?? 0)).at(-1);
      return { row, behindMs: lacking ? Math.max(0, now - lacking.commit_t) : 0, behind: lacking !== undefined };
    }
    const minDelay = this.regions.leastDelay(region, now);
    const localApply = this.regions.has("no-local-apply") ? 0 : 1;
    const settledSeq = this.regions.settings.settled(region)?.seq ?? 0;
    const cutoff = now - minDelay;
    const sure = this.regions.surelyDelivered(region, now);
    // Positional parameters, in the order replicaQuery() names them: binding by name costs more. The
    // visibility test appears twice in the query (the newest visible version, and what it lacks).
    const visible = [settledSeq, region, localApply, sure, cutoff, region, now];
    const floors = this.hasFloors(region);
    const test = floors ? [ns, key, region, ns, key, ...visible] : [ns, key, ...visible];
    const row = this.replicaQuery(floors).get(...test, ...test, ns, key) as unknown[] | undefined;
    if (row) {
      const lackingSince = row[7] as number | null; // superseded_t
      return { row: rowOf(row, key), behindMs: lackingSince === null ? 0 : Math.max(0, now - lackingSince), behind: lackingSince !== null };
    }
    const oldest = this.regions
      .stmt(
        "SELECT min(commit_t) FROM (SELECT commit_t FROM entries WHERE ns = @ns AND key = @key UNION ALL SELECT commit_t FROM versions WHERE ns = @ns AND key = @key)",
      )
      .pluck()
      .get({ ns, key }) as number | null;
    return { row: undefined, behindMs: oldest === null ? 0 : Math.max(0, now - oldest), behind: oldest !== null };
  }

  private readonly replicaStatements: (Statement | undefined)[] = [undefined, undefined];

  /**
   * Prepared once each: replica reads are the hot path of an edge. The visibility test takes, in
   * order: region, ns, key (the key's floor; only `withFloors`); settled seq; region, local-apply flag
   * (a local write); the commit time by which everything has arrived (surelyDelivered()); the latest
   * commit time whose fixed delay has passed, region, now (propagation). The query takes ns, key and
   * that test for `versions`, the same for `entries`, then ns, key. Own statements, not the shared
   * cache's: they return arrays (rowOf).
   */
  private replicaQuery(withFloors: boolean): Statement {
    const cached = this.replicaStatements[withFloors ? 1 : 0];
    if (cached) return cached;
    // Cheap tests first, each exact: a repaired floor, a settled version, a local write, a version
    // every message has had time to deliver; and nothing arrives before the fixed part of the delay.
    // Only versions between those two times ask deliveredAt() (ys_visible).
    const floor = withFloors ? "version <= coalesce((SELECT version FROM floors WHERE region = ? AND ns = ? AND key = ?), 0) OR " : "";
    const visible = `(${floor}version <= ? OR (origin = ? AND ?) OR commit_t <= ? OR (commit_t <= ? AND ys_visible(version, commit_t, origin, ?, ?, 0)))`;
    // The two branches exclude each other: `entries` answers only for a key without a history.
    const statement = this.db
      .prepare(
        `SELECT * FROM (
           SELECT version, CASE WHEN superseded_t IS NULL THEN (SELECT e.value FROM entries e WHERE e.ns = v.ns AND e.key = v.key) ELSE value END,
             tombstone, expires_at, metadata, commit_t, origin, superseded_t
           FROM versions v
           WHERE ns = ? AND key = ? AND ${visible}
           ORDER BY version DESC LIMIT 1)
         UNION ALL
         SELECT ${VALUE_COLUMNS}, NULL FROM entries
           WHERE ns = ? AND key = ? AND ${visible} AND NOT EXISTS (SELECT 1 FROM versions WHERE ns = ? AND key = ?)
         LIMIT 1`,
      )
      .raw();
    this.replicaStatements[withFloors ? 1 : 0] = statement;
    return statement;
  }

  /**
   * Whether any key has been read-repaired into `region`: until one has, replica reads leave out the
   * floor look-up. Floors are only ever added (or dropped with their namespace), so a "no" holds until
   * this process raises one or another process commits (the settings' stamp moves).
   */
  private hasFloors(region: string): boolean {
    if (this.floorStamp !== this.regions.settings.stamp) {
      this.floorsIn.clear();
      this.floorStamp = this.regions.settings.stamp;
    }
    let known = this.floorsIn.get(region);
    if (known === undefined) {
      known = this.regions.stmt("SELECT EXISTS (SELECT 1 FROM floors WHERE region = ?)").pluck().get(region) === 1;
      this.floorsIn.set(region, known);
    }
    return known;
  }

  private readonly floorsIn = new Map<string, boolean>();
  private floorStamp = -1;

  /** Every stored version of a key, newest first. */
  private allVersions(ns: number, key: Buffer): Row[] {
    const rows = this.regions
      .stmt(
        `SELECT ${VALUE_COLUMNS} FROM entries WHERE ns = @ns AND key = @key
       UNION ALL SELECT ${VALUE_COLUMNS} FROM versions WHERE ns = @ns AND key = @key AND superseded_t IS NOT NULL ORDER BY version DESC`,
      )
      .all({ ns, key }) as Row[];
    return rows.map((r) => withKey(r, key)!);
  }

  /** The defect: each arriving version overwrites the last, whatever its number. */
  private lastArrived(region: string, versions: readonly Row[], now: number, floor: number): Row | undefined {
    let best: Row | undefined;
    let bestAt = Number.NEGATIVE_INFINITY;
    for (const row of [...versions].sort((a, b) => a.version - b.version)) {
      const at = row.version <= floor ? Number.NEGATIVE_INFINITY : this.regions.deliveredAt(row, region);
      if (at <= now && at >= bestAt) {
        best = row;
        bestAt = at;
      }
    }
    return best;
  }

  floor(region: string, ns: number, key: Buffer): number {
    const row = this.regions.stmt("SELECT version FROM floors WHERE region = ? AND ns = ? AND key = ?").get(region, ns, key) as { version: number } | undefined;
    return row?.version ?? 0;
  }

  /** Read-repair into a replica: the region now holds at least this version. */
  raiseFloor(region: string, ns: number, key: Buffer, version: number): void {
    this.floorsIn.set(region, true);
    this.regions
      .stmt(
        `INSERT INTO floors (region, ns, key, version) VALUES (?, ?, ?, ?)
       ON CONFLICT (region, ns, key) DO UPDATE SET version = max(version, excluded.version)`,
      )
      .run(region, ns, key, version);
  }
}

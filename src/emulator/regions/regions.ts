import type { Statement } from "better-sqlite3";
import { delay, deliveryTime, readCacheTtl, staleness, type ModelParams } from "./model.js";
import type { Epoch, Settings } from "../settings.js";
import { Statements, type Database } from "../store/store.js";

/** A stored version of a key, as in `entries` and `versions`. */
export interface Row {
  key: Buffer;
  version: number;
  value: Buffer | null;
  tombstone: number;
  expires_at: number | null;
  metadata: string | null;
  commit_t: number;
  origin: string;
}

export interface CacheRow extends Row {
  fetched_at: number;
  /** How long the entry is served, from fetched_at; null: until invalidated. */
  ttl_ms: number | null;
}

/** Deliberate defects, switched on only by the test suite to show that its checker catches them. */
export type Bug =
  | "apply-ignores-version"
  | "no-local-apply"
  | "partition-drops"
  | "strong-read-local"
  | "no-read-repair"
  | "expiry-skew"
  /** Delivery of every version computed with the current settings, as if they had always been in force. */
  | "recompute-past"
  /** Operations take the time as the process last saw it, not as it stands when they commit. */
  | "stale-time"
  /** A list page with exactly one key after it says it is the last. */
  | "list-drops-cursor";

export const ROW_COLUMNS = "key, version, value, tombstone, expires_at, metadata, commit_t, origin";
/** For point reads, where the caller has the key: every Buffer SQLite hands back costs an allocation. */
export const VALUE_COLUMNS = "version, value, tombstone, expires_at, metadata, commit_t, origin";

/**
 * A row read with VALUE_COLUMNS as an array (a raw statement), as a Row: better-sqlite3 builds an
 * array faster than an object with named properties, and a literal here costs next to nothing.
 */
export function rowOf(values: readonly unknown[], key: Buffer): Row {
  return {
    key,
    version: values[0] as number,
    value: values[1] as Buffer | null,
    tombstone: values[2] as number,
    expires_at: values[3] as number | null,
    metadata: values[4] as string | null,
    commit_t: values[5] as number,
    origin: values[6] as string,
  };
}

/** A negative lookup: no value to serve (a miss is version 0, a tombstone, or expired by `at`). */
function negative(row: Pick<Row, "version" | "tombstone" | "expires_at">, at: number): boolean {
  return row.version === 0 || row.tombstone === 1 || (row.expires_at !== null && row.expires_at <= at);
}

/** Puts back the key a point read left out. */
function withKey<T extends Omit<Row, "key">>(row: T | undefined, key: Buffer): (T & { key: Buffer }) | undefined {
  if (row) (row as T & { key: Buffer }).key = key;
  return row as (T & { key: Buffer }) | undefined;
}

/**
 * What each region sees, derived from stored state at a given instant: no process has to be running
 * for replication to "happen" (consistency model §1.11).
 */
const SUPERSEDE = `INSERT INTO versions (ns, ${ROW_COLUMNS}, superseded_t) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT (ns, key, version) DO UPDATE SET superseded_t = excluded.superseded_t, value = excluded.value`;

/** Keys whose next useful compaction time is remembered, at most. */
const COMPACT_AFTER_KEYS = 10_000;
/** A key's history is compacted at most this often (emulated ms); less often keeps more rows, never changes a read. */
const COMPACT_EVERY_MS = 100;

export class Regions {
  private readonly statements: Statements;

  constructor(
    private readonly db: Database,
    private readonly settings: Settings,
    private readonly bugs: ReadonlySet<Bug>,
  ) {
    this.statements = new Statements(db);
    const row = { version: 0, commit_t: 0, origin: "" };
    db.function("ys_visible", { deterministic: false }, (version, commitT, origin, region, now, floor) => {
      if ((version as number) <= ((floor as number | null) ?? 0)) return 1;
      row.version = version as number;
      row.commit_t = commitT as number;
      row.origin = origin as string;
      return this.deliveredAt(row, region as string) <= (now as number) ? 1 : 0;
    });
  }

  get model(): ModelParams {
    return this.settings.model;
  }

  isHome(region: string): boolean {
    return region === this.model.home;
  }

  has(bug: Bug): boolean {
    return this.bugs.has(bug);
  }

  /**
   * When version `row` reaches edge `region`: at commit where it was written, else by propagation,
   * with the parameters it was committed under (a change of settings applies to later writes only,
   * so what a region has received stays received).
   */
  deliveredAt(row: Pick<Row, "version" | "commit_t" | "origin">, region: string): number {
    if (this.isHome(region)) return row.commit_t;
    if (row.origin === region && !this.bugs.has("no-local-apply")) return row.commit_t;
    const params = this.paramsFor(row.version);
    // Home when it was written: home had it at commit.
    if (params.home === region) return row.commit_t;
    let t: number;
    if (params.propagation === "none") t = Number.POSITIVE_INFINITY;
    else {
      const d = delay(params, row.version, params.edges.indexOf(region) + 1);
      const faults = this.settings.faults(region);
      if (this.bugs.has("partition-drops")) {
        const at = row.commit_t + d;
        t = faults.some((f) => f.start <= at && (f.end === null || at < f.end)) ? Number.POSITIVE_INFINITY : at;
      } else t = deliveryTime(row.commit_t + d, d, faults);
    }
    const settled = this.settings.settled(region);
    if (settled && row.version <= settled.seq) t = Math.min(t, settled.t);
    return t;
  }

  /**
   * True once every edge has the version. Without propagation no edge waits for it, and nothing older
   * is needed, unless older versions may still invalidate what an edge cached (a model that
   * invalidates came before): then they are kept, and this one never arrives.
   */
  deliveredEverywhere(row: Pick<Row, "version" | "commit_t" | "origin">, now: number): boolean {
    if (this.paramsFor(row.version).propagation === "none") return !this.invalidates();
    return this.model.edges.every((e) => this.deliveredAt(row, e) <= now);
  }

  partitioned(region: string): boolean {
    return this.settings.faults(region).some((f) => f.kind === "partition" && f.end === null);
  }

  /** The emulated time an edge evaluates expiry at. */
  expiryClock(region: string, now: number): number {
    return this.bugs.has("expiry-skew") && !this.isHome(region) ? now - 20 : now;
  }

  /** Replica mode: the version a region holds now, or undefined when it has none of the key. */
  replicaView(region: string, ns: number, head: Row | undefined, now: number): Row | undefined {
    if (!head || this.isHome(region)) return head;
    // The common case, an edge that has caught up, costs no query beyond home's.
    if (!this.bugs.has("apply-ignores-version") && this.deliveredAt(head, region) <= now) return head;
    return this.replicaRead(region, ns, head.key, now).row;
  }

  /**
   * Replica mode, in one query: the version the region holds now, and how long it has been behind
   * home (0 when it holds home's version, else the time since the first version it lacks was
   * committed, which is when the version it holds was superseded). A key with a history has all of
   * it in `versions`, newest first; a key without one has only home's version, in `entries`.
   * Visibility is decided inside SQLite, so only the winning row is read into JavaScript.
   */
  replicaRead(region: string, ns: number, key: Buffer, now: number): { row: Row | undefined; behindMs: number } {
    if (this.bugs.has("apply-ignores-version")) {
      const all = this.allVersions(ns, key);
      const row = all[0] ? this.lastArrived(region, all, now, this.floor(region, ns, key)) : undefined;
      const lacking = all.filter((r) => r.version > (row?.version ?? 0)).at(-1);
      return { row, behindMs: lacking ? Math.max(0, now - lacking.commit_t) : 0 };
    }
    const minDelay = this.leastDelay(region, now);
    const localApply = this.bugs.has("no-local-apply") ? 0 : 1;
    const settledSeq = this.settings.settled(region)?.seq ?? 0;
    const cutoff = now - minDelay;
    const sure = this.surelyDelivered(region, now);
    // Positional parameters, in the order replicaQuery() names them: binding by name costs more.
    const row = (
      this.hasFloors(region)
        ? this.replicaQuery(true).get(ns, key, region, ns, key, settledSeq, region, localApply, sure, cutoff, region, now, ns, key, region, ns, key, settledSeq, region, localApply, sure, cutoff, region, now, ns, key)
        : this.replicaQuery(false).get(ns, key, settledSeq, region, localApply, sure, cutoff, region, now, ns, key, settledSeq, region, localApply, sure, cutoff, region, now, ns, key)
    ) as unknown[] | undefined;
    if (row) {
      const lackingSince = row[7] as number | null; // superseded_t
      return { row: rowOf(row, key), behindMs: lackingSince === null ? 0 : Math.max(0, now - lackingSince) };
    }
    const oldest = this.stmt(
      "SELECT min(commit_t) FROM (SELECT commit_t FROM entries WHERE ns = @ns AND key = @key UNION ALL SELECT commit_t FROM versions WHERE ns = @ns AND key = @key)",
    ).pluck().get({ ns, key }) as number | null;
    return { row: undefined, behindMs: oldest === null ? 0 : Math.max(0, now - oldest) };
  }

  /**
   * The latest commit time whose versions have surely reached `region` by `now`: their longest delay
   * has passed, and it ended before any fault on the link began (a fault holds only messages due
   * after it begins). Versions committed by then need no call into deliveredAt().
   */
  private surelyDelivered(region: string, now: number): number {
    if (this.bugs.has("partition-drops")) return Number.MIN_SAFE_INTEGER;
    let until = now;
    for (const f of this.settings.faults(region)) until = Math.min(until, f.start);
    const model = this.model;
    // The common case, settings never changed: one model.
    if (this.epochs().length === 0) return model.propagation === "none" ? Number.MIN_SAFE_INTEGER : until - (model.delayMs + model.jitterMs);
    // Every model whose versions may have been committed after `until` minus its own Δ.
    let sure = Number.MAX_SAFE_INTEGER;
    for (const params of this.inFlight(region, (p) => until - (p.delayMs + p.jitterMs))) {
      if (params.propagation === "none") return Number.MIN_SAFE_INTEGER;
      sure = Math.min(sure, until - (params.delayMs + params.jitterMs));
    }
    return sure;
  }

  /**
   * Nothing arrives by propagation sooner than the fixed part of its delay: versions committed after
   * `now` minus this have not arrived (unless written there, repaired or settled). The least fixed
   * delay of the models whose versions may have been committed that late.
   */
  private leastDelay(region: string, now: number): number {
    const model = this.model;
    let least = model.propagation === "none" ? Number.MAX_SAFE_INTEGER : model.delayMs;
    if (this.epochs().length === 0) return least;
    // An earlier epoch counts when it may hold versions committed after now - least (its versions
    // were all committed by its end): one with a shorter delay lowers `least`, which may bring in no
    // other (the bar only rises), so one pass in order of delay suffices.
    const settledSeq = this.settings.settled(region)?.seq ?? 0;
    const earlier = this.epochs().filter((e) => e.untilVersion > settledSeq && e.params.propagation !== "none").sort((a, b) => a.params.delayMs - b.params.delayMs);
    for (const e of earlier) if (e.params.delayMs < least && e.endT > now - least) least = e.params.delayMs;
    return least;
  }

  /**
   * The current model, and each earlier epoch that `region` has not had settled and that may hold
   * versions committed after `since(its params)` (its versions were all committed by its end).
   */
  private inFlight(region: string, since: (params: ModelParams) => number): ModelParams[] {
    const out = [this.model];
    const settledSeq = this.settings.settled(region)?.seq ?? 0;
    for (const e of this.epochs()) if (e.untilVersion > settledSeq && e.endT > since(e.params)) out.push(e.params);
    return out;
  }

  /** The model version `version` was committed under. */
  private paramsFor(version: number): ModelParams {
    return this.bugs.has("recompute-past") ? this.model : this.settings.paramsFor(version);
  }

  private epochs(): readonly Epoch[] {
    return this.bugs.has("recompute-past") ? [] : this.settings.epochs;
  }

  /** Whether any version may invalidate a cached copy: some model, now or before, propagates invalidations. */
  invalidates(): boolean {
    return this.model.propagation === "invalidate" || this.epochs().some((e) => e.params.propagation === "invalidate");
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
    if (this.floorStamp !== this.settings.stamp) {
      this.floorsIn.clear();
      this.floorStamp = this.settings.stamp;
    }
    let known = this.floorsIn.get(region);
    if (known === undefined) {
      known = this.stmt("SELECT EXISTS (SELECT 1 FROM floors WHERE region = ?)").pluck().get(region) === 1;
      this.floorsIn.set(region, known);
    }
    return known;
  }

  private readonly floorsIn = new Map<string, boolean>();
  private floorStamp = -1;

  /** Every stored version of a key, newest first. */
  private allVersions(ns: number, key: Buffer): Row[] {
    const rows = this.stmt(
      `SELECT ${VALUE_COLUMNS} FROM entries WHERE ns = @ns AND key = @key
       UNION ALL SELECT ${VALUE_COLUMNS} FROM versions WHERE ns = @ns AND key = @key AND superseded_t IS NOT NULL ORDER BY version DESC`,
    ).all({ ns, key }) as Row[];
    return rows.map((r) => withKey(r, key)!);
  }

  /** The defect: each arriving version overwrites the last, whatever its number. */
  private lastArrived(region: string, versions: readonly Row[], now: number, floor: number): Row | undefined {
    let best: Row | undefined;
    let bestAt = Number.NEGATIVE_INFINITY;
    for (const row of [...versions].sort((a, b) => a.version - b.version)) {
      const at = row.version <= floor ? Number.NEGATIVE_INFINITY : this.deliveredAt(row, region);
      if (at <= now && at >= bestAt) {
        best = row;
        bestAt = at;
      }
    }
    return best;
  }

  floor(region: string, ns: number, key: Buffer): number {
    const row = this.stmt("SELECT version FROM floors WHERE region = ? AND ns = ? AND key = ?").get(region, ns, key) as { version: number } | undefined;
    return row?.version ?? 0;
  }

  /** Read-repair into a replica: the region now holds at least this version. */
  raiseFloor(region: string, ns: number, key: Buffer, version: number): void {
    this.floorsIn.set(region, true);
    this.stmt(
      `INSERT INTO floors (region, ns, key, version) VALUES (?, ?, ?, ?)
       ON CONFLICT (region, ns, key) DO UPDATE SET version = max(version, excluded.version)`,
    ).run(region, ns, key, version);
  }

  cacheEntry(region: string, ns: number, key: Buffer): CacheRow | undefined {
    return withKey(this.stmt(`SELECT ${VALUE_COLUMNS}, fetched_at, ttl_ms FROM cache_entries WHERE region = ? AND ns = ? AND key = ?`).get(region, ns, key) as Omit<CacheRow, "key"> | undefined, key);
  }

  /**
   * A cached entry is served while it is younger than the TTL it was stored with and no newer write
   * has invalidated it; a negative one (a miss, a tombstone, an expired record) only where the
   * profile caches negative lookups.
   */
  cacheFresh(entry: CacheRow, region: string, ns: number, now: number): boolean {
    if (!this.model.negativeCache && negative(entry, entry.fetched_at)) return false;
    if (now - entry.fetched_at >= (entry.ttl_ms ?? Number.POSITIVE_INFINITY)) return false;
    if (!this.invalidates()) return true;
    return !this.newerVersions(ns, entry).some((row) => this.deliveredAt(row, region) <= now);
  }

  /**
   * When a fresh cached entry stops being served: its TTL runs out, or a newer version's invalidation
   * reaches the region (Infinity: neither is to come).
   */
  cacheLapse(entry: CacheRow, region: string, ns: number): number {
    let at = entry.fetched_at + (entry.ttl_ms ?? Number.POSITIVE_INFINITY);
    if (this.invalidates()) for (const row of this.newerVersions(ns, entry)) at = Math.min(at, this.deliveredAt(row, region));
    return at;
  }

  private newerVersions(ns: number, entry: CacheRow): Row[] {
    return this.stmt(
      "SELECT version, commit_t, origin FROM entries WHERE ns = @ns AND key = @key AND version > @v UNION ALL SELECT version, commit_t, origin FROM versions WHERE ns = @ns AND key = @key AND version > @v AND superseded_t IS NOT NULL",
    ).all({ ns, key: entry.key, v: entry.version }) as Row[];
  }

  /**
   * Stores what an edge fetched from home (or learnt by a local write or a repair), to be served for
   * `ttlMs`. Where the profile caches no negative lookups, a miss, a tombstone or an expired record
   * is not stored, and takes the place of nothing: the next read asks home.
   */
  fillCache(region: string, ns: number, key: Buffer, row: Row | undefined, now: number, ttlMs: number): void {
    if (!this.model.negativeCache && (!row || negative(row, now))) {
      this.stmt("DELETE FROM cache_entries WHERE region = ? AND ns = ? AND key = ?").run(region, ns, key);
      return;
    }
    this.stmt(
      `INSERT INTO cache_entries (region, ns, key, version, value, tombstone, expires_at, metadata, commit_t, origin, fetched_at, ttl_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (region, ns, key) DO UPDATE SET version = excluded.version, value = excluded.value, tombstone = excluded.tombstone,
         expires_at = excluded.expires_at, metadata = excluded.metadata, commit_t = excluded.commit_t, origin = excluded.origin, fetched_at = excluded.fetched_at,
         ttl_ms = excluded.ttl_ms`,
    ).run(region, ns, key, row?.version ?? 0, row?.value ?? null, row?.tombstone ?? 0, row?.expires_at ?? null, row?.metadata ?? null, row?.commit_t ?? now, row?.origin ?? region, now, Number.isFinite(ttlMs) ? ttlMs : null);
  }

  /** Read-repair into a cache: keep the newer of what is cached and what home returned. */
  repairCache(region: string, ns: number, row: Row, now: number): void {
    const entry = this.cacheEntry(region, ns, row.key);
    if (!entry || entry.version < row.version) this.fillCache(region, ns, row.key, row, now, readCacheTtl(this.model, undefined));
  }

  clearListCache(region: string, ns: number): void {
    this.stmt("DELETE FROM list_cache WHERE region = ? AND ns = ?").run(region, ns);
  }

  /**
   * Keeps a key's history while some edge may still serve an older version than home's: the version
   * a write replaces, marked with when it was superseded, and a copy of the new one (superseded_t
   * NULL, its value left in `entries`), so that a key with a history has all of it in `versions`. Call before the new version
   * replaces home's version `replaced`.
   */
  supersede(ns: number, key: Buffer, replaced: Row, incoming: Row, now: number): void {
    if (this.deliveredEverywhere(incoming, now)) {
      // Every edge has the new version at once (no delay, or no propagation): nothing older is served.
      this.stmt("DELETE FROM versions WHERE ns = ? AND key = ?").run(ns, key);
      return;
    }
    // One statement: home's version, marked superseded with its value (the key's history already
    // has a copy of it, without the value, unless this is its first write since it had none), and
    // a copy of the new version, which leaves its value in `entries`: a value is stored twice only
    // once it has been superseded.
    this.stmt(SUPERSEDE).run(
      ns, key, replaced.version, replaced.value, replaced.tombstone, replaced.expires_at, replaced.metadata, replaced.commit_t, replaced.origin, incoming.commit_t,
      ns, key, incoming.version, incoming.tombstone, incoming.expires_at, incoming.metadata, incoming.commit_t, incoming.origin,
    );
    if (this.compactions) this.compactions.set(`${ns}:${key.toString("latin1")}`, { ns, key });
    else this.compact(ns, key, now);
  }

  /**
   * Keys whose history is to be compacted once, by compactLater(), instead of after each write:
   * a group of writes to one hot key compacts it once. Compacting later is always safe (it never
   * changes what a read returns), so a write undone in the meantime needs no care.
   */
  private compactions: Map<string, { ns: number; key: Buffer }> | undefined;

  deferCompaction(): void {
    this.compactions ??= new Map();
  }

  /** Compacts the keys written since deferCompaction(), and goes back to compacting after each write. */
  compactDeferred(now: number): void {
    const keys = this.compactions;
    this.compactions = undefined;
    for (const { ns, key } of keys?.values() ?? []) this.compact(ns, key, now);
  }

  /** Forgets the keys written since deferCompaction() (their transaction failed). */
  dropDeferred(): void {
    this.compactions = undefined;
  }

  /**
   * Drops superseded versions that no region can serve any more: those older than the newest
   * version that has reached every edge. Never changes what a read returns. Runs when a write has
   * just added a version no edge has, so it never empties a key's history.
   */
  private compact(ns: number, key: Buffer, now: number): void {
    // Nothing more can go before the version that stopped the last scan reaches every edge: a hot
    // key written many times a second is scanned once per arrival, not once per write. Delivery
    // times move only with the settings (faults, settle marks, the model), which the stamp follows.
    if (this.compactAfterStamp !== this.settings.stamp) {
      this.compactAfter.clear();
      this.compactAfterStamp = this.settings.stamp;
    }
    const id = `${ns}:${key.toString("latin1")}`;
    const last = this.compactAfter.get(id);
    // And at most once per COMPACT_EVERY_MS: the rows a compaction removes sit on a page of their
    // own, which then needs writing again; a busy key's group commits would each rewrite it.
    if (last !== undefined && (now < last.after || now - last.at < COMPACT_EVERY_MS)) return;
    // Oldest first, stopping at the first version some edge still lacks: the cost is what can be
    // dropped plus one row, however many recent versions a busy key has. Safe, if not always maximal.
    let settled: Row | undefined;
    let waiting: Row | undefined;
    let scanned = 0;
    // The oldest versions, up to the first committed after every edge's surelyDelivered() time, have
    // all arrived: SQLite finds where that run ends, and its newest two, without handing each of its
    // rows to JavaScript. Only the versions after it are checked one by one.
    const sure = this.model.edges.reduce((t, edge) => Math.min(t, this.surelyDelivered(edge, now)), Number.MAX_SAFE_INTEGER);
    if (sure > Number.MIN_SAFE_INTEGER) {
      const end = this.stmt("SELECT version FROM versions WHERE ns = ? AND key = ? AND commit_t > ? ORDER BY version LIMIT 1").pluck().get(ns, key, sure) as number | undefined;
      const run = this.stmt("SELECT version, commit_t, origin FROM versions WHERE ns = ? AND key = ? AND version < ? ORDER BY version DESC LIMIT 2").all(ns, key, end ?? Number.MAX_SAFE_INTEGER) as Row[];
      settled = run[0];
      scanned = run.length; // 2: two or more, which is all the deletion below asks
    }
    for (const row of this.stmt("SELECT version, commit_t, origin FROM versions WHERE ns = ? AND key = ? AND version > ? ORDER BY version").iterate(ns, key, settled?.version ?? 0) as IterableIterator<Row>) {
      if (!this.deliveredEverywhere(row, now)) {
        waiting = row;
        break;
      }
      settled = row;
      scanned++;
    }
    if (settled && scanned > 1) this.stmt("DELETE FROM versions WHERE ns = ? AND key = ? AND version < ?").run(ns, key, settled.version);
    if (this.compactAfter.size >= COMPACT_AFTER_KEYS) this.compactAfter.clear();
    this.compactAfter.set(id, { at: now, after: waiting ? Math.max(...this.model.edges.map((e) => this.deliveredAt(waiting, e))) : now });
  }

  /** By key: when it was last compacted, and when the version that stopped that reaches the last edge. */
  private readonly compactAfter = new Map<string, { at: number; after: number }>();
  private compactAfterStamp = -1;

  /**
   * Versions that may not have reached every edge yet: superseded ones, and home's versions committed
   * after a horizon before which everything has arrived (Δ before now, or before the oldest fault that
   * still holds messages).
   */
  recentVersions(now: number): Row[] {
    const model = this.model;
    const bound = [model, ...this.epochs().map((e) => e.params)].reduce((b, p) => (Number.isFinite(staleness(p)) ? Math.max(b, staleness(p)) : b), 0);
    let horizon = now - bound;
    for (const edge of model.edges) {
      for (const f of this.settings.faults(edge)) if (f.end === null || f.end + bound > now) horizon = Math.min(horizon, f.start - bound);
    }
    // Newest first along the version index; commit times grow with versions, so stop at the horizon.
    const heads: Row[] = [];
    for (const row of this.stmt("SELECT version, commit_t, origin FROM entries ORDER BY version DESC").iterate() as IterableIterator<Row>) {
      if (row.commit_t < horizon) break;
      heads.push(row);
    }
    return [...(this.stmt("SELECT version, commit_t, origin FROM versions WHERE superseded_t IS NOT NULL").all() as Row[]), ...heads];
  }

  stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}

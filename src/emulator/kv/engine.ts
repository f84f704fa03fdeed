import type { Statement, Transaction } from "better-sqlite3";
import type { DeleteResult, Entry, GetResult, KeyInfo, ListOptions, ListPage, NamespaceInfo, PutInput, ReadOptions, ServedFrom, WriteOptions, WriteResult } from "../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../core/bulk.js";
import type { Clock } from "../../core/clock.js";
import { errors, KvError } from "../../core/errors.js";
import { DEFAULT_NAMESPACE } from "../../core/limits.js";
import { validateExpiresAt, validateKey, validateMetadata, validateNamespaceName, validateTtlSeconds, validateValue, type Metadata } from "../../core/validate.js";
import { decodeCursor, encodeCursor, prefixUpperBound } from "./cursor.js";
import { FileRecorder, historyValue, type HistoryItem, type OpInput, type Recorder } from "../history/recorder.js";
import { Regions, ROW_COLUMNS, rowOf, VALUE_COLUMNS, type Bug, type Row } from "../regions/regions.js";
import { checkCacheTtl, pageLimit, readCacheTtl } from "../regions/model.js";
import type { Gathering } from "../store/group-commit.js";
import { HeadCache } from "./head-cache.js";
import { Settings } from "../settings.js";
import { footprint, SiteUsage } from "../site/usage.js";
import { Statements, translateSqliteError, type Database } from "../store/store.js";

export interface EngineOptions {
  db: Database;
  dataDir: string;
  /** The time source when the data directory's clock is real. */
  clock: Clock;
  /** Records every operation; by default the file named by `emulator record`, if any. */
  recorder?: Recorder;
  /** Names this process in recorded histories. */
  client?: string;
  bugs?: readonly Bug[];
}

/** Versions are rendered as 20 hex digits, so they sort as strings in commit order. */
export const formatVersion = (v: number): string => v.toString(16).padStart(20, "0");

export interface ExportRow {
  key: Buffer;
  value: Buffer;
  expires_at: number | null;
  metadata: string | null;
}

interface ListRow extends Row {
  size: number;
}

interface PageItem extends HistoryItem {
  size: number;
  metadata: string | null;
}

interface ServedPage {
  items: PageItem[];
  cursor: string | null;
  /** A cached page: how long it is served from when it was fetched, ms; null: until invalidated. */
  ttlMs?: number | null;
}

function finiteOrNull(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

const FAILED = Symbol("failed");

export interface GroupMark {
  version: number | undefined;
  /** How many of the group's writes had left their rows in the cache of home rows. */
  written: number;
  usage: ReturnType<SiteUsage["mark"]>;
}
const EMPTY = Buffer.alloc(0);

/** Home's last drawn version: the counter, or the newest version stored if a group has drawn past it (see Engine.homeSeq). */
const HOME_SEQ = "SELECT max((SELECT value FROM counters WHERE name = 'home_seq'), coalesce((SELECT max(version) FROM entries), 0))";

/** Built once: a statement's text is its cache key, and building and hashing it per call costs. */
const UPSERT_ENTRY = `INSERT INTO entries (ns, ${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (ns, key) DO UPDATE SET version = excluded.version, value = excluded.value, tombstone = excluded.tombstone,
    expires_at = excluded.expires_at, metadata = excluded.metadata, commit_t = excluded.commit_t, origin = excluded.origin`;

/**
 * The emulator's engine: the platform's semantics over one SQLite store, shared by every process
 * that opens the same data directory. Every write takes the store's write lock (BEGIN IMMEDIATE),
 * draws its version from home's counter and commits in the same transaction, so concurrent
 * processes never lose or duplicate a version. What each region sees is derived from the stored
 * versions, faults and clock (see regions.ts), never from timers.
 */
export class Engine {
  readonly settings: Settings;
  readonly regions: Regions;
  readonly usage: SiteUsage;
  private readonly db: Database;
  private readonly baseClock: Clock;
  private readonly dataDir: string;
  private readonly recorder: Recorder | undefined;
  private readonly client: string;
  private readonly statements: Statements;
  private readonly namespaceIds = new Map<string, number>();
  private namespaceStamp = -1;
  private fileRecorder: { path: string; recorder: FileRecorder } | undefined;

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.baseClock = options.clock;
    this.dataDir = options.dataDir;
    this.recorder = options.recorder;
    this.client = options.client ?? `pid-${process.pid}`;
    this.statements = new Statements(this.db);
    this.settings = new Settings(this.db);
    this.regions = new Regions(this.db, this.settings, new Set(options.bugs ?? []));
    this.usage = new SiteUsage(this.db);
  }

  /**
   * Emulated time: the data directory's manual clock, or the base (system) clock plus the offset the
   * manual clock left when real time was turned back on; never less than the latest time any process
   * has stored (Settings.floor) or this process has seen, so it never runs backwards, not even when
   * the system clock is stepped back. As of the last look at the settings: an operation that writes
   * or is recorded looks again inside its transaction (run()), so its time and its place in the
   * history are read together.
   */
  now(): number {
    const clock = this.settings.clock;
    const base = clock?.mode === "manual" ? clock.now : this.baseClock.now() + (clock?.offsetMs ?? 0);
    const t = Math.max(base, this.settings.floor, this.latest);
    this.latest = t;
    return t;
  }

  /** The data directory this engine's store is in (":memory:" for a private one). */
  get storeDir(): string {
    return this.dataDir;
  }

  /** The base clock's time (the system clock, unless a test gives another), without offset or floor. */
  systemNow(): number {
    return this.baseClock.now();
  }

  /** The latest emulated time this process has used. */
  private latest = Number.NEGATIVE_INFINITY;

  /** Stores the latest time this process has used, in the caller's write transaction (see now()). */
  keepTime(): void {
    this.settings.raiseFloor(this.latest);
  }

  get homeRegion(): string {
    return this.settings.model.home;
  }

  /** The emulated time, after looking for changes another process made (a manual clock advanced). */
  freshNow(): number {
    this.settings.refresh();
    return this.now();
  }

  get(site: string, namespace: string, key: string, options: ReadOptions = {}): GetResult {
    const keyBytes = validateKey(key);
    const asked = this.region(options.region);
    // The history records the consistency the client asked for, not the path taken: a checker judges
    // the answer against the request, so a strong read wrongly served locally shows up as stale.
    const requested = options.consistency ?? "strong";
    const strong = requested === "strong" && !this.regions.has("strong-read-local");
    if (options.cacheTtlMs !== undefined && !(options.cacheTtlMs >= 0 && Number.isFinite(options.cacheTtlMs))) {
      throw errors.usage(`A read's cache TTL must be a number of seconds, 0 or more, not ${options.cacheTtlMs / 1000}.`);
    }
    const mutates = !this.regions.isHome(asked) && (strong || this.regions.model.edgeStore === "cache");
    // Otherwise a get is one statement (home's row, or the replica query), the namespace id being cached.
    return this.run(mutates || "single", () => {
      // The settings as they stand inside the transaction (run() may have looked again).
      const region = this.regionNow(options.region);
      const model = this.regions.model;
      const ns = this.namespaceId(site, namespace);
      const now = this.now();
      // An eventual replica read derives its answer from the stored versions alone (one query).
      const replicaRead = !strong && !this.regions.isHome(region) && model.edgeStore === "replica";
      const head = replicaRead ? undefined : this.head(ns, keyBytes);
      let served: Row | undefined;
      let servedFrom: ServedFrom;
      let ageMs = 0;
      // Cache profiles: the TTL of the entry served (null: until invalidated).
      let ttlUsed: number | null | undefined;
      if (replicaRead) {
        if (this.settings.unverified) this.settings.verify();
        ({ row: served, behindMs: ageMs } = this.regions.replicaRead(region, ns, keyBytes, now));
        servedFrom = "replica";
      } else if (this.regions.isHome(region)) {
        served = head;
        servedFrom = "home";
      } else if (strong) {
        if (this.regions.partitioned(region)) return this.fail(this.unreachable(region, "read"), { f: "get", region, key, consistency: "strong", ns: namespace, t: now });
        served = head;
        servedFrom = "home";
        if (head) this.repair(region, ns, head, now);
      } else {
        // What this read fetches is kept for its own TTL; what is cached already, for the TTL it was kept with.
        const ttl = readCacheTtl(model, options.cacheTtlMs);
        if (options.cacheTtlMs !== undefined) checkCacheTtl(model, ttl, "The read's cache TTL");
        const cached = this.regions.cacheEntry(region, ns, keyBytes);
        if (cached && this.regions.cacheFresh(cached, region, ns, now)) {
          served = cached.version === 0 ? undefined : cached;
          servedFrom = "cache";
          ageMs = now - cached.fetched_at;
          ttlUsed = cached.ttl_ms;
        } else {
          if (this.regions.partitioned(region)) return this.fail(this.unreachable(region, "read"), { f: "get", region, key, consistency: requested, ns: namespace, t: now });
          served = head;
          servedFrom = "origin";
          this.regions.fillCache(region, ns, keyBytes, head, now, ttl);
          ttlUsed = Number.isFinite(ttl) ? ttl : null;
        }
      }
      const live = served !== undefined && this.isLive(served, this.regions.expiryClock(region, now));
      // The record is built only when something records: a read is the hottest path there is.
      if (this.recording) {
        this.record({
          t: now, region, f: "get", key, ns: namespace, consistency: requested, type: "ok", servedFrom, ...(options.cacheTtlMs !== undefined && { cacheTtlMs: options.cacheTtlMs }),
          ...(ttlUsed !== undefined && { cacheTtlUsedMs: ttlUsed }),
          value: live ? (served!.value ?? EMPTY) : null, version: served?.version ?? null, expiresAt: served?.expires_at ?? null,
        });
      }
      const version = served ? formatVersion(served.version) : null;
      return {
        entry: live ? toEntry(key, served!, version!) : null,
        read: { region, version, servedFrom, ageMs },
      };
    }, true);
  }

  put(site: string, namespace: string, key: string, input: PutInput, options: WriteOptions = {}): WriteResult {
    const keyBytes = validateKey(key);
    validateValue(input.value);
    const metadata = input.metadata === undefined ? null : JSON.stringify(validateMetadata(input.metadata));
    const value = Buffer.from(input.value.buffer, input.value.byteOffset, input.value.byteLength);
    this.region(options.region);
    return this.run(true, () => {
      const region = this.regionNow(options.region);
      const ns = this.namespaceId(site, namespace);
      const now = this.now();
      const expiresAt = this.resolveExpiry(input, now);
      const use = this.usage.current(site);
      if (value.length > use.limits.maxValueBytes) throw errors.valueTooLargeForTier(value.length, use.tier, use.limits.maxValueBytes);
      if (this.regions.partitioned(region)) {
        return this.fail(this.unreachable(region, "write"), { f: "put", region, key, ns: namespace, t: now, value });
      }
      const head = this.head(ns, keyBytes);
      const row: Row = { key: keyBytes, version: 0, value, tombstone: 0, expires_at: expiresAt, metadata, commit_t: now, origin: region };
      const after = footprint(row);
      const before = footprint(head);
      this.usage.check(site, use, after.keys - before.keys, after.bytes - before.bytes);
      row.version = this.nextVersion();
      this.commit(ns, row, now, head);
      this.usage.apply(site, after.keys - before.keys, after.bytes - before.bytes, 1, now);
      this.record({ t: now, region, f: "put", key, ns: namespace, type: "ok", value, version: row.version, expiresAt });
      return { version: formatVersion(row.version), region };
    }, true);
  }

  delete(site: string, namespace: string, keys: readonly string[], options: { force: boolean; dryRun?: boolean } & WriteOptions): DeleteResult {
    const keyBytes = keys.map(validateKey);
    this.region(options.region);
    const dryRun = options.dryRun === true;
    return this.run(!dryRun, () => {
      const region = this.regionNow(options.region);
      const ns = this.namespaceId(site, namespace);
      const now = this.now();
      if (this.regions.partitioned(region)) {
        if (dryRun) throw this.unreachable(region, "write");
        return this.fail(this.unreachable(region, "write"), { f: "delete", region, key: keys[0], ns: namespace, t: now });
      }
      const deleted: string[] = [];
      const missing: string[] = [];
      const doomed: Row[] = [];
      const seen = new Set<string>();
      keys.forEach((key, i) => {
        if (seen.has(key)) return;
        seen.add(key);
        const head = this.head(ns, keyBytes[i]!);
        if (head && this.isLive(head, now)) deleted.push(key);
        else missing.push(key);
        // An expired key is gone for readers but still stored: its tombstone frees the space.
        if (head && !head.tombstone) doomed.push(head);
      });
      // A dry run says what a delete would remove and what it would miss, and writes nothing.
      if (dryRun) return { deleted, missing, version: null };
      if (missing.length > 0 && !options.force) throw errors.keysNotFound(missing, namespace);
      // A delete is a tombstone write with its own version, so a late older write cannot bring the key back.
      let last: number | null = null;
      let bytes = 0;
      for (const head of doomed) {
        const row: Row = { key: head.key, version: this.nextVersion(), value: null, tombstone: 1, expires_at: null, metadata: null, commit_t: now, origin: region };
        this.commit(ns, row, now, head);
        bytes += footprint(head).bytes;
        last = row.version;
        this.record({ t: now, region, f: "delete", key: head.key.toString("utf8"), ns: namespace, type: "ok", value: null, version: row.version, expiresAt: null });
      }
      if (doomed.length) this.usage.apply(site, -doomed.length, -bytes, doomed.length, now);
      return { deleted, missing, version: last === null ? null : formatVersion(last) };
    }, true);
  }

  list(site: string, namespace: string, options: ListOptions): ListPage {
    const after = options.cursor ? decodeCursor(options.cursor, options.prefix) : null;
    const asked = this.region(options.region);
    const requested = options.consistency ?? "strong"; // recorded as asked, as in get()
    const strong = requested === "strong" && !this.regions.has("strong-read-local");
    const mutates = !this.regions.isHome(asked) && (strong || this.regions.model.edgeStore === "cache");
    return this.run(mutates, () => {
      const region = this.regionNow(options.region);
      const model = this.regions.model;
      const ns = this.namespaceId(site, namespace);
      const now = this.now();
      // Some platforms hold fewer keys to a page than may be asked (EdgeOne: 256); the cursor goes on.
      const limit = pageLimit(model, options.limit);
      let page: ServedPage;
      if (this.regions.isHome(region) || strong) {
        if (this.regions.partitioned(region)) return this.fail(this.unreachable(region, "read"), { f: "list", region, key: options.prefix, consistency: "strong", ns: namespace, t: now, cursor: options.cursor ?? null, limit });
        page = this.homePage(ns, options.prefix, after, limit, now);
        // S-list-repair: a strong list brings the keys it lists into the region.
        if (!this.regions.isHome(region)) for (const item of page.items) this.repairKey(region, ns, Buffer.from(item.key, "utf8"), now);
      } else if (model.edgeStore === "replica") {
        page = this.replicaPage(region, ns, options.prefix, after, limit, now);
      } else {
        page = this.cachedPage(region, ns, namespace, { ...options, limit }, after, now);
        // A page-cache miss in a partitioned edge has already recorded its failure: end the transaction
        // with it (using the FAILED marker as a page crashed with a TypeError instead of UNAVAILABLE).
        if ((page as unknown) === FAILED) return FAILED as never;
      }
      // S-list-expiry: expiry is applied when a page is served, cached pages included.
      const at = this.regions.expiryClock(region, now);
      const items = page.items.filter((i) => i.expiresAt === null || i.expiresAt > at);
      this.record({
        t: now, region, f: "list", key: options.prefix, ns: namespace, consistency: this.regions.isHome(region) ? "strong" : requested, type: "ok",
        items: items.map(({ key, version, value, expiresAt }) => ({ key, version, value, expiresAt })),
        cursor: options.cursor ?? null, after, limit, nextCursor: page.cursor, complete: page.cursor === null,
        ...(page.ttlMs !== undefined && { cacheTtlUsedMs: page.ttlMs }),
      });
      const keys: KeyInfo[] = items.map((i) => ({ key: i.key, size: i.size, expiresAt: i.expiresAt, metadata: parseStoredMetadata(i.metadata) }));
      return { keys, cursor: page.cursor };
    }, true);
  }

  /**
   * Writes a batch in one transaction, so a crash leaves whole batches only. An entry whose key already
   * holds the same value, metadata and expiry is left alone (not rewritten, no new version), so running
   * an import again changes nothing. A relative TTL counts as the same expiry when the stored version
   * has one. With `dryRun`, nothing is written and updates report what they would replace.
   */
  putMany(site: string, namespace: string, entries: readonly BulkEntry[], options: { dryRun?: boolean; region?: string } = {}): BulkOutcome[] {
    this.region(options.region);
    const dryRun = options.dryRun === true;
    return this.run(!dryRun, () => {
      const region = this.regionNow(options.region);
      const ns = this.namespaceId(site, namespace);
      const now = this.now();
      if (!dryRun && this.regions.partitioned(region)) return this.fail(this.unreachable(region, "write"), { f: "put", region, key: entries[0]?.key, ns: namespace, t: now });
      const use = this.usage.current(site);
      const outcomes: BulkOutcome[] = [];
      let writes: { entry: BulkEntry; keyBytes: Buffer; metadata: string | null; expiresAt: number | null; head: Row | undefined; live: boolean; at: number }[] = [];
      const pending = new Set<string>();
      // Writes are collected, then committed with one draw from home's counter: consecutive versions.
      const flush = () => {
        if (writes.length === 0) return;
        // The batch fits within the tier's ceilings, or none of it is written.
        let keys = 0;
        let bytes = 0;
        for (const w of writes) {
          const after = footprint({ key: w.keyBytes, value: w.entry.value, metadata: w.metadata, tombstone: 0 });
          const before = footprint(w.head);
          keys += after.keys - before.keys;
          bytes += after.bytes - before.bytes;
        }
        this.usage.check(site, this.usage.current(site), keys, bytes);
        let version = this.nextVersion(writes.length) - writes.length;
        for (const w of writes) {
          const row: Row = { key: w.keyBytes, version: ++version, value: w.entry.value, tombstone: 0, expires_at: w.expiresAt, metadata: w.metadata, commit_t: now, origin: region };
          this.commit(ns, row, now, w.head);
          this.record({ t: now, region, f: "put", key: w.entry.key, ns: namespace, type: "ok", value: w.entry.value, version: row.version, expiresAt: w.expiresAt });
          outcomes[w.at]!.version = formatVersion(row.version);
        }
        this.usage.apply(site, keys, bytes, writes.length, now);
        writes = [];
        pending.clear();
      };
      for (const entry of entries) {
        // A key given twice in one batch: the first must be written before the second is compared.
        if (pending.has(entry.key)) flush();
        try {
          const keyBytes = validateKey(entry.key);
          validateValue(entry.value);
          if (entry.value.length > use.limits.maxValueBytes) throw errors.valueTooLargeForTier(entry.value.length, use.tier, use.limits.maxValueBytes);
          const metadata = entry.metadata === undefined ? null : JSON.stringify(validateMetadata(entry.metadata));
          const expiresAt = this.resolveExpiry(entry, now);
          const head = this.head(ns, keyBytes);
          const live = head !== undefined && this.isLive(head, now);
          if (live && head.value !== null && head.value.equals(entry.value) && head.metadata === metadata && (entry.ttlSeconds !== undefined ? head.expires_at !== null : head.expires_at === expiresAt)) {
            outcomes.push({ key: entry.key, outcome: "unchanged", version: formatVersion(head.version) });
          } else if (dryRun) {
            outcomes.push(live ? { key: entry.key, outcome: "updated", old: { value: head.value ?? Buffer.alloc(0), metadata: parseStoredMetadata(head.metadata), expiresAt: head.expires_at } } : { key: entry.key, outcome: "created" });
          } else {
            writes.push({ entry, keyBytes, metadata, expiresAt, head, live, at: outcomes.length });
            pending.add(entry.key);
            outcomes.push({ key: entry.key, outcome: live ? "updated" : "created" });
          }
        } catch (e) {
          if (!(e instanceof KvError)) throw e;
          outcomes.push({ key: entry.key, outcome: "failed", error: { code: e.code, message: e.message } });
        }
      }
      flush();
      return outcomes;
    }, true);
  }

  /** Every live entry under a prefix, in key order, a page at a time (each page one snapshot). */
  *exportEntries(site: string, namespace: string, prefix: string, pageSize = 1000): Generator<ExportRow[]> {
    // An export reads each page once: mapped, the whole store would stay resident in this process;
    // read through SQLite's small page cache, memory stays flat however large the store is.
    const mapped = this.db.pragma("mmap_size", { simple: true }) as number;
    if (mapped > 0) this.db.pragma("mmap_size = 0");
    try {
      yield* this.exportPages(site, namespace, prefix, pageSize);
    } finally {
      if (mapped > 0) this.db.pragma(`mmap_size = ${mapped}`);
    }
  }

  private *exportPages(site: string, namespace: string, prefix: string, pageSize: number): Generator<ExportRow[]> {
    let after: Buffer | null = null;
    const upper = prefixUpperBound(Buffer.from(prefix, "utf8"));
    for (;;) {
      // One lower bound per query (the prefix, then the last key sent), so each page is an index seek.
      const page = this.run(false, () => {
        const ns = this.namespaceId(site, namespace);
        return this.stmt(
          `SELECT key, value, expires_at, metadata FROM entries
           WHERE ns = ? AND key ${after === null ? ">=" : ">"} ? AND key < ? AND tombstone = 0 AND (expires_at IS NULL OR expires_at > ?)
           ORDER BY key LIMIT ?`,
        ).all(ns, after ?? Buffer.from(prefix, "utf8"), upper, this.now(), pageSize) as ExportRow[];
      });
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.key;
    }
  }

  createNamespace(site: string, name: string): NamespaceInfo {
    validateNamespaceName(name);
    return this.run(true, () => {
      const now = this.now();
      const result = this.stmt("INSERT OR IGNORE INTO namespaces (site, name, created_at) VALUES (?, ?, ?)").run(site, name, now);
      if (result.changes === 0) throw errors.namespaceExists(name);
      return { name, createdAt: now, keys: 0 };
    });
  }

  listNamespaces(site: string): NamespaceInfo[] {
    return this.run(false, () =>
      this.stmt(
        `SELECT n.name, n.created_at AS createdAt,
           (SELECT count(*) FROM entries e WHERE e.ns = n.id AND e.tombstone = 0 AND (e.expires_at IS NULL OR e.expires_at > ?)) AS keys
         FROM namespaces n WHERE n.site = ? ORDER BY n.name`,
      ).all(this.now(), site) as NamespaceInfo[],
    );
  }

  removeNamespace(site: string, name: string): void {
    if (name === DEFAULT_NAMESPACE) throw errors.namespaceProtected(name);
    this.namespaceIds.clear();
    this.heads.clear();
    this.run(true, () => {
      // Its versions leave `entries` with it: the counter keeps the newest (see homeSeq()).
      this.stmt(`UPDATE counters SET value = (${HOME_SEQ}) WHERE name = 'home_seq'`).run();
      const result = this.stmt("DELETE FROM namespaces WHERE site = ? AND name = ?").run(site, name);
      if (result.changes === 0) throw errors.namespaceNotFound(name);
    });
  }

  /** Checks a region name against the configured regions; undefined means home. */
  region(name: string | undefined): string {
    this.settings.refresh();
    return this.regionNow(name);
  }

  /** region(), on the settings as last looked at: inside an operation. */
  private regionNow(name: string | undefined): string {
    const { home, edges } = this.settings.model;
    if (name === undefined || name === home) return home;
    if (!edges.includes(name)) throw errors.unknownRegion(name, [home, ...edges]);
    return name;
  }

  namespaceId(site: string, name: string): number {
    // Namespace ids change only when a namespace is removed and made again: cached until anyone writes.
    const key = `${site}\u0000${name}`;
    if (this.namespaceStamp !== this.settings.stamp) {
      this.namespaceIds.clear();
      this.namespaceStamp = this.settings.stamp;
    }
    let id = this.namespaceIds.get(key);
    if (id === undefined) {
      const row = this.stmt("SELECT id FROM namespaces WHERE site = ? AND name = ?").get(site, name) as { id: number } | undefined;
      if (!row) throw errors.namespaceNotFound(name);
      id = row.id;
      this.namespaceIds.set(key, id);
    }
    return id;
  }

  head(ns: number, key: Buffer): Row | undefined {
    if (this.settings.unverified) {
      // An optimistic read (Settings.optimistic), which runs outside any transaction: one look at the
      // data_version, then home's row from the cache of rows read since anyone last wrote.
      this.settings.verify();
      return this.heads.get(ns, key, this.settings.stamp, () => this.readHead(ns, key));
    }
    // One of a group's writes: the group holds the write lock, so the cache (with the group's own
    // writes, see commit()) is the store as it now stands.
    if (this.group) return this.heads.get(ns, key, this.settings.stamp, () => this.readHead(ns, key));
    return this.readHead(ns, key);
  }

  private readHead(ns: number, key: Buffer): Row | undefined {
    this.headStatement ??= this.db.prepare(`SELECT ${VALUE_COLUMNS} FROM entries WHERE ns = ? AND key = ?`).raw();
    const values = this.headStatement.get(ns, key) as unknown[] | undefined;
    return values && rowOf(values, key);
  }

  /** Home's row of a key: the hottest statement, prepared once and read as an array (see rowOf). */
  private headStatement: Statement | undefined;
  /**
   * Home's rows as last read by an optimistic read or written by a group's write. Valid while no
   * other process has committed (the settings' stamp); a key this process writes outside a group is
   * dropped (commit()), and everything when a namespace goes or a group's transaction fails.
   */
  private readonly heads = new HeadCache();
  get headCacheStats(): Readonly<HeadCache["stats"]> {
    return this.heads.stats;
  }

  /**
   * The last version home has drawn. Every drawn version that was committed is in `entries` (a
   * key's newest, tombstones included) until its namespace goes, and removeNamespace() raises the
   * counter to it first: so a group of writes (the API server) need not write the counter back.
   */
  homeSeq(): number {
    return this.stmt(HOME_SEQ).pluck().get() as number;
  }

  /**
   * Runs an operation atomically: a write (or a read that repairs or fills a cache) in one IMMEDIATE
   * transaction, which takes the write lock before reading; a read of several statements in a
   * deferred one, which reads one snapshot; a read of one statement ("single") needs neither.
   */
  run<T>(write: boolean | "single", fn: () => T, refreshed = false): T {
    try {
      if (!refreshed) this.settings.refresh();
      // A recorded operation takes its own write transaction, whatever records it: its seq, its time and
      // the store it acts on are then read together.
      const recording = this.recording;
      let result: T;
      // A read of one statement is atomic on its own: no transaction to begin and commit. In an
      // optimistic run it looks at the data_version itself (head()); anything else looks first.
      if (this.settings.unverified && !(write === "single" && !recording)) this.settings.verify();
      if (write === "single" && !recording) result = fn();
      // One of a group's writes: the group's transaction holds it (in a savepoint of its own when the group runs again).
      else if (this.group) result = fn();
      else {
        // One transaction function, made once: better-sqlite3 prepares its BEGIN, COMMIT and savepoint statements per function.
        this.transaction ??= this.db.transaction((work: () => unknown) => work());
        if (write === true || recording) {
          // Holding the write lock: look at the settings again (another process may have moved the
          // clock while this one waited for the lock), and store the time used, so no later
          // operation of any process runs at an earlier one.
          result = this.transaction.immediate(() => {
            if (!this.regions.has("stale-time")) this.settings.sync();
            const value = fn();
            this.keepTime();
            return value;
          }) as T;
        } else result = this.transaction.deferred(fn) as T;
      }
      if ((result as unknown) === FAILED) throw this.pendingFailure!;
      return result;
    } catch (e) {
      throw translateSqliteError(e, this.dataDir);
    } finally {
      this.pendingFailure = undefined;
      if (this.onRecordingStopped && !this.recordingNoticed) this.noticeRecording();
    }
  }

  private transaction: Transaction<(work: () => unknown) => unknown> | undefined;

  /**
   * Writes that share one transaction (the API server's group commit, group-commit.ts). Between
   * beginGroup() and endGroup(), both inside that transaction, each write runs in the group's
   * transaction (or the savepoint its caller gives it) rather than one of its own, draws its version from home's last version as held
   * in memory (never written back: see homeSeq()), gathers its usage and meters (SiteUsage.begin),
   * and leaves compacting its key's history to endGroup(): usage is written once per group, meters
   * once it has committed (SiteUsage.committed), and a hot key's history compacted once.
   */
  private group: { version: number | undefined; written: { ns: number; key: Buffer }[] } | undefined;

  /** The group's hooks, as GroupCommit takes them. */
  readonly gathering: Gathering<GroupMark> = {
    begin: () => this.beginGroup(),
    mark: () => this.markGroup(),
    undo: (mark) => this.undoGroup(mark),
    end: () => this.endGroup(),
    committed: () => this.usage.committed(),
    abort: () => this.abortGroup(),
  };

  private beginGroup(): void {
    this.group = { version: undefined, written: [] };
    this.usage.begin();
    this.regions.deferCompaction();
  }

  /** Where the group stands before a write: undoGroup() goes back to it if the write's savepoint is undone. */
  private markGroup(): GroupMark {
    return { version: this.group?.version, written: this.group?.written.length ?? 0, usage: this.usage.mark() };
  }

  private undoGroup(mark: GroupMark): void {
    if (this.group) {
      this.group.version = mark.version;
      for (const { ns, key } of this.group.written.splice(mark.written)) this.heads.drop(ns, key);
    }
    this.usage.undo(mark.usage);
  }

  /** Writes out what the group's writes gathered, in its transaction, before it commits. */
  private endGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    this.usage.end();
    this.regions.compactDeferred(this.now());
    // No time to store: the group's versions carry it (Settings.floor reads the newest).
  }

  /** The group's transaction failed: forget what it gathered. */
  private abortGroup(): void {
    this.group = undefined;
    // The rows its writes left in the cache were never stored.
    this.heads.clear();
    this.usage.abort();
    this.regions.dropDeferred();
  }

  /** For the emulator's controls (control.ts): statements inside run(). */
  rawRun(sql: string, ...params: unknown[]): void {
    this.heads.clear();
    this.stmt(sql).run(...params);
  }
  rawAll(sql: string, ...params: unknown[]): unknown[] {
    return this.stmt(sql).all(...params);
  }

  /** Whether operations are being recorded (a recorder was given, or `emulator record` is on). */
  get recording(): boolean {
    return this.recorder !== undefined || this.settings.record !== null;
  }

  /**
   * Appends an operation to the recorded history, if recording is on. Call inside run(). A value may
   * be given as bytes: it is turned into the history's text only when something records it.
   */
  record(op: Omit<OpInput, "client" | "value"> & { value?: string | Buffer | null }): void {
    const recorder = this.recorder ?? this.fileRecorderFor(this.settings.record);
    if (!recorder) return;
    const value = Buffer.isBuffer(op.value) ? historyValue(op.value) : op.value;
    try {
      recorder.record({ ...op, value, client: this.client, ...(this.actor !== undefined && { actor: this.actor }) } as OpInput, () => this.stmt("UPDATE counters SET value = value + 1 WHERE name = 'record_seq' RETURNING value").pluck().get() as number);
    } catch (e) {
      // The store's own refusal (numbering the record in a read-only store) is the operation's failure.
      if (recorder === this.recorder || String((e as { code?: unknown }).code).startsWith("SQLITE_")) throw e;
      // A recording never breaks an operation: the file cannot be appended to any more (removed,
      // replaced by a directory, a full disk), so recording stops, for every process, and says why.
      this.settings.write("record", { path: this.settings.record, stopped: { reason: (e as Error).message, at: op.t } });
    }
  }

  /**
   * Told, once per process, that recording stopped because its file could not be appended to (in
   * this process or an earlier one), with a sentence that says so, until recording is set again.
   */
  onRecordingStopped: ((note: string) => void) | undefined;
  private recordingNoticed = false;

  /** The recording is being set again: nothing to tell about the one that stopped. */
  acknowledgeRecording(): void {
    this.recordingNoticed = true;
  }

  private noticeRecording(): void {
    if (this.recordingNoticed || !this.onRecordingStopped) return;
    const recording = this.settings.recording;
    if (!recording?.stopped) return;
    this.recordingNoticed = true;
    this.onRecordingStopped(`Recording to ${recording.path} stopped at ${new Date(recording.stopped.at).toISOString()}: ${recording.stopped.reason}. Operations are not being recorded.`);
  }

  private pendingFailure: KvError | undefined;

  /** Who the operations running now are for (see actingFor), as recorded histories name them. */
  private actor: string | undefined;

  /** Runs `fn` (operations, synchronously) on behalf of `actor`: the history names it beside the process. */
  actingFor<T>(actor: string, fn: () => T): T {
    const before = this.actor;
    this.actor = actor;
    try {
      return fn();
    } finally {
      this.actor = before;
    }
  }

  /** Records a failed operation and ends the transaction without changing anything but the record. */
  private fail(error: KvError, op: Omit<OpInput, "client" | "type" | "value"> & { value?: string | Buffer | null }): never {
    this.record({ ...op, type: "fail", error: error.code });
    this.pendingFailure = error;
    return FAILED as never;
  }

  private fileRecorderFor(path: string | null): Recorder | undefined {
    if (path === null) return undefined;
    if (this.fileRecorder?.path !== path) this.fileRecorder = { path, recorder: new FileRecorder(path) };
    return this.fileRecorder.recorder;
  }

  private unreachable(region: string, what: "read" | "write"): KvError {
    return errors.regionPartitioned(region, this.settings.model.home, what);
  }

  /**
   * Commits a version at home, keeping the one it replaces while an edge may still serve it, and
   * applies it in the writing region. `replaced`: home's row of the key before, if any.
   */
  private commit(ns: number, row: Row, now: number, replaced: Row | undefined): void {
    if (replaced !== undefined) this.regions.supersede(ns, row.key, replaced, row, now);
    // A group's write leaves its row in the cache, and takes it out if it is undone (undoGroup,
    // abortGroup); any other write takes the key out, in case its transaction rolls back.
    if (this.group) {
      this.heads.set(ns, row, this.settings.stamp);
      this.group.written.push({ ns, key: row.key });
    } else this.heads.drop(ns, row.key);
    this.stmt(UPSERT_ENTRY).run(ns, row.key, row.version, row.value, row.tombstone, row.expires_at, row.metadata, row.commit_t, row.origin);
    if (!this.regions.isHome(row.origin) && this.regions.model.edgeStore === "cache") {
      // Visible where written: the writing edge's cache takes the new version and drops its list pages.
      if (!this.regions.has("no-local-apply")) this.regions.fillCache(row.origin, ns, row.key, row, now, readCacheTtl(this.regions.model, undefined));
      this.regions.clearListCache(row.origin, ns);
    }
  }

  /** Read-repair: after a strong read in an edge, the edge holds at least what home returned. */
  private repair(region: string, ns: number, head: Row, now: number): void {
    if (this.regions.has("no-read-repair")) return;
    if (this.regions.model.edgeStore === "replica") this.regions.raiseFloor(region, ns, head.key, head.version);
    else this.regions.repairCache(region, ns, head, now);
  }

  private repairKey(region: string, ns: number, key: Buffer, now: number): void {
    const head = this.head(ns, key);
    if (head) this.repair(region, ns, head, now);
  }

  private homePage(ns: number, prefix: string, after: string | null, limit: number, now: number): ServedPage {
    const lower = Buffer.from(after ?? prefix, "utf8");
    const rows = this.stmt(
      `SELECT ${ROW_COLUMNS}, length(value) AS size FROM entries
       WHERE ns = ? AND key ${after !== null ? ">" : ">="} ? AND key < ? AND tombstone = 0 AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY key LIMIT ?`,
    ).all(ns, lower, prefixUpperBound(Buffer.from(prefix, "utf8")), now, limit + 1) as ListRow[];
    return this.toPage(rows, prefix, limit);
  }

  private replicaPage(region: string, ns: number, prefix: string, after: string | null, limit: number, now: number): ServedPage {
    const lower = Buffer.from(after ?? prefix, "utf8");
    const heads = this.stmt(
      `SELECT ${ROW_COLUMNS}, length(value) AS size FROM entries WHERE ns = ? AND key ${after !== null ? ">" : ">="} ? AND key < ? ORDER BY key`,
    ).iterate(ns, lower, prefixUpperBound(Buffer.from(prefix, "utf8"))) as IterableIterator<ListRow>;
    const at = this.regions.expiryClock(region, now);
    const rows: ListRow[] = [];
    for (const head of heads) {
      const seen = this.regions.replicaView(region, ns, head, now);
      if (seen && this.isLive(seen, at)) rows.push(seen === head ? head : { ...seen, size: seen.value?.length ?? 0 });
      if (rows.length > limit) {
        heads.return?.();
        break;
      }
    }
    return this.toPage(rows, prefix, limit);
  }

  /** Cache profiles: list pages are cached per (prefix, cursor, limit) and refetched from home when stale. */
  private cachedPage(region: string, ns: number, namespace: string, options: ListOptions, after: string | null, now: number): ServedPage {
    const pageKey = JSON.stringify([options.prefix, options.cursor ?? null, options.limit]);
    const cached = this.stmt("SELECT fetched_at, seq, page FROM list_cache WHERE region = ? AND ns = ? AND page_key = ?").get(region, ns, pageKey) as
      | { fetched_at: number; seq: number; page: string }
      | undefined;
    if (cached) {
      const page = JSON.parse(cached.page) as ServedPage;
      // A page cached before pages kept their TTL lives for the profile's.
      page.ttlMs ??= finiteOrNull(this.regions.model.cacheTtlMs);
      if (this.pageFresh(region, ns, cached, page.ttlMs, now)) return page;
    }
    if (this.regions.partitioned(region)) return this.fail(this.unreachable(region, "read"), { f: "list", region, key: options.prefix, consistency: "eventual", ns: namespace, t: now, cursor: options.cursor ?? null, limit: options.limit });
    // A page is kept for the profile's TTL: a list asks for none of its own.
    const page: ServedPage = { ...this.homePage(ns, options.prefix, after, options.limit, now), ttlMs: finiteOrNull(this.regions.model.cacheTtlMs) };
    this.stmt(
      `INSERT INTO list_cache (region, ns, page_key, fetched_at, seq, page) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (region, ns, page_key) DO UPDATE SET fetched_at = excluded.fetched_at, seq = excluded.seq, page = excluded.page`,
    ).run(region, ns, pageKey, now, this.homeSeq(), JSON.stringify(page));
    return page;
  }

  private pageFresh(region: string, ns: number, cached: { fetched_at: number; seq: number }, ttlMs: number | null, now: number): boolean {
    if (now - cached.fetched_at >= (ttlMs ?? Number.POSITIVE_INFINITY)) return false;
    if (!this.regions.invalidates()) return true;
    const newer = this.stmt(
      "SELECT version, commit_t, origin FROM entries WHERE version > @seq AND ns = @ns UNION ALL SELECT version, commit_t, origin FROM versions WHERE ns = @ns AND version > @seq AND superseded_t IS NOT NULL",
    ).all({ ns, seq: cached.seq }) as Row[];
    return !newer.some((row) => this.regions.deliveredAt(row, region) <= now);
  }

  private toPage(rows: ListRow[], prefix: string, limit: number): ServedPage {
    const more = this.regions.has("list-drops-cursor") ? rows.length > limit + 1 : rows.length > limit;
    // Values only for a recorded history's list items: a page of large values is not copied otherwise.
    const recording = this.recording;
    const items = rows.slice(0, limit).map((r) => ({
      key: r.key.toString("utf8"),
      version: r.version,
      value: recording ? historyValue(r.value ?? EMPTY) : null,
      expiresAt: r.expires_at,
      size: r.size ?? 0,
      metadata: r.metadata,
    }));
    return { items, cursor: more ? encodeCursor(prefix, items[items.length - 1]!.key) : null };
  }

  /** Draws `count` versions from home's counter; returns the last. */
  private nextVersion(count = 1): number {
    if (this.group) {
      this.group.version = (this.group.version ?? this.homeSeq()) + count;
      return this.group.version;
    }
    return (this.stmt(`UPDATE counters SET value = (${HOME_SEQ}) + ? WHERE name = 'home_seq' RETURNING value`).get(count) as { value: number }).value;
  }

  private resolveExpiry(input: Pick<PutInput, "ttlSeconds" | "expiresAt">, now: number): number | null {
    if (input.ttlSeconds !== undefined) return now + validateTtlSeconds(input.ttlSeconds, now) * 1000;
    if (input.expiresAt !== undefined) return validateExpiresAt(input.expiresAt, now);
    return null;
  }

  private isLive(row: Pick<Row, "tombstone" | "expires_at">, now: number): boolean {
    return row.tombstone === 0 && (row.expires_at === null || row.expires_at > now);
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}

function toEntry(key: string, row: Row, version = formatVersion(row.version)): Entry {
  return { key, value: row.value ?? Buffer.alloc(0), metadata: parseStoredMetadata(row.metadata), expiresAt: row.expires_at, version };
}

function parseStoredMetadata(text: string | null): Metadata | null {
  return text === null ? null : (JSON.parse(text) as Metadata);
}

import type { Statement, Transaction } from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import { errors, type KvError } from "../../core/errors.js";
import { Recording, type OpRecord } from "../history/recording.js";
import type { Recorder } from "../history/recorder.js";
import type { Bug } from "../history/bugs.js";
import { Compaction } from "../regions/compaction.js";
import { EdgeCaches } from "../regions/edge-caches.js";
import { Regions } from "../regions/regions.js";
import { Replicas } from "../regions/replicas.js";
import { Settings } from "../settings.js";
import { SiteUsage } from "../site/usage.js";
import type { Row } from "../store/rows.js";
import { Statements, translateSqliteError, type Database } from "../store/sqlite.js";
import { WriteGroups } from "./group.js";
import { GroupRows } from "./group-rows.js";
import { EmulatedTime } from "./emulated-time.js";
import type { HeadCache } from "./head-cache.js";
import { StoreMode } from "./store-mode.js";
import { HomeRows } from "./home-rows.js";
import { NamespaceIds } from "./namespace-ids.js";

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

/** What an operation returns after fail(): run() throws the failure instead. */
export const FAILED = Symbol("failed");

/**
 * What every operation of the engine shares: the store, emulated time, transactions (run), the
 * region and namespace an operation names, home's rows and their cache, the group commit's state,
 * and recording. The operations themselves are in this folder, one job to a file (see engine.ts).
 */
export class KvContext {
  readonly settings: Settings;
  readonly regions: Regions;
  readonly replicas: Replicas;
  readonly caches: EdgeCaches;
  readonly compaction: Compaction;
  readonly usage: SiteUsage;
  readonly groups: WriteGroups;
  readonly db: Database;
  /** The store's settings for ordinary or bulk work (store-mode.ts). */
  readonly mode: StoreMode;
  private readonly time: EmulatedTime;
  private readonly homeRows: HomeRows;
  private readonly dataDir: string;
  private readonly statements: Statements;
  private readonly history: Recording;
  private readonly namespaceIds: NamespaceIds;

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.mode = new StoreMode(this.db);
    this.dataDir = options.dataDir;
    this.statements = new Statements(this.db);
    this.settings = new Settings(this.db);
    this.time = new EmulatedTime(this.settings, options.clock);
    const groupRows = new GroupRows((sql) => this.stmt(sql));
    this.homeRows = new HomeRows(
      this.db,
      this.settings,
      (sql) => this.stmt(sql),
      () => this.groups.current !== undefined,
      groupRows,
    );
    this.heads = this.homeRows.cache;
    this.namespaceIds = new NamespaceIds(this.settings, (sql) => this.stmt(sql));
    this.regions = new Regions(this.db, this.settings, new Set(options.bugs ?? []));
    this.replicas = new Replicas(this.db, this.regions);
    this.caches = new EdgeCaches(this.regions);
    this.compaction = new Compaction(this.regions);
    this.usage = new SiteUsage(this.db);
    this.groups = new WriteGroups(
      this.heads,
      groupRows,
      this.usage,
      this.compaction,
      () => this.now(),
      () => this.settings.stamp,
    );
    const nextSeq = () => this.stmt("UPDATE counters SET value = value + 1 WHERE name = 'record_seq' RETURNING value").pluck().get() as number;
    this.history = new Recording(this.settings, options.recorder, options.client ?? `pid-${process.pid}`, nextSeq);
  }

  /** Emulated time (see EmulatedTime.now). */
  now(): number {
    return this.time.now();
  }

  /** The emulated time, after looking for changes another process made (a manual clock advanced). */
  freshNow(): number {
    return this.time.freshNow();
  }

  /** The base clock's time (the system clock, unless a test gives another), without offset or floor. */
  systemNow(): number {
    return this.time.systemNow();
  }

  /** Stores the latest time this process has used, in the caller's write transaction (see now()). */
  keepTime(): void {
    this.time.keepTime();
  }

  /** The data directory this engine's store is in (":memory:" for a private one). */
  get storeDir(): string {
    return this.dataDir;
  }

  get homeRegion(): string {
    return this.settings.model.home;
  }

  /** Checks a region name against the configured regions; undefined means home. */
  region(name: string | undefined): string {
    this.settings.refresh();
    return this.regionNow(name);
  }

  /** region(), on the settings as last looked at: inside an operation. */
  regionNow(name: string | undefined): string {
    const { home, edges } = this.settings.model;
    if (name === undefined || name === home) return home;
    if (!edges.includes(name)) throw errors.unknownRegion(name, [home, ...edges]);
    return name;
  }

  /** A namespace's id (see NamespaceIds). */
  namespaceId(site: string, name: string): number {
    return this.namespaceIds.get(site, name);
  }

  /** Forgets the namespace ids and home rows this process holds: a namespace is going. */
  forgetNamespaces(): void {
    this.namespaceIds.clear();
    this.heads.clear();
  }

  /** Home's row of a key (see HomeRows.head). */
  head(ns: number, key: Buffer): Row | undefined {
    return this.homeRows.head(ns, key);
  }

  /** Home's rows as last read by an optimistic read or written by a group's write (see HomeRows.cache). */
  readonly heads: HeadCache;
  get headCacheStats(): Readonly<HeadCache["stats"]> {
    return this.heads.stats;
  }

  /** Only with the injected bug "check-outside-transaction": per key, the row this process last wrote or checked (null: none). */
  private readonly seen = new Map<string, Row | null>();

  lastSeen(ns: number, key: Buffer): Row | null | undefined {
    return this.seen.get(`${ns}:${key.toString("latin1")}`);
  }

  noteSeen(ns: number, key: Buffer, row: Row | undefined): void {
    if (this.regions.has("check-outside-transaction")) this.seen.set(`${ns}:${key.toString("latin1")}`, row ?? null);
  }

  /** The last version home has drawn (see HomeRows.homeSeq). */
  homeSeq(): number {
    return this.homeRows.homeSeq();
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
      else if (this.groups.current) result = fn();
      else {
        // One transaction function, made once: better-sqlite3 prepares its BEGIN, COMMIT and savepoint statements per function.
        this.transaction ??= this.db.transaction((work: () => unknown) => work());
        if (write === true || recording) {
          // What the last group handed on to the next (home's last version, usage) may not hold after this.
          this.groups.forgetCarried();
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
      this.history.notice();
    }
  }

  private transaction: Transaction<(work: () => unknown) => unknown> | undefined;

  /** The group commit's hooks (see WriteGroups). */
  get gathering(): WriteGroups["gathering"] {
    return this.groups.gathering;
  }

  /** For the emulator's controls (control.ts): statements inside run(). */
  rawRun(sql: string, ...params: unknown[]): void {
    this.heads.clear();
    this.groups.forgetCarried();
    this.stmt(sql).run(...params);
  }
  rawAll(sql: string, ...params: unknown[]): unknown[] {
    return this.stmt(sql).all(...params);
  }

  /** Whether operations are being recorded (a recorder was given, or `emulator record` is on). */
  get recording(): boolean {
    return this.history.on;
  }

  /** Appends an operation to the recorded history, if recording is on. Call inside run(). */
  record(op: OpRecord): void {
    this.history.record(op);
  }

  /** Told, once per process, that recording stopped (see Recording.onStopped). */
  set onRecordingStopped(tell: ((note: string) => void) | undefined) {
    this.history.onStopped = tell;
  }

  /** The recording is being set again: nothing to tell about the one that stopped. */
  acknowledgeRecording(): void {
    this.history.acknowledge();
  }

  /** Runs `fn` (operations, synchronously) on behalf of `actor`: the history names it beside the process. */
  actingFor<T>(actor: string, fn: () => T): T {
    return this.history.actingFor(actor, fn);
  }

  private pendingFailure: KvError | undefined;

  /** Records a failed operation; the operation returns what this returns, and run() throws `error`. */
  fail(error: KvError, op: Omit<OpRecord, "type">): never {
    this.record({ ...op, type: "fail", error: error.code });
    this.pendingFailure = error;
    return FAILED as never;
  }

  unreachable(region: string, what: "read" | "cache-miss" | "write"): KvError {
    return errors.regionPartitioned(region, this.settings.model.home, what);
  }

  stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}

import type { Statement } from "better-sqlite3";
import type { Settings } from "../settings.js";
import { rowOf, VALUE_COLUMNS, type Row } from "../store/rows.js";
import type { Database } from "../store/sqlite.js";
import type { GroupRows } from "./group-rows.js";
import { HeadCache } from "./head-cache.js";

/** Home's last drawn version: the counter, or the newest version stored if a group has drawn past it (see HomeRows.homeSeq). */
export const HOME_SEQ = "SELECT max((SELECT value FROM counters WHERE name = 'home_seq'), coalesce((SELECT max(version) FROM entries), 0))";

/**
 * Home's row of a key, the hottest read of the engine: read from the store, or from the cache of
 * rows read since anyone last wrote (an optimistic read, or one of a group's writes, which holds the
 * write lock).
 */
export class HomeRows {
  /**
   * Home's rows as last read by an optimistic read or written by a group's write. Valid while no
   * other process has committed (the settings' stamp); a key this process writes outside a group is
   * dropped (write.ts), and everything when a namespace goes or a group's transaction fails.
   */
  readonly cache = new HeadCache();
  /** Home's row of a key: prepared once and read as an array (see rowOf). */
  private headStatement: Statement | undefined;

  constructor(
    private readonly db: Database,
    private readonly settings: Settings,
    /** The engine's prepared statements (Statements), shared with every operation. */
    private readonly stmt: (sql: string) => Statement,
    /** The group of writes running, if any (see WriteGroups.current). */
    private readonly inGroup: () => boolean,
    /** The group's rows (GroupRows): home's newest row of a key the group wrote, not yet stored. */
    private readonly groupRows: GroupRows,
  ) {}

  head(ns: number, key: Buffer): Row | undefined {
    if (this.settings.unverified) {
      // An optimistic read (Settings.optimistic), which runs outside any transaction: one look at the
      // data_version, then home's row from the cache of rows read since anyone last wrote.
      this.settings.verify();
      return this.cache.get(ns, key, this.settings.stamp, () => this.read(ns, key));
    }
    // One of a group's writes: the group holds the write lock, so the cache (with the group's own
    // writes, see write.ts) is the store as it stands.
    // A key the cache let go may have a row the group holds and has not stored yet.
    if (this.inGroup()) return this.cache.get(ns, key, this.settings.stamp, () => this.groupRows.row(ns, key) ?? this.read(ns, key));
    return this.read(ns, key);
  }

  /**
   * The last version home has drawn. Every drawn version that was committed is in `entries` (a
   * key's newest, tombstones included) until its namespace goes or a sweep reclaims its row, and
   * both raise the counter to it first (removeNamespace(), reclaimDeadRows()): so a group of writes
   * (the API server) need not write the counter back.
   */
  homeSeq(): number {
    // With the group's rows stored: the newest version is among them.
    this.groupRows.flush();
    return this.stmt(HOME_SEQ).pluck().get() as number;
  }

  private read(ns: number, key: Buffer): Row | undefined {
    this.headStatement ??= this.db.prepare(`SELECT ${VALUE_COLUMNS} FROM entries WHERE ns = ? AND key = ?`).raw();
    const values = this.headStatement.get(ns, key) as unknown[] | undefined;
    return values && rowOf(values, key);
  }
}

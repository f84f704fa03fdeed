import type { Gathering } from "../store/group-commit.js";
import type { Compaction } from "../regions/compaction.js";
import type { SiteUsage } from "../site/usage.js";
import type { GroupRows } from "./group-rows.js";
import type { HeadCache } from "./head-cache.js";

export interface GroupMark {
  version: number | undefined;
  /** How many of the group's writes had left their rows in the cache of home rows. */
  written: number;
  usage: ReturnType<SiteUsage["mark"]>;
}

/**
 * Writes that share one transaction (the API server's group commit, store/group-commit.ts). Between
 * begin and end, both inside that transaction, each write runs in the group's transaction (or the
 * savepoint its caller gives it) rather than one of its own, draws its version from home's last
 * version as held in memory (never written back: see Engine.homeSeq), gathers its usage and meters
 * (SiteUsage.begin), holds the rows it stores (GroupRows), and leaves compacting its key's history
 * to end: rows are written in a few statements per group, usage once per group, meters once it has
 * committed (SiteUsage.committed), and a hot key's history compacted once.
 *
 * A group that commits hands the next one home's last version and the sites' usage as it left
 * them, so that the next reads neither again: while no other process commits (the settings' stamp)
 * and no write of this process runs outside a group (forgetCarried()), they are what the store holds.
 */
export class WriteGroups {
  /** The group running now, if any: the last version it drew and the rows its writes left in the cache. */
  current: { version: number | undefined; written: { ns: number; key: Buffer }[] } | undefined;

  constructor(
    private readonly heads: HeadCache,
    /** The rows the group's writes store, written out by end(), or sooner by flushRows(). */
    readonly rows: GroupRows,
    private readonly usage: SiteUsage,
    private readonly compaction: Compaction,
    private readonly now: () => number,
    /** The settings' stamp: it moves when another process has committed. */
    private readonly stamp: () => number,
  ) {}

  /** Home's last version as the last group to commit drew it, and the stamp it was drawn under. */
  private carried: { version: number; stamp: number } | undefined;
  /** The running group's last version, from end() until it has committed. */
  private ending: number | undefined;

  /** Something outside a group wrote (or may have): the next group reads home's last version and usage again. */
  forgetCarried(): void {
    this.carried = undefined;
    this.ending = undefined;
    this.usage.forgetCarried();
  }

  /** The group's hooks, as GroupCommit takes them. */
  readonly gathering: Gathering<GroupMark> = {
    begin: () => this.begin(),
    mark: () => this.mark(),
    undo: (mark) => this.undo(mark),
    end: () => this.end(),
    committed: () => this.committed(),
    abort: () => this.abort(),
  };

  private begin(): void {
    const stamp = this.stamp();
    if (this.carried && this.carried.stamp !== stamp) this.carried = undefined;
    this.current = { version: this.carried?.version, written: [] };
    this.usage.begin(stamp);
    this.compaction.deferCompaction();
  }

  /**
   * Where the group stands before a write: undo() goes back to it if the write's savepoint is undone.
   * The rows held so far are written out here, outside that savepoint, so undoing it undoes only the
   * write's own (this is the rare path: a write of the group failed, and each now runs in a savepoint).
   */
  private mark(): GroupMark {
    this.rows.flush();
    return { version: this.current?.version, written: this.current?.written.length ?? 0, usage: this.usage.mark() };
  }

  private undo(mark: GroupMark): void {
    this.rows.clear();
    if (this.current) {
      this.current.version = mark.version;
      for (const { ns, key } of this.current.written.splice(mark.written)) this.heads.drop(ns, key);
    }
    this.usage.undo(mark.usage);
  }

  /** Writes out the rows the group's writes hold: before anything reads `entries` or `versions` inside a group. */
  flushRows(): void {
    this.rows.flush();
  }

  /** Writes out what the group's writes gathered, in its transaction, before it commits. */
  private end(): void {
    if (!this.current) return;
    this.ending = this.current.version;
    this.current = undefined;
    // Before the compaction, which reads the history the rows add to.
    this.rows.flush();
    this.usage.end();
    this.compaction.compactDeferred(this.now());
    // No time to store: the group's versions carry it (Settings.floor reads the newest).
  }

  private committed(): void {
    if (this.ending !== undefined) this.carried = { version: this.ending, stamp: this.stamp() };
    this.ending = undefined;
    this.usage.committed();
  }

  /** The group's transaction failed: forget what it gathered. */
  private abort(): void {
    this.current = undefined;
    this.forgetCarried();
    this.rows.clear();
    // The rows its writes left in the cache were never stored.
    this.heads.clear();
    this.usage.abort();
    this.compaction.dropDeferred();
  }
}

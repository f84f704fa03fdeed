import type { Gathering } from "../store/group-commit.js";
import type { Compaction } from "../regions/compaction.js";
import type { SiteUsage } from "../site/usage.js";
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
 * (SiteUsage.begin), and leaves compacting its key's history to end: usage is written once per
 * group, meters once it has committed (SiteUsage.committed), and a hot key's history compacted once.
 */
export class WriteGroups {
  /** The group running now, if any: the last version it drew and the rows its writes left in the cache. */
  current: { version: number | undefined; written: { ns: number; key: Buffer }[] } | undefined;

  constructor(
    private readonly heads: HeadCache,
    private readonly usage: SiteUsage,
    private readonly compaction: Compaction,
    private readonly now: () => number,
  ) {}

  /** The group's hooks, as GroupCommit takes them. */
  readonly gathering: Gathering<GroupMark> = {
    begin: () => this.begin(),
    mark: () => this.mark(),
    undo: (mark) => this.undo(mark),
    end: () => this.end(),
    committed: () => this.usage.committed(),
    abort: () => this.abort(),
  };

  private begin(): void {
    this.current = { version: undefined, written: [] };
    this.usage.begin();
    this.compaction.deferCompaction();
  }

  /** Where the group stands before a write: undo() goes back to it if the write's savepoint is undone. */
  private mark(): GroupMark {
    return { version: this.current?.version, written: this.current?.written.length ?? 0, usage: this.usage.mark() };
  }

  private undo(mark: GroupMark): void {
    if (this.current) {
      this.current.version = mark.version;
      for (const { ns, key } of this.current.written.splice(mark.written)) this.heads.drop(ns, key);
    }
    this.usage.undo(mark.usage);
  }

  /** Writes out what the group's writes gathered, in its transaction, before it commits. */
  private end(): void {
    if (!this.current) return;
    this.current = undefined;
    this.usage.end();
    this.compaction.compactDeferred(this.now());
    // No time to store: the group's versions carry it (Settings.floor reads the newest).
  }

  /** The group's transaction failed: forget what it gathered. */
  private abort(): void {
    this.current = undefined;
    // The rows its writes left in the cache were never stored.
    this.heads.clear();
    this.usage.abort();
    this.compaction.dropDeferred();
  }
}

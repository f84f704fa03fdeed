import { ROW_COLUMNS, type Row } from "../store/rows.js";
import type { Regions } from "./regions.js";

const SUPERSEDE = `INSERT INTO versions (ns, ${ROW_COLUMNS}, superseded_t) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT (ns, key, version) DO UPDATE SET superseded_t = excluded.superseded_t, value = excluded.value`;

/**
 * A group of writes' history rows, held to be written out together (kv/group-rows.ts): a version
 * superseded at a time, with its value, or (null) home's newest, whose value stays in `entries`.
 */
export interface HeldHistory {
  version(ns: number, row: Row, supersededAt: number | null): void;
  forgetVersions(ns: number, key: Buffer): void;
}

/** Keys whose next useful compaction time is remembered, at most. */
const COMPACT_AFTER_KEYS = 10_000;
/** A key's history is compacted at most this often (emulated ms); less often keeps more rows, never changes a read. */
const COMPACT_EVERY_MS = 100;

/** A key's history of versions: kept while an edge may still serve one, compacted once none can. */
export class Compaction {
  constructor(private readonly regions: Regions) {}

  /**
   * Keeps a key's history while some edge may still serve an older version than home's: the version
   * a write replaces, marked with when it was superseded, and a copy of the new one (superseded_t
   * NULL, its value left in `entries`), so that a key with a history has all of it in `versions`. Call before the new version
   * replaces home's version `replaced`. `held`: a group's rows, which take the two rows instead of
   * a statement (only while compactions are deferred: the group flushes them before it compacts).
   */
  supersede(ns: number, key: Buffer, replaced: Row, incoming: Row, now: number, held?: HeldHistory): void {
    if (this.regions.deliveredEverywhere(incoming, now)) {
      // Every edge has the new version at once (no delay, or no propagation): nothing older is served.
      held?.forgetVersions(ns, key);
      this.regions.stmt("DELETE FROM versions WHERE ns = ? AND key = ?").run(ns, key);
      return;
    }
    if (held) {
      // The same two rows, written out with the rest of a group's (kv/group-rows.ts).
      held.version(ns, replaced, incoming.commit_t);
      held.version(ns, incoming, null);
      this.compactions!.set(`${ns}:${key.toString("latin1")}`, { ns, key });
      return;
    }
    // One statement: home's version, marked superseded with its value (the key's history already
    // has a copy of it, without the value, unless this is its first write since it had none), and
    // a copy of the new version, which leaves its value in `entries`: a value is stored twice only
    // once it has been superseded.
    this.regions
      .stmt(SUPERSEDE)
      .run(
        ns,
        key,
        replaced.version,
        replaced.value,
        replaced.tombstone,
        replaced.expires_at,
        replaced.metadata,
        replaced.commit_t,
        replaced.origin,
        incoming.commit_t,
        ns,
        key,
        incoming.version,
        incoming.tombstone,
        incoming.expires_at,
        incoming.metadata,
        incoming.commit_t,
        incoming.origin,
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
    if (this.compactAfterStamp !== this.regions.settings.stamp) {
      this.compactAfter.clear();
      this.compactAfterStamp = this.regions.settings.stamp;
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
    const sure = this.regions.model.edges.reduce((t, edge) => Math.min(t, this.regions.surelyDelivered(edge, now)), Number.MAX_SAFE_INTEGER);
    if (sure > Number.MIN_SAFE_INTEGER) {
      const end = this.regions
        .stmt("SELECT version FROM versions WHERE ns = ? AND key = ? AND commit_t > ? ORDER BY version LIMIT 1")
        .pluck()
        .get(ns, key, sure) as number | undefined;
      const run = this.regions
        .stmt("SELECT version, commit_t, origin FROM versions WHERE ns = ? AND key = ? AND version < ? ORDER BY version DESC LIMIT 2")
        .all(ns, key, end ?? Number.MAX_SAFE_INTEGER) as Row[];
      settled = run[0];
      scanned = run.length; // 2: two or more, which is all the deletion below asks
    }
    for (const row of this.regions
      .stmt("SELECT version, commit_t, origin FROM versions WHERE ns = ? AND key = ? AND version > ? ORDER BY version")
      .iterate(ns, key, settled?.version ?? 0) as IterableIterator<Row>) {
      if (!this.regions.deliveredEverywhere(row, now)) {
        waiting = row;
        break;
      }
      settled = row;
      scanned++;
    }
    if (settled && scanned > 1) this.regions.stmt("DELETE FROM versions WHERE ns = ? AND key = ? AND version < ?").run(ns, key, settled.version);
    if (this.compactAfter.size >= COMPACT_AFTER_KEYS) this.compactAfter.clear();
    this.compactAfter.set(id, { at: now, after: waiting ? Math.max(...this.regions.model.edges.map((e) => this.regions.deliveredAt(waiting, e))) : now });
  }

  /** By key: when it was last compacted, and when the version that stopped that reaches the last edge. */
  private readonly compactAfter = new Map<string, { at: number; after: number }>();
  private compactAfterStamp = -1;
}

import type { KvContext } from "./context.js";
import { HOME_SEQ } from "./home-rows.js";
import { addStoredKeys } from "./namespace-keys.js";

/**
 * When a row became dead: a tombstone when it was written, an expiring row when it expires. The same
 * text as the index entries_by_death (schema.ts, migration 8), which SQLite matches by its text.
 */
const DEAD_AT = "(CASE WHEN tombstone = 1 THEN commit_t ELSE expires_at END)";
/** The index's condition, also matched by its text: only these rows are ever in it. */
const MAY_DIE = "(tombstone = 1 OR expires_at IS NOT NULL)";

/** A sweep runs each time home's version counter passes a multiple of this. */
const VERSIONS_PER_SWEEP = 128;
/** Dead rows a sweep looks at, at most: twice the versions drawn between sweeps, so sweeps keep up with the writes that make dead rows. */
const ROWS_PER_SWEEP = 2 * VERSIONS_PER_SWEEP;

interface DeadRow {
  id: number;
  ns: number;
  key: Buffer;
  version: number;
  tombstone: number;
  commit_t: number;
  origin: string;
  bytes: number;
}

/**
 * Reclaims home's dead rows: a key deleted, or expired, whose last version has reached every edge.
 * No region can serve anything of such a key but its absence, so its row and its history go, and an
 * expired key comes off its site's usage and its namespace's stored keys (a deleted one left both when
 * it was deleted). Nothing a read, a list or a condition answers changes, only how much the store holds: without this, a range of deleted or
 * expired keys stays in `entries`, for every list page to step over and the disk to keep.
 *
 * Writes pay for it, in the transaction of the write that moved home's version counter past a
 * multiple of VERSIONS_PER_SWEEP, whichever process wrote it: every process's writes count, a CLI
 * that writes once and exits as much as a server. A store nobody writes to keeps its dead rows,
 * which reads step over (list.ts bounds the work of a page). Call after a write's rows are in place,
 * inside its transaction, with the versions it drew: (`before`, `after`].
 */
export function reclaimAfterWrite(engine: KvContext, before: number, after: number, now: number): number {
  if (Math.floor(after / VERSIONS_PER_SWEEP) === Math.floor(before / VERSIONS_PER_SWEEP)) return 0;
  return reclaimDeadRows(engine, now, ROWS_PER_SWEEP);
}

/** One sweep: the `limit` rows dead longest, of which those delivered everywhere go. Returns how many went. */
export function reclaimDeadRows(engine: KvContext, now: number, limit: number): number {
  // Inside a group of writes, the rows its writes hold are in the store before it is read.
  engine.groups.flushRows();
  const rows = engine
    .stmt(
      // LIMIT ? + 0, not LIMIT ?: SQLite plans an ORDER BY … LIMIT on a bound limit's value, and so
      // compiles the statement again every time it is bound; an expression it does not look into.
      `SELECT rowid AS id, ns, key, version, tombstone, commit_t, origin,
         length(key) + coalesce(length(value), 0) + coalesce(length(CAST(metadata AS BLOB)), 0) AS bytes
       FROM entries WHERE ${MAY_DIE} AND ${DEAD_AT} <= ? ORDER BY ${DEAD_AT} LIMIT ? + 0`,
    )
    .all(now, limit) as DeadRow[];
  const freed = new Map<number, { keys: number; bytes: number }>();
  let reclaimed = 0;
  for (const row of rows) {
    // A dead row some edge has not had yet: that edge still serves the version before it.
    if (!engine.regions.deliveredEverywhere(row, now)) continue;
    // Home's last version may be the one going (a group's writes leave the counter behind: see
    // HomeRows.homeSeq); the counter takes it first, so that no later write draws it again.
    if (reclaimed === 0) engine.stmt(`UPDATE counters SET value = (${HOME_SEQ}) WHERE name = 'home_seq'`).run();
    engine.stmt("DELETE FROM versions WHERE ns = ? AND key = ?").run(row.ns, row.key);
    engine.stmt("DELETE FROM entries WHERE rowid = ?").run(row.id);
    engine.heads.drop(row.ns, row.key);
    reclaimed++;
    if (row.tombstone === 1) continue;
    const ns = freed.get(row.ns) ?? { keys: 0, bytes: 0 };
    ns.keys += 1;
    ns.bytes += row.bytes;
    freed.set(row.ns, ns);
  }
  for (const [ns, { keys, bytes }] of freed) {
    addStoredKeys(engine, ns, -keys);
    const site = engine.stmt("SELECT site FROM namespaces WHERE id = ?").pluck().get(ns) as string | undefined;
    if (site !== undefined) engine.usage.apply(site, -keys, -bytes, 0, now);
  }
  return reclaimed;
}

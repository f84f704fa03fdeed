import { ROW_COLUMNS } from "../store/rows.js";
import type { KvContext } from "./context.js";
import { reclaimAfterWrite } from "./reclaim.js";
import { warmUp } from "./warm-up.js";
import { drawVersions, write } from "./write.js";
import { addStoredKeys } from "./namespace-keys.js";

/** One step of removing the keys in [from, below): the rows after `after` (exclusive), `limit` of them at most. */
export interface RangeStep {
  site: string;
  namespace: string;
  region?: string;
  from: Buffer;
  /** null: no upper bound. */
  below: Buffer;
  /** The last key the step before looked at; null: the first step. */
  after: Buffer | null;
  /** Rows looked at, tombstones included, so a step's work is bounded however many keys earlier runs removed. */
  limit: number;
  /** Everything but the removal: the step answers what it would remove. */
  dryRun?: boolean;
}

export interface RangeStepResult {
  /** Live keys removed (an expired key is tombstoned too, freeing its space, as any delete does, but was not there to remove). */
  removed: number;
  /** The last key this step looked at; null once the range is done. */
  last: Buffer | null;
  /** How long the step held the write lock, ms: its callers size the next step by it. */
  heldMs: number;
}

/**
 * A step's rows: from its lower bound (the range's start, or after the last key the step before
 * looked at) to its last row, or to the range's end. One bound each way, so SQLite seeks to the
 * step's first row instead of passing over every row earlier steps tombstoned.
 */
function within(first: boolean, toEnd: boolean): string {
  return `ns = ? AND key ${first ? ">=" : ">"} ? AND key ${toEnd ? "<" : "<="} ?`;
}

/**
 * Removes the next keys of a range at home, in one write transaction, as the one write path removes
 * keys (write.ts): each live or expired key gets a tombstone with its own version, drawn from home's
 * counter in key order; the version it replaces is kept in its history while an edge may still serve
 * it (and what every edge surely has is compacted away); what the keys stored comes off the site's
 * usage, and the tombstones count as writes in its meters. The same rows as write() would leave,
 * written set-wise by SQLite rather than a key at a time (test/unit/range-delete.test.ts compares
 * the two). Where write() does more per key than SQL can (a history being recorded, a delete at an
 * edge that caches, versions whose delivery differs key by key), the step's keys go through write().
 */
export function removeRangeStep(engine: KvContext, step: RangeStep): RangeStepResult {
  engine.region(step.region);
  warmUp(engine, within(step.after === null, true), () => [engine.namespaceId(step.site, step.namespace), step.after ?? step.from, step.below], step.limit);
  let started = 0;
  const result = engine.run(
    true,
    () => {
      // biome-ignore lint/plugin/no-wall-clock: how long the write lock is held is real time, whatever the emulated clock says
      started = performance.now();
      const region = engine.regionNow(step.region);
      if (engine.regions.partitioned(region) && !engine.recording) throw engine.unreachable(region, "write");
      const ns = engine.namespaceId(step.site, step.namespace);
      const now = engine.now();
      const first = step.after === null;
      const lower = step.after ?? step.from;
      // The step's last row: none means fewer rows are left than a step takes, and this is the last step.
      const last = engine
        .stmt(`SELECT key FROM entries WHERE ${within(first, true)} ORDER BY key LIMIT 1 OFFSET ?`)
        .pluck()
        .get(ns, lower, step.below, step.limit - 1) as Buffer | undefined;
      const BOUNDS = within(first, last === undefined);
      const bounds = [ns, lower, last ?? step.below] as const;
      const held = engine
        .stmt(
          `SELECT count(*) AS rows, coalesce(sum(expires_at IS NULL OR expires_at > ?), 0) AS live,
             coalesce(sum(length(key) + coalesce(length(value), 0) + coalesce(length(CAST(metadata AS BLOB)), 0)), 0) AS bytes
           FROM entries WHERE ${BOUNDS} AND tombstone = 0`,
        )
        .get(now, ...bounds) as { rows: number; live: number; bytes: number };
      if (held.rows > 0 && !step.dryRun) {
        const atOnce = deliveredAtOnce(engine, region, now, held.rows);
        if (atOnce === "mixed" || keyByKey(engine, region)) {
          const keys = engine
            .stmt(`SELECT key FROM entries WHERE ${BOUNDS} AND tombstone = 0 ORDER BY key`)
            .pluck()
            .all(...bounds) as Buffer[];
          const mutations = keys.map((k) => ({ kind: "delete" as const, key: k.toString("utf8"), ifMissing: "skip" as const }));
          write(engine, { site: step.site, namespace: step.namespace, mutations, region: step.region, invalid: "throw" });
        } else {
          const seqBefore = engine.homeSeq();
          tombstone(engine, { site: step.site, ns, where: BOUNDS, bounds, region, now, atOnce }, held);
          reclaimAfterWrite(engine, seqBefore, engine.homeSeq(), now);
        }
      }
      return { removed: held.live, last: last ?? null };
    },
    true,
  );
  // biome-ignore lint/plugin/no-wall-clock: how long the write lock is held is real time, whatever the emulated clock says
  return { ...result, heldMs: performance.now() - started };
}

/** Whether the step's keys must go through write() one by one (see removeRangeStep). */
function keyByKey(engine: KvContext, region: string): boolean {
  const { regions } = engine;
  if (engine.recording || regions.has("check-outside-transaction") || engine.groups.current) return true;
  return !regions.isHome(region) && regions.model.edgeStore === "cache";
}

/** Whether the next `count` versions, committed now in `region`, reach every edge at once: all, none, or some. */
function deliveredAtOnce(engine: KvContext, region: string, now: number, count: number): boolean | "mixed" {
  const first = engine.homeSeq() + 1;
  const at = (version: number) => engine.regions.deliveredEverywhere({ version, commit_t: now, origin: region }, now);
  const all = at(first);
  for (let v = first + 1; v < first + count; v++) if (at(v) !== all) return "mixed";
  return all;
}

/** The set-wise write of a step's tombstones (see removeRangeStep), `held` being what its keys store now. */
function tombstone(
  engine: KvContext,
  step: { site: string; ns: number; where: string; bounds: readonly unknown[]; region: string; now: number; atOnce: boolean },
  held: { rows: number; bytes: number },
): void {
  const { site, ns, where: BOUNDS, bounds, region, now, atOnce } = step;
  const version = drawVersions(engine, held.rows) - held.rows;
  if (atOnce) {
    // Every edge has the tombstones at once: nothing older can be served, no history is kept.
    engine
      .stmt(`DELETE FROM versions WHERE ${BOUNDS} AND EXISTS (SELECT 1 FROM entries e WHERE e.ns = versions.ns AND e.key = versions.key AND e.tombstone = 0)`)
      .run(...bounds);
  } else {
    // What every edge surely has needs no history before it: versions older than a head committed
    // by then go (Compaction.compact, set-wise and never more than it would drop).
    const sure = engine.regions.model.edges.reduce((t, edge) => Math.min(t, engine.regions.surelyDelivered(edge, now)), Number.MAX_SAFE_INTEGER);
    if (sure > Number.MIN_SAFE_INTEGER)
      engine
        .stmt(
          `DELETE FROM versions WHERE ${BOUNDS} AND version < (SELECT e.version FROM entries e
             WHERE e.ns = versions.ns AND e.key = versions.key AND e.tombstone = 0 AND e.commit_t <= ?)`,
        )
        .run(...bounds, sure);
    // The versions being replaced, superseded now, with their values (Compaction.supersede).
    engine
      .stmt(
        `INSERT INTO versions (ns, ${ROW_COLUMNS}, superseded_t) SELECT ns, ${ROW_COLUMNS}, ? FROM entries WHERE ${BOUNDS} AND tombstone = 0
         ON CONFLICT (ns, key, version) DO UPDATE SET superseded_t = excluded.superseded_t, value = excluded.value`,
      )
      .run(now, ...bounds);
  }
  engine
    .stmt(
      `UPDATE entries SET version = ? + n.rank, value = NULL, tombstone = 1, expires_at = NULL, metadata = NULL, commit_t = ?, origin = ?
       FROM (SELECT key AS k, row_number() OVER (ORDER BY key) AS rank FROM entries WHERE ${BOUNDS} AND tombstone = 0) AS n
       WHERE entries.ns = ? AND entries.key = n.k`,
    )
    .run(version, now, region, ...bounds, ns);
  if (!atOnce)
    // Each tombstone's copy in its key's history, as a write's (superseded_t NULL, no value).
    engine
      .stmt(
        `INSERT INTO versions (ns, ${ROW_COLUMNS}, superseded_t) SELECT ns, key, version, NULL, 1, NULL, NULL, commit_t, origin, NULL
         FROM entries WHERE ${BOUNDS} AND version > ?`,
      )
      .run(...bounds, version);
  // Home's rows this process cached are out of date; the transaction may yet roll back, and then a
  // cleared cache costs a read, never a wrong answer.
  engine.heads.clear();
  engine.usage.apply(site, -held.rows, -held.bytes, held.rows, now);
  addStoredKeys(engine, ns, -held.rows);
}

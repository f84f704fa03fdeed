import { errors, KvError } from "../../core/errors.js";
import { ROW_COLUMNS, type Row } from "../store/rows.js";
import { footprint, type SiteUse } from "../site/usage.js";
import type { KvContext } from "./context.js";
import { HOME_SEQ } from "./home-rows.js";
import { addStoredKeys } from "./namespace-keys.js";
import { readCacheTtl } from "../regions/model.js";
import {
  isLive,
  prepare,
  refuseInvalidInConditionalBatch,
  resolve,
  resolveOrError,
  sameAsStored,
  type Mutation,
  type Prepared,
  type Resolved,
} from "./mutation.js";
import { FAILED } from "./context.js";
import { asked, decide, historyOfCondition, refuseRepeatedConditions, type Decided } from "./decide.js";
import { reclaimAfterWrite } from "./reclaim.js";
import { UPDATE_ENTRY } from "./group-rows.js";

/** A write: mutations of one namespace, committed in one transaction. */
export interface WriteRequest {
  site: string;
  namespace: string;
  mutations: readonly Mutation[];
  region?: string;
  /**
   * "throw": an invalid mutation fails the whole write (a put, a delete); "report": it fails alone,
   * in its outcome, and the others are written (a bulk import).
   */
  invalid: "throw" | "report";
}

export interface MutationOutcome {
  key: string;
  /** What the key held, as a reader saw it before the write ("missing": not there, or expired). */
  outcome: "created" | "updated" | "unchanged" | "skipped" | "deleted" | "missing" | "failed";
  /** The version written; for "unchanged", the version kept. */
  version?: number;
  /** An increment: the counter's new value, in decimal. */
  counter?: string;
  error?: KvError;
}

interface Pending {
  resolved: Resolved;
  head: Row | undefined;
  outcome: MutationOutcome;
  /** A conditional write or an increment: what home held when it was decided (for the history). */
  decided: Decided | undefined;
}

/**
 * The one write path: every mutation of the emulator goes through here. It validates each mutation,
 * checks its conditions and works out its increments on home's rows (decide.ts: all of them before
 * anything is written, so a batch whose conditions do not all hold writes nothing), draws the
 * versions from home's counter, applies them (keeping what edges may still serve), meters the
 * site's usage and records each write in the history, all inside one write transaction
 * (KvContext.run), so a crash leaves whole writes only.
 *
 * Mutations are classified in order against the store as it stands; a key that comes again after a
 * pending write of it first has the pending ones written (one segment), so it is compared with what
 * was just written. Each segment is checked against the tier's ceilings whole, before any of it is
 * written, and takes consecutive versions.
 *
 * The removal of a key range is its other input (range-delete.ts): the same rows, versions, usage
 * and history, written set-wise a step at a time, and through write() where that is not the same.
 */
export function write(engine: KvContext, request: WriteRequest): { region: string; outcomes: MutationOutcome[] } {
  const { site, namespace, mutations } = request;
  refuseRepeatedConditions(mutations);
  const prepared: Prepared[] | undefined = request.invalid === "throw" ? mutations.map(prepare) : undefined;
  engine.region(request.region);
  return engine.run(
    true,
    () => {
      const region = engine.regionNow(request.region);
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      // The site's usage, read once and again after each segment changes it: a query per entry would cost.
      let siteUse: SiteUse | undefined;
      const use = () => (siteUse ??= engine.usage.current(site));
      const resolved = prepared ? prepared.map((p) => resolve(p, now, use)) : mutations.map((m) => resolveOrError(m, now, use));
      if (!prepared) refuseInvalidInConditionalBatch(mutations, resolved);
      if (engine.regions.partitioned(region)) {
        const first = mutations[0];
        // A failed write of one value names it; a failed batch names its first key. A condition is
        // never guessed from the edge's copy: the write fails as any write does.
        const value = mutations.length === 1 && first?.kind === "put" && !(resolved[0] instanceof KvError) ? resolved[0]!.value : undefined;
        return engine.fail(engine.unreachable(region, "write"), {
          f: first?.kind ?? "put",
          region,
          key: first?.key,
          ns: namespace,
          t: now,
          ...(value && { value }),
          ...(mutations.length === 1 && first && asked(first)),
        });
      }
      const decisions = decide(engine, { namespace, ns, region, now }, resolved);
      if (decisions === FAILED) return FAILED as never;
      const outcomes: MutationOutcome[] = [];
      let pending: Pending[] = [];
      const pendingKeys = new Set<string>();
      const commitPending = () => {
        if (commitSegment(engine, site, namespace, ns, region, now, pending, use)) siteUse = undefined;
        pending = [];
        pendingKeys.clear();
      };
      mutations.forEach((mutation, i) => {
        const r = resolved[i]!;
        if (r instanceof KvError) {
          outcomes.push({ key: mutation.key, outcome: "failed", error: r });
          return;
        }
        if (pendingKeys.has(mutation.key)) commitPending();
        const head = decisions.head(r);
        const skipped = decisions.skipped(r, head);
        const outcome = skipped ? { key: mutation.key, outcome: "skipped" as const } : classify(r, head, now);
        outcomes.push(outcome);
        if (outcome.outcome === "unchanged" || outcome.outcome === "skipped") return;
        pending.push({ resolved: r, head, outcome, decided: decisions.get(r) });
        pendingKeys.add(mutation.key);
      });
      commitPending();
      // The versions this write drew, one per row written, in order (an unchanged key's is its old one).
      const drawn = outcomes.filter((o) => o.version !== undefined && o.outcome !== "unchanged");
      const newest = drawn[drawn.length - 1]?.version;
      if (newest !== undefined) reclaimAfterWrite(engine, newest - drawn.length, newest, now);
      return { region, outcomes };
    },
    true,
  );
}

/** What a mutation would do to a key whose home row is `head`. */
export function classify(r: Resolved, head: Row | undefined, now: number): MutationOutcome {
  const key = r.mutation.key;
  const live = head !== undefined && isLive(head, now);
  if (r.mutation.kind === "delete") return { key, outcome: live ? "deleted" : "missing" };
  if (live && r.mutation.kind === "put" && r.mutation.keepIfSame && sameAsStored(r as Resolved & { mutation: typeof r.mutation }, head))
    return { key, outcome: "unchanged", version: head.version };
  return { key, outcome: live ? "updated" : "created" };
}

/** Checks a segment's conditions and ceilings, then writes it: versions, rows, usage, history. Whether it wrote. */
function commitSegment(
  engine: KvContext,
  site: string,
  namespace: string,
  ns: number,
  region: string,
  now: number,
  segment: readonly Pending[],
  use: () => SiteUse,
): boolean {
  const missing = segment.filter((p) => p.outcome.outcome === "missing" && p.resolved.mutation.kind === "delete" && p.resolved.mutation.ifMissing === "fail");
  if (missing.length > 0)
    throw errors.keysNotFound(
      missing.map((p) => p.outcome.key),
      namespace,
    );
  // An expired key is gone for readers but still stored: deleting it writes the tombstone that frees the space.
  const writes = segment.filter((p) => p.resolved.mutation.kind !== "delete" || (p.head !== undefined && !p.head.tombstone));
  if (writes.length === 0) return false;
  const rows = writes.map(({ resolved: r }): Row => {
    const tombstone = r.mutation.kind === "delete" ? 1 : 0;
    return { key: r.keyBytes, version: 0, value: r.value, tombstone, expires_at: r.expiresAt, metadata: r.metadata, commit_t: now, origin: region };
  });
  // The segment fits within the tier's ceilings, or none of it is written.
  let keys = 0;
  let bytes = 0;
  rows.forEach((row, i) => {
    const after = footprint(row);
    const before = footprint(writes[i]!.head);
    keys += after.keys - before.keys;
    bytes += after.bytes - before.bytes;
  });
  if (keys > 0 || bytes > 0) engine.usage.check(site, use(), keys, bytes);
  let version = drawVersions(engine, rows.length) - rows.length;
  rows.forEach((row, i) => {
    const { resolved, head, outcome, decided } = writes[i]!;
    row.version = ++version;
    apply(engine, ns, row, now, head);
    engine.noteSeen(ns, row.key, row);
    outcome.version = row.version;
    if (resolved.mutation.kind === "incr") outcome.counter = row.value!.toString("utf8");
    // Built only to be recorded: a server's grouped writes never are (they run alone while recording).
    if (engine.recording)
      engine.record({
        t: now,
        region,
        f: resolved.mutation.kind,
        key: outcome.key,
        ns: namespace,
        type: "ok",
        value: row.value,
        version: row.version,
        expiresAt: row.expires_at,
        ...historyOfCondition(resolved, decided),
      });
  });
  engine.usage.apply(site, keys, bytes, rows.length, now);
  addStoredKeys(engine, ns, keys);
  return true;
}

/** Draws `count` versions from home's counter; returns the last. */
export function drawVersions(engine: KvContext, count: number): number {
  const group = engine.groups.current;
  if (group) {
    group.version = (group.version ?? engine.homeSeq()) + count;
    return group.version;
  }
  return (engine.stmt(`UPDATE counters SET value = (${HOME_SEQ}) + ? WHERE name = 'home_seq' RETURNING value`).get(count) as { value: number }).value;
}

/** Built once: a statement's text is its cache key, and building and hashing it per call costs. */
const UPSERT_ENTRY = `INSERT INTO entries (ns, ${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (ns, key) DO UPDATE SET version = excluded.version, value = excluded.value, tombstone = excluded.tombstone,
    expires_at = excluded.expires_at, metadata = excluded.metadata, commit_t = excluded.commit_t, origin = excluded.origin`;

/**
 * Commits a version at home, keeping the one it replaces while an edge may still serve it, and
 * applies it in the writing region. `replaced`: home's row of the key before, if any.
 */
function apply(engine: KvContext, ns: number, row: Row, now: number, replaced: Row | undefined): void {
  const { regions } = engine;
  // A group's write leaves its row in the cache, and takes it out if it is undone (WriteGroups.undo,
  // abort), and its rows are written with the group's (GroupRows); any other write takes the key out
  // of the cache, in case its transaction rolls back, and writes its rows now.
  const group = engine.groups.current;
  const held = group ? engine.groups.rows : undefined;
  if (replaced !== undefined) engine.compaction.supersede(ns, row.key, replaced, row, now, held);
  if (group) {
    engine.heads.set(ns, row, engine.settings.stamp);
    group.written.push({ ns, key: row.key });
    held!.entry(ns, row, replaced !== undefined);
  } else {
    engine.heads.drop(ns, row.key);
    const updated =
      replaced !== undefined &&
      engine.stmt(UPDATE_ENTRY).run(row.version, row.value, row.tombstone, row.expires_at, row.metadata, row.commit_t, row.origin, ns, row.key).changes === 1;
    if (!updated) engine.stmt(UPSERT_ENTRY).run(ns, row.key, row.version, row.value, row.tombstone, row.expires_at, row.metadata, row.commit_t, row.origin);
  }
  if (!regions.isHome(row.origin) && regions.model.edgeStore === "cache") {
    // Visible where written: the writing edge's cache takes the new version and drops its list pages.
    if (!regions.has("no-local-apply")) engine.caches.fillCache(row.origin, ns, row.key, row, now, readCacheTtl(regions.model, undefined));
    engine.caches.clearListCache(row.origin, ns);
  }
}

import type { BulkPutOptions, DeleteOptions, DeleteResult } from "../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../core/bulk.js";
import { KvError } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import type { ConditionFailure } from "../../core/condition-errors.js";
import { validateKey } from "../../core/validate.js";
import { failedCondition, liveVersion } from "./conditions.js";
import type { KvContext } from "./context.js";
import { formatVersion, parseStoredMetadata } from "./entry.js";
import { isLive, refuseInvalidInConditionalBatch, resolveOrError } from "./mutation.js";
import { conditionsFailed, refuseRepeatedConditions } from "./decide.js";
import type { Row } from "../store/rows.js";
import { footprint, type SiteUse } from "../site/usage.js";
import { classify } from "./write.js";
import { bulkPut, deleteCondition } from "./writes.js";

/**
 * Dry runs: what a delete or a bulk put would do, read from the store in one snapshot, written
 * nowhere. They classify each mutation as the write path does (classify(), and the conditions of
 * conditions.ts), and write nothing. A condition that would fail fails the dry run as it would the
 * write, with the same error.
 */
export function planDelete(engine: KvContext, site: string, namespace: string, keys: readonly string[], options: DeleteOptions): DeleteResult {
  const keyBytes = new Map(keys.map((key) => [key, validateKey(key)]));
  const { region } = options;
  const onlyIf = deleteCondition(keys, options.onlyIf);
  engine.region(region);
  return engine.run(
    false,
    () => {
      const at = engine.regionNow(region);
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      if (engine.regions.partitioned(at)) throw engine.unreachable(at, "write");
      const deleted: string[] = [];
      const missing: string[] = [];
      for (const [key, bytes] of keyBytes) {
        const head = engine.head(ns, bytes);
        const live = liveVersion(head, now);
        if (onlyIf && (live === null ? null : formatVersion(live)) !== onlyIf.version)
          throw conditionErrors.conditionFailed(key, onlyIf.version, live === null ? null : formatVersion(live));
        (head && isLive(head, now) ? deleted : missing).push(key);
      }
      return { deleted, missing, version: null };
    },
    true,
  );
}

/**
 * A bulk put's dry run: updates report what they would replace. A key given again is compared with
 * what the batch would have written of it before, as the write compares it; a version the write
 * would draw is not known yet, so an entry left unchanged by an earlier one of the batch has none.
 */
export function planBulkPut(engine: KvContext, site: string, namespace: string, entries: readonly BulkEntry[], options: BulkPutOptions): BulkOutcome[] {
  const { region } = options;
  const mutations = entries.map((entry) => bulkPut(entry, options.ifAbsent));
  refuseRepeatedConditions(mutations);
  engine.region(region);
  return engine.run(
    false,
    () => {
      const at = engine.regionNow(region);
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      const use = () => engine.usage.current(site);
      const failures: ConditionFailure[] = [];
      const resolved = mutations.map((m) => resolveOrError(m, now, use));
      refuseInvalidInConditionalBatch(mutations, resolved);
      if (engine.regions.partitioned(at)) throw engine.unreachable(at, "write");
      // What the batch would leave in each key it writes, by key: the row a later entry of the key meets.
      const planned = new Map<string, Row>();
      const ceilings = new SegmentCeilings(engine, site, use);
      const outcomes = entries.map((entry, i): BulkOutcome => {
        const r = resolved[i]!;
        if (r instanceof KvError) return { key: entry.key, outcome: "failed", error: { code: r.code, message: r.message } };
        const head = planned.get(entry.key) ?? engine.head(ns, r.keyBytes);
        const failure = failedCondition(r, head, now);
        if (failure) failures.push(failure);
        if (options.ifAbsent && liveVersion(head, now) !== null) return { key: entry.key, outcome: "skipped" };
        const { outcome, version } = classify(r, head, now);
        if (outcome === "unchanged") return { key: entry.key, outcome, ...(version !== PLANNED && { version: formatVersion(version!) }) };
        const row: Row = {
          key: r.keyBytes,
          version: PLANNED,
          value: r.value,
          tombstone: 0,
          expires_at: r.expiresAt,
          metadata: r.metadata,
          commit_t: now,
          origin: at,
        };
        ceilings.add(entry.key, row, head);
        planned.set(entry.key, row);
        if (outcome === "updated")
          return {
            key: entry.key,
            outcome,
            old: { value: head!.value ?? Buffer.alloc(0), metadata: parseStoredMetadata(head!.metadata), expiresAt: head!.expires_at },
          };
        return { key: entry.key, outcome: "created" };
      });
      if (failures.length > 0) throw conditionsFailed(failures, mutations.length);
      ceilings.end();
      ceilings.refuseIfOver();
      return outcomes;
    },
    true,
  );
}

/** The version of a row a dry run would write: none is drawn, and no stored version is 0. */
const PLANNED = 0;

/**
 * The tier's ceilings as the write checks them (write.ts): a segment of the batch's writes (it ends
 * where a key it wrote comes again) must fit whole on top of what the segments before it would have
 * stored. The first segment over a ceiling is the batch's refusal, made after its conditions are
 * checked, as the write makes it.
 */
class SegmentCeilings {
  private readonly keysInSegment = new Set<string>();
  private segment = { keys: 0, bytes: 0 };
  private before = { keys: 0, bytes: 0 };
  private refusal: KvError | undefined;

  constructor(
    private readonly engine: KvContext,
    private readonly site: string,
    private readonly use: () => SiteUse,
  ) {}

  /** A write the batch would make: `row` in place of `head`. */
  add(key: string, row: Row, head: Row | undefined): void {
    if (this.keysInSegment.has(key)) this.end();
    this.keysInSegment.add(key);
    const after = footprint(row);
    const was = footprint(head);
    this.segment.keys += after.keys - was.keys;
    this.segment.bytes += after.bytes - was.bytes;
  }

  /** Checks the segment, as the write would before writing it. */
  end(): void {
    const { keys, bytes } = this.segment;
    if (this.refusal === undefined && (keys > 0 || bytes > 0)) {
      const use = this.use();
      try {
        this.engine.usage.check(this.site, { ...use, keys: use.keys + this.before.keys, bytes: use.bytes + this.before.bytes }, keys, bytes);
      } catch (e) {
        this.refusal = e as KvError;
      }
    }
    this.before = { keys: this.before.keys + keys, bytes: this.before.bytes + bytes };
    this.segment = { keys: 0, bytes: 0 };
    this.keysInSegment.clear();
  }

  refuseIfOver(): void {
    if (this.refusal) throw this.refusal;
  }
}

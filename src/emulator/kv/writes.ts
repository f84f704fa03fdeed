import type { DeleteOptions, DeleteResult, IncrOptions, IncrResult, PutInput, PutOptions, WriteResult } from "../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../core/bulk.js";
import { isVersionText } from "../../core/condition.js";
import { errors } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import type { KvContext } from "./context.js";
import { formatVersion } from "./entry.js";
import type { Mutation, PutMutation } from "./mutation.js";
import { write } from "./write.js";
import { decodeCursor, encodeCursor, prefixUpperBound } from "./cursor.js";
import { removeRangeStep } from "./range-delete.js";

/* The Backend's writes (a put, a delete of keys, an increment, a bulk put or an import) as requests to the one write path. */

/** A single put: its version, and the region that took it. */
export function putOne(engine: KvContext, site: string, namespace: string, key: string, input: PutInput, options: PutOptions): WriteResult {
  const onlyIf = checkedCondition(options.onlyIf);
  const mutation: Mutation = { kind: "put", key, ...input, ...(onlyIf && { onlyIf }) };
  const { region, outcomes } = write(engine, { site, namespace, mutations: [mutation], region: options.region, invalid: "throw" });
  return { version: formatVersion(outcomes[0]!.version!), region };
}

/** Adds to a counter at home: its new value and version. */
export function incrOne(engine: KvContext, site: string, namespace: string, key: string, options: IncrOptions): IncrResult {
  const mutation: Mutation = { kind: "incr", key, by: options.by ?? 1n, ...(options.ttlSeconds !== undefined && { ttlSeconds: options.ttlSeconds }) };
  const { region, outcomes } = write(engine, { site, namespace, mutations: [mutation], region: options.region, invalid: "throw" });
  return { version: formatVersion(outcomes[0]!.version!), region, value: outcomes[0]!.counter! };
}

/** Deletes keys (each once, however often given); a key not there fails the delete unless `force`. */
export function deleteKeys(engine: KvContext, site: string, namespace: string, keys: readonly string[], options: DeleteOptions): DeleteResult {
  const ifMissing = options.force ? "skip" : "fail";
  const onlyIf = deleteCondition(keys, options.onlyIf);
  const mutations = [...new Set(keys)].map((key): Mutation => ({ kind: "delete", key, ifMissing, ...(onlyIf && { onlyIf }) }));
  const { outcomes } = write(engine, { site, namespace, mutations, region: options.region, invalid: "throw" });
  // An expired key's tombstone is written too (it frees the space), but it deleted nothing a reader had.
  const written = outcomes.filter((o) => o.outcome === "deleted").map((o) => o.version!);
  return {
    deleted: outcomes.filter((o) => o.outcome === "deleted").map((o) => o.key),
    missing: outcomes.filter((o) => o.outcome === "missing").map((o) => o.key),
    // Versions are drawn in order: the last deleted is the newest of them.
    version: written.length ? formatVersion(written[written.length - 1]!) : null,
  };
}

/** A step of removing every key under a prefix: how many it removed, the cursor of the next step (null: none left), and how long it held the write lock. */
export interface PrefixStep {
  removed: number;
  cursor: string | null;
  heldMs: number;
}

/** Removes the next keys under a prefix, `limit` rows at most looked at, in one transaction (range-delete.ts). */
export function deletePrefixStep(
  engine: KvContext,
  site: string,
  namespace: string,
  prefix: string,
  options: { cursor: string | null; region?: string; limit: number; dryRun?: boolean },
): PrefixStep {
  const from = Buffer.from(prefix, "utf8");
  const scope = { kind: "deletePrefix", namespace, prefix } as const;
  const after = options.cursor === null ? null : Buffer.from(decodeCursor(options.cursor, scope), "utf8");
  const step = removeRangeStep(engine, {
    site,
    namespace,
    region: options.region,
    from,
    below: prefixUpperBound(from),
    after,
    limit: options.limit,
    dryRun: options.dryRun,
  });
  return { removed: step.removed, cursor: step.last === null ? null : encodeCursor(scope, step.last.toString("utf8")), heldMs: step.heldMs };
}

/** An entry of a bulk put or an import: left alone when the key already holds it (or, `ifAbsent`, holds anything). */
export function bulkPut(entry: BulkEntry, ifAbsent = false): PutMutation {
  const onlyIf = checkedCondition(entry.onlyIf);
  return { kind: "put", ...entry, keepIfSame: true, ...(onlyIf && { onlyIf }), ...(ifAbsent && { skipIfPresent: true }) };
}

/** Writes a batch, each invalid entry failing alone (see Engine.putMany). */
export function putBulk(
  engine: KvContext,
  site: string,
  namespace: string,
  entries: readonly BulkEntry[],
  options: { region?: string; ifAbsent?: boolean },
): BulkOutcome[] {
  const mutations = entries.map((e) => bulkPut(e, options.ifAbsent));
  const { outcomes } = write(engine, { site, namespace, mutations, region: options.region, invalid: "report" });
  return outcomes.map(({ key, outcome, version, error }): BulkOutcome => {
    if (error) return { key, outcome: "failed", error: { code: error.code, message: error.message } };
    if (outcome === "skipped") return { key, outcome };
    return { key, outcome: outcome as BulkOutcome["outcome"], version: formatVersion(version!) };
  });
}

/** A removal's condition, checked: one key, and a version (removing a key only when it does not exist would remove nothing). */
export function deleteCondition(keys: readonly string[], given: DeleteOptions["onlyIf"]): { version: string } | undefined {
  const onlyIf = checkedCondition(given);
  if (onlyIf === undefined) return undefined;
  const count = new Set(keys).size;
  if (count !== 1) throw conditionErrors.conditionNeedsOneKey(count);
  if (onlyIf.version === null)
    throw errors.usage("A removal's condition must name a version: removing a key only when it does not exist would remove nothing.");
  return { version: onlyIf.version };
}

/** A condition as given, its version checked for the shape every version has (a typo is bad input, not a failed condition). */
function checkedCondition(onlyIf: { version: string | null } | undefined): { version: string | null } | undefined {
  if (onlyIf === undefined) return undefined;
  if (onlyIf.version !== null && (typeof onlyIf.version !== "string" || !isVersionText(onlyIf.version)))
    throw conditionErrors.versionInvalid(String(onlyIf.version));
  return { version: onlyIf.version };
}

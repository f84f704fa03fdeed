import type { DeleteResult, PutInput, WriteOptions, WriteResult } from "../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../core/bulk.js";
import type { KvContext } from "./context.js";
import { formatVersion } from "./entry.js";
import type { Mutation, PutMutation } from "./mutation.js";
import { write } from "./write.js";

/* The Backend's writes (a put, a delete of keys, a bulk put or an import) as requests to the one write path. */

/** A single put: its version, and the region that took it. */
export function putOne(engine: KvContext, site: string, namespace: string, key: string, input: PutInput, options: WriteOptions): WriteResult {
  const { region, outcomes } = write(engine, { site, namespace, mutations: [{ kind: "put", key, ...input }], region: options.region, invalid: "throw" });
  return { version: formatVersion(outcomes[0]!.version!), region };
}

/** Deletes keys (each once, however often given); a key not there fails the delete unless `force`. */
export function deleteKeys(
  engine: KvContext,
  site: string,
  namespace: string,
  keys: readonly string[],
  options: { force: boolean; region?: string },
): DeleteResult {
  const ifMissing = options.force ? "skip" : "fail";
  const mutations = [...new Set(keys)].map((key): Mutation => ({ kind: "delete", key, ifMissing }));
  const { outcomes } = write(engine, { site, namespace, mutations, region: options.region, invalid: "throw" });
  const written = outcomes.filter((o) => o.version !== undefined).map((o) => o.version!);
  return {
    deleted: outcomes.filter((o) => o.outcome === "deleted").map((o) => o.key),
    missing: outcomes.filter((o) => o.outcome === "missing").map((o) => o.key),
    // Versions are drawn in order: the last written is the newest.
    version: written.length ? formatVersion(written[written.length - 1]!) : null,
  };
}

/** An entry of a bulk put or an import: left alone when the key already holds it. */
export function bulkPut(entry: BulkEntry): PutMutation {
  return { kind: "put", ...entry, keepIfSame: true };
}

/** Writes a batch, each invalid entry failing alone (see Engine.putMany). */
export function putBulk(engine: KvContext, site: string, namespace: string, entries: readonly BulkEntry[], region: string | undefined): BulkOutcome[] {
  const { outcomes } = write(engine, { site, namespace, mutations: entries.map(bulkPut), region, invalid: "report" });
  return outcomes.map(({ key, outcome, version, error }): BulkOutcome => {
    if (error) return { key, outcome: "failed", error: { code: error.code, message: error.message } };
    return { key, outcome: outcome as BulkOutcome["outcome"], version: formatVersion(version!) };
  });
}

import type { BulkPutOptions, DeleteOptions, DeleteResult } from "../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../core/bulk.js";
import { errors, KvError } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import { outcomeErrors } from "../core/outcome-errors.js";
import { validateKey } from "../core/validate.js";
import {
  API_LIMITS,
  bulkDeleteBody,
  bulkEntryText,
  bulkPutBody,
  isBulkResults,
  isDeleteResult,
  outcomeFromWire,
  QUERY,
  type WireBulkResults,
  type WireDelete,
} from "../contract/index.js";
import { settled, split } from "./partial.js";
import { JSON_BODY, once } from "./request-headers.js";
import type { Transport } from "./transport.js";

/**
 * Deletes keys, all or nothing as on every target: the API removes at most a request's worth at
 * once (1,000 keys), so more than that are first checked with dry runs, and a missing key fails the
 * whole delete before anything is removed. A request that fails after others have removed their keys
 * (the target went away, a key vanished meanwhile) ends in PARTIALLY_APPLIED, saying which went.
 */
export async function deleteKeys(http: Transport, path: string, ns: string, keys: readonly string[], options: DeleteOptions): Promise<DeleteResult> {
  keys.forEach(validateKey);
  // A key given twice counts once, as in one transaction.
  const unique = [...new Set(keys)];
  const parts = split(
    unique.map((k) => JSON.stringify(k)),
    LIMITS.maxListLimit,
    API_LIMITS.maxJsonBody - 64,
  ).map(([from, to]) => unique.slice(from, to));
  const send = (part: string[], dryRun: boolean): Promise<DeleteResult> =>
    http
      .call({
        method: "POST",
        path,
        query: { [QUERY.region]: options.region },
        body: bulkDeleteBody(part, options.force, dryRun),
        headers: { ...JSON_BODY, ...(!dryRun && once()) },
        repeatable: true,
      })
      .then((res) => http.json<WireDelete>(res, isDeleteResult));
  if (parts.length === 0) return { deleted: [], missing: [], version: null };
  if (parts.length === 1) return send(parts[0]!, options.dryRun === true);
  const merged: DeleteResult = { deleted: [], missing: [], version: null };
  const add = (r: DeleteResult) => {
    merged.deleted.push(...r.deleted);
    merged.missing.push(...r.missing);
    merged.version = r.version ?? merged.version;
  };
  if (options.dryRun || !options.force) {
    for (const part of parts) add(await send(part, true));
    if (options.dryRun) return merged;
    if (merged.missing.length > 0) throw errors.keysNotFound(merged.missing, ns);
    merged.deleted = [];
  }
  for (const [i, part] of parts.entries()) {
    try {
      add(await send(part, false));
    } catch (e) {
      if (i === 0 || !(e instanceof KvError)) throw e;
      throw outcomeErrors.partiallyApplied({ action: "remove", namespace: ns, ...settled(parts, i, e), cause: e });
    }
  }
  return merged;
}

/**
 * Writes entries in requests the API takes (at most 1,000 entries and 2 MiB each), in order. Each
 * request is all or nothing; a request that fails after others were written ends in
 * PARTIALLY_APPLIED, saying which entries were written and which were not.
 */
export async function putEntries(http: Transport, path: string, ns: string, entries: readonly BulkEntry[], options: BulkPutOptions): Promise<BulkOutcome[]> {
  const wire = entries.map(bulkEntryText);
  const dryRun = options.dryRun === true;
  const parts = split(wire, API_LIMITS.maxBulkEntries, API_LIMITS.maxBulkBody - 64);
  const results: BulkOutcome[] = [];
  for (const [i, [from, to]] of parts.entries()) {
    let part: WireBulkResults;
    try {
      const res = await http.call({
        method: "POST",
        path,
        query: { [QUERY.region]: options.region },
        body: bulkPutBody(wire.slice(from, to), dryRun, options.ifAbsent === true),
        headers: { ...JSON_BODY, ...(!dryRun && once()) },
        repeatable: true,
      });
      part = http.json<WireBulkResults>(res, (doc) => isBulkResults(doc, to - from));
    } catch (e) {
      if (i === 0 || dryRun || !(e instanceof KvError)) throw e;
      const keys = parts.map(([a, b]) => entries.slice(a, b).map((entry) => entry.key));
      throw outcomeErrors.partiallyApplied({ action: "write", namespace: ns, ...settled(keys, i, e), cause: e });
    }
    results.push(...part.results.map(outcomeFromWire));
  }
  return results;
}

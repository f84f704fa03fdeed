import {
  API_LIMITS,
  BODIES,
  ENTRY_CONDITION,
  entryConditionFromWire,
  QUERY,
  outcomeToWire,
  type BulkDeleteBody,
  type BulkPutBody,
} from "../../contract/index.js";
import { parseWireEntry, type BulkEntry, type BulkOutcome } from "../../core/bulk.js";
import { apiErrors } from "../../core/api-errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import { KvError } from "../../core/errors.js";
import { LIMITS } from "../../core/limits.js";
import { readObject } from "../http/body.js";
import type { Reply } from "../http/reply.js";
import type { Resource } from "../pipeline.js";

/** Many keys in one request: written, or removed, all in one transaction; a dry run says what would happen. */
export const bulk = {
  "POST bulkDelete": {
    action: "write",
    handle: async ({ req, token, kv, params, query, server }) => {
      const doc = (await readObject(req, API_LIMITS.maxJsonBody, BODIES["POST bulkDelete"])) as unknown as BulkDeleteBody;
      if (doc.keys.length > LIMITS.maxListLimit) throw apiErrors.tooManyKeys(LIMITS.maxListLimit, doc.keys.length);
      const run = async (): Promise<Reply> => ({
        status: 200,
        json: await kv.delete(params.ns!, doc.keys, { force: doc.force === true, dryRun: doc.dryRun === true, region: query.get(QUERY.region) ?? undefined }),
      });
      return doc.dryRun === true ? run() : server.idempotent(req, token, { alone: run });
    },
  },

  "POST bulkPut": {
    action: "write",
    handle: async ({ req, token, kv, params, query, server }) => {
      const doc = (await readObject(req, API_LIMITS.maxBulkBody, BODIES["POST bulkPut"])) as unknown as BulkPutBody;
      if (doc.entries.length > API_LIMITS.maxBulkEntries) {
        throw apiErrors.tooManyEntries(API_LIMITS.maxBulkEntries, doc.entries.length);
      }
      const { results, valid } = parseEntries(doc.entries);
      const run = async (): Promise<Reply> => {
        const written = await kv.bulkPut(params.ns!, valid, {
          dryRun: doc.dryRun === true,
          ifAbsent: doc.ifAbsent === true,
          region: query.get(QUERY.region) ?? undefined,
        });
        let next = 0;
        return { status: 200, json: { results: results.map((r) => r ?? outcomeToWire(written[next++]!)) } };
      };
      return doc.dryRun === true ? run() : server.idempotent(req, token, { alone: run });
    },
  },
} satisfies Resource;

/** An entry, with its own condition (`only_if`) when it has one. */
function withCondition(raw: unknown): BulkEntry {
  if (raw === null || typeof raw !== "object" || !Object.hasOwn(raw, ENTRY_CONDITION)) return parseWireEntry(raw);
  const { [ENTRY_CONDITION]: condition, ...rest } = raw as Record<string, unknown>;
  return { ...parseWireEntry(rest), onlyIf: entryConditionFromWire(condition) };
}

/**
 * Entries that do not parse fail one by one (their place in `results` holds the failure); the others
 * are still written. A batch with a condition on any entry is all or nothing: one that does not
 * parse fails the request, named.
 */
function parseEntries(entries: readonly unknown[]): { results: (BulkOutcome | undefined)[]; valid: BulkEntry[] } {
  const results: (BulkOutcome | undefined)[] = [];
  const valid: BulkEntry[] = [];
  const conditional = entries.some((raw) => raw !== null && typeof raw === "object" && Object.hasOwn(raw, ENTRY_CONDITION));
  entries.forEach((raw, index) => {
    try {
      valid.push(withCondition(raw));
      results.push(undefined);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      const key = typeof (raw as { key?: unknown })?.key === "string" ? (raw as { key: string }).key : "";
      if (conditional) throw conditionErrors.batchEntryInvalid(index, key, e);
      results.push({ key, outcome: "failed", error: { code: e.code, message: e.message } });
    }
  });
  return { results, valid };
}

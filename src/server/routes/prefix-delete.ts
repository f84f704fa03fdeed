import { API_LIMITS, BODIES, QUERY, type DeletePrefixBody, type WirePrefixDeleted } from "../../contract/index.js";
import { readObject } from "../http/body.js";
import type { Resource } from "../pipeline.js";

/**
 * The keys under a prefix, removed a step at a time: each request one step (its own transaction,
 * sized to hold the write lock briefly), from the cursor the step before answered. A removal of a
 * million keys is many short requests, so other requests are answered between them.
 */
export const prefixDelete = {
  "POST deletePrefix": {
    action: "write",
    handle: async ({ req, token, kv, params, query, server }) => {
      const doc = (await readObject(req, API_LIMITS.maxJsonBody, BODIES["POST deletePrefix"])) as unknown as DeletePrefixBody;
      const options = { cursor: doc.cursor ?? null, region: query.get(QUERY.region) ?? undefined, dryRun: doc.dryRun === true };
      const run = async () => ({ status: 200, json: (await kv.deletePrefix(params.ns!, doc.prefix, options)) satisfies WirePrefixDeleted });
      // A dry run changes nothing, so its answer is not kept for a retry (as bulk.ts's dry runs).
      return options.dryRun ? run() : server.idempotent(req, token, { alone: run });
    },
  },
} satisfies Resource;

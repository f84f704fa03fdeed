import { QUERY, listPageToWire } from "../../contract/index.js";
import { LIMITS } from "../../core/limits.js";
import { parseLimit } from "../../core/validate.js";
import { consistencyOf } from "../params.js";
import type { Resource } from "../pipeline.js";

/** A namespace's keys, a page at a time. */
export const keys = {
  "GET keys": {
    action: "read",
    handle: async ({ kv, params, query }) => {
      const page = await kv.list(params.ns!, {
        prefix: query.get(QUERY.prefix) ?? "",
        cursor: query.get(QUERY.cursor),
        limit: parseLimit(query.get(QUERY.limit) ?? String(LIMITS.maxListLimit)),
        region: query.get(QUERY.region) ?? undefined,
        consistency: consistencyOf(query),
      });
      return { status: 200, json: listPageToWire(page) };
    },
  },
} satisfies Resource;

import { API_LIMITS, BODIES, HEADERS, QUERY, type CounterBody, type WireCounter } from "../../contract/index.js";
import { parseIncrement } from "../../core/int64.js";
import { headerOf, readObject, sendsBody } from "../http/body.js";
import { keyOf } from "../params.js";
import type { Resource } from "../pipeline.js";

/**
 * A counter: an increment added at home, in the group commit as a value's PUT is, and answered with
 * the counter's new value. The body may be left out, with its Content-Type (an increment of 1 that
 * sets no expiry); a body declared JSON must be a JSON object.
 */
export const counters = {
  "POST counter": {
    action: "write",
    handle: async ({ req, token, kv, params, query, server }) => {
      const key = keyOf(req);
      const doc =
        sendsBody(req) || headerOf(req, HEADERS.contentType) !== undefined
          ? ((await readObject(req, API_LIMITS.maxJsonBody, BODIES["POST counter"])) as CounterBody)
          : {};
      const options = {
        region: query.get(QUERY.region) ?? undefined,
        ...(doc.by !== undefined && { by: parseIncrement(doc.by, '"by"') }),
        ...(doc.ttl !== undefined && { ttlSeconds: doc.ttl }),
      };
      return server.idempotent(req, token, {
        grouped: () => {
          const { value, version, region } = kv.incrNow(params.ns!, key, options);
          return { status: 200, json: { value, version, region } satisfies WireCounter };
        },
        aborted: (error) => kv.failed("incr", params.ns!, [key], options.region, error),
      });
    },
  },
} satisfies Resource;

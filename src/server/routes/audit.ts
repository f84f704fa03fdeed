import { QUERY, auditEntryToWire } from "../../contract/index.js";
import { parseLimit } from "../../core/validate.js";
import { millisecondsParam } from "../params.js";
import type { Resource } from "../pipeline.js";

/** The site's audit log, filtered by key, actor and time. */
export const audit = {
  "GET audit": {
    action: "admin",
    handle: async ({ kv, query }) => {
      const since = query.get(QUERY.since);
      const within = query.get(QUERY.withinMs);
      const limit = query.get(QUERY.limit);
      const entries = await kv.audit({
        key: query.get(QUERY.key) ?? undefined,
        actor: query.get(QUERY.actor) ?? undefined,
        since: since === null ? undefined : millisecondsParam(QUERY.since, since, "epoch milliseconds"),
        withinMs: within === null ? undefined : millisecondsParam(QUERY.withinMs, within, "milliseconds"),
        limit: limit === null ? undefined : parseLimit(limit),
      });
      return { status: 200, json: { entries: entries.map(auditEntryToWire) } };
    },
  },
} satisfies Resource;

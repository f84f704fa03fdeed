import { parseDuration } from "../../core/duration.js";
import { errors } from "../../core/errors.js";
import { isoOrNull } from "../../terminal/format.js";
import type { Handler } from "../context.js";

interface AuditOptions {
  key?: string;
  since?: string;
  actor?: string;
  limit: string;
}

export const audit: Handler<AuditOptions> = async (ctx, _args, opts) => {
  const backend = await ctx.backend();
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw errors.usage(`--limit must be a whole number from 1 to 1000, not "${opts.limit}".`);
  // Measured back from the target's own clock (the emulator's may be manual), not this machine's.
  const withinMs = opts.since === undefined ? undefined : parseDuration(opts.since, "--since");
  const entries = await backend.audit({ key: opts.key, actor: opts.actor, withinMs, limit });
  if (ctx.out.json) return ctx.out.printJson({ entries: entries.map((e) => ({ ...e, t: isoOrNull(e.t) })) });
  if (entries.length === 0) return ctx.out.note("No audit records match.");
  // count: identical reads within one flush of the log are one record, timed at the first.
  if (ctx.out.stdoutIsTTY)
    await ctx.out.table(
      ["time", "actor", "action", "namespace", "key", "region", "outcome", "count"],
      entries.map((e) => [isoOrNull(e.t)!, e.actor, e.action, e.namespace, e.key ?? "", e.region, e.outcome, String(e.count)]),
    );
  else for (const e of entries) await ctx.out.row([isoOrNull(e.t)!, e.actor, e.action, e.namespace, e.key ?? "", e.region, e.outcome, String(e.count)]);
  if (entries.length === limit)
    ctx.out.warn(
      `Showing the newest ${limit === 1 ? "record" : `${limit} records`}; there may be more. Narrow with --since, --key or --actor, or raise --limit (at most 1000).`,
    );
};

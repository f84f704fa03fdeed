import { parseDuration } from "../../core/duration.js";
import { errors } from "../../core/errors.js";
import { isTier, TIER_NAMES } from "../../core/tiers.js";
import type { Handler } from "../context.js";

interface SiteOptions {
  tier?: string;
  auditRetention?: string;
}

export const site: Handler<SiteOptions> = async (ctx, _args, opts) => {
  const backend = await ctx.backend();
  if (opts.tier !== undefined && !isTier(opts.tier)) throw errors.usage(`There is no tier "${opts.tier}".`, `Tiers: ${TIER_NAMES.join(", ")}.`);
  const days = opts.auditRetention === undefined ? undefined : parseDuration(opts.auditRetention, "--audit-retention", "d") / 86_400_000;
  if (days !== undefined && !Number.isInteger(days)) throw errors.usage("--audit-retention is a whole number of days, for example 30d.");
  const info =
    opts.tier !== undefined || days !== undefined ? await backend.updateSite({ tier: opts.tier as never, auditRetentionDays: days }) : await backend.usage();
  if (ctx.out.json) return ctx.out.printJson({ site: info.site, tier: info.tier, auditRetentionDays: info.auditRetentionDays });
  await ctx.out.line(`site ${info.site}: ${info.tier} tier, audit records kept ${info.auditRetentionDays} days`);
};

import { formatDuration } from "../../core/duration.js";
import type { RegionViewJson } from "../../core/emulator-views.js";
import { validateKey } from "../../core/validate.js";
import type { Handler } from "../context.js";
import { summarize } from "../../terminal/format.js";

export const run: Handler<{ namespace: string }> = async (ctx, args, opts) => {
  const key = args.key as string;
  validateKey(key);
  const view = await (await ctx.emulatorControls()).inspect(opts.namespace, key);
  if (ctx.out.json) return ctx.out.printJson(view);
  if (view.homeVersion === null) ctx.out.note(`"${key}" has never been written in ${opts.namespace}.`);
  const now = Date.parse(view.now);
  await ctx.out.table(
    ["region", "serves", "version", "value", "behind home", "newest write visible"],
    view.regions.map((r) => [
      r.region,
      r.unavailable ? "unavailable (partitioned)" : r.version === null ? "nothing" : r.live ? "value" : r.value === null ? "deleted" : "expired",
      r.version ?? "",
      r.live && r.value !== null ? summarize(r.value, 32) : "",
      r.behindHome ? "yes" : "no",
      view.homeVersion === null ? "" : visibility(r, now),
    ]),
  );
};

/**
 * When home's newest version is served here: the wording follows behindHome and heldBy, never
 * contradicts them. A region behind home with no time and no fault keeps a cached copy until an
 * invalidation that will not come.
 */
function visibility(r: RegionViewJson, now: number): string {
  if (!r.behindHome) return "yes";
  if (r.heldBy) return `held by a ${r.heldBy}`;
  if (r.visibleAt === null) return "not until invalidated";
  return `in ${formatDuration(Math.max(0, Date.parse(r.visibleAt) - now))}`;
}

import { formatDuration } from "../../core/duration.js";
import { validateKey } from "../../core/validate.js";
import type { Handler } from "../context.js";
import { isoOrNull, summarize } from "../../terminal/format.js";
import type { RegionView } from "../../emulator/index.js";

export const run: Handler<{ namespace: string }> = async (ctx, args, opts) => {
  const key = args.key as string;
  validateKey(key);
  const emulator = await ctx.emulator();
  const view = emulator.control().inspect(emulator.target.site, opts.namespace, key);
  if (ctx.out.json) {
    return ctx.out.printJson({
      key: view.key,
      namespace: opts.namespace,
      now: isoOrNull(view.now),
      homeVersion: view.home,
      regions: view.regions.map((r) => ({
        ...r,
        expiresAt: isoOrNull(r.expiresAt),
        visibleAt: r.visibleAt === null || r.visibleAt === Infinity ? null : isoOrNull(r.visibleAt),
        held: r.heldBy !== null,
      })),
    });
  }
  if (view.home === null) ctx.out.note(`"${key}" has never been written in ${opts.namespace}.`);
  await ctx.out.table(
    ["region", "serves", "version", "value", "behind home", "newest write visible"],
    view.regions.map((r) => [
      r.region,
      r.unavailable ? "unavailable (partitioned)" : r.version === null ? "nothing" : r.live ? "value" : r.value === null ? "deleted" : "expired",
      r.version ?? "",
      r.live && r.value !== null ? summarize(r.value, 32) : "",
      r.behindHome ? "yes" : "no",
      visibility(r, view.now),
    ]),
  );
};

/** When home's newest version is served here: the wording follows behindHome and heldBy, never contradicts them. */
function visibility(r: RegionView, now: number): string {
  if (r.visibleAt === null) return "";
  if (!r.behindHome) return "yes";
  if (r.heldBy) return `held by a ${r.heldBy}`;
  if (r.visibleAt === Infinity) return "not until invalidated";
  return `in ${formatDuration(Math.max(0, r.visibleAt - now))}`;
}

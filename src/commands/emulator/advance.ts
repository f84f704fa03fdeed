import { formatDuration, parseDuration } from "../../core/duration.js";
import { isoOrNull } from "../../terminal/format.js";
import type { Handler } from "../context.js";

/** `kv emulator advance <duration>`: moves the manual clock. */
export const advance: Handler = async (ctx, args) => {
  const ms = parseDuration(args.duration as string, "duration", "ms");
  const now = (await ctx.emulator()).control().advance(ms);
  if (ctx.out.json) return ctx.out.printJson({ mode: "manual", now: isoOrNull(now), advancedMs: ms });
  ctx.out.success(`Advanced ${formatDuration(ms)}; emulated time is ${isoOrNull(now)}.`);
};

import { formatDuration, parseDuration } from "../../core/duration.js";
import { emulatorErrors } from "../../core/emulator-errors.js";
import type { Handler } from "../context.js";

/** `kv emulator advance <duration>`: moves the manual clock. */
export const advance: Handler = async (ctx, args) => {
  const text = args.duration as string;
  if (/^\s*-/.test(text)) throw emulatorErrors.clockBackwards(text);
  const ms = parseDuration(text, "The time to advance by", "ms");
  const result = await (await ctx.emulatorControls()).advance(ms);
  if (ctx.out.json) return ctx.out.printJson(result);
  ctx.out.success(`Advanced ${formatDuration(ms)}; emulated time is ${result.now}.`);
};

import { formatDuration } from "../../core/duration.js";
import { errors } from "../../core/errors.js";
import { isoOrNull } from "../../terminal/format.js";
import type { Handler } from "../context.js";

/** `kv emulator clock manual|real`. */
export const clock: Handler = async (ctx, args) => {
  const mode = args.mode as string;
  if (mode !== "manual" && mode !== "real") throw errors.usage(`The clock is "manual" or "real", not "${mode}".`);
  const result = (await ctx.emulator()).control().setClock(mode);
  if (ctx.out.json) return ctx.out.printJson({ mode: result.mode, now: isoOrNull(result.now), offsetMs: result.offsetMs });
  if (mode === "manual")
    ctx.out.success(`The emulator's clock is manual, stopped at ${isoOrNull(result.now)}. Move it with: yourspace kv emulator advance <duration>`);
  else if (result.offsetMs === 0) ctx.out.success("The emulator's clock follows real time.");
  else {
    // Emulated time never goes back: it resumes from where the manual clock stood.
    ctx.out.success(
      `The emulator's clock runs in real time again, from ${isoOrNull(result.now)}: ${formatDuration(result.offsetMs)} ahead of the system clock, where the manual clock had moved it.`,
    );
  }
};

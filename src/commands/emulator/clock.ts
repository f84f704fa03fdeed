import { formatDuration } from "../../core/duration.js";
import { emulatorErrors } from "../../core/emulator-errors.js";
import type { Handler } from "../context.js";

/** `kv emulator clock manual|real`. */
export const clock: Handler = async (ctx, args) => {
  const mode = args.mode as string;
  if (mode !== "manual" && mode !== "real") throw emulatorErrors.clockModeUnknown(mode);
  const result = await (await ctx.emulatorControls()).setClock(mode);
  if (ctx.out.json) return ctx.out.printJson(result);
  if (mode === "manual") ctx.out.success(`The emulator's clock is manual, stopped at ${result.now}. Move it with: yourspace kv emulator advance <duration>`);
  else if (result.offsetMs === 0) ctx.out.success("The emulator's clock follows real time.");
  else {
    // Emulated time never goes back: it resumes from where the manual clock stood.
    ctx.out.success(
      `The emulator's clock runs in real time again, from ${result.now}: ${formatDuration(result.offsetMs)} ahead of the system clock, where the manual clock had moved it.`,
    );
  }
};

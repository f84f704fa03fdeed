import type { FaultCommand } from "../../core/emulator-views.js";
import type { Handler } from "../context.js";

const FAULT_WORDS: Record<FaultCommand, [done: string, noop: string]> = {
  partition: ["is cut off from home: writes there fail, eventual reads serve its stale copy", "was already partitioned"],
  heal: ["can reach home again; held writes arrive within Δ", "was not partitioned"],
  pause: ["stops receiving writes from home (it still serves reads and accepts writes)", "was already paused"],
  resume: ["receives writes from home again; held writes arrive within Δ", "was not paused"],
};

/** `kv emulator partition|heal|pause|resume <region>`. */
export function fault(command: FaultCommand): Handler {
  return async (ctx, args) => {
    const region = args.region as string;
    const result = await (await ctx.emulatorControls()).fault(command, region);
    if (ctx.out.json) return ctx.out.printJson(result);
    const { changed } = result;
    const [done, noop] = FAULT_WORDS[command];
    if (changed) ctx.out.success(`${region} ${done}.`);
    else ctx.out.note(`${region} ${noop}; nothing changed.`);
  };
}

import { formatDuration } from "../../core/duration.js";
import type { Handler } from "../context.js";
import { describeModel } from "./model-text.js";

/** `kv emulator status`: the model, the clock, and each region's link and lag. */
export const status: Handler = async (ctx) => {
  const s = await (await ctx.emulatorControls()).status();
  if (ctx.out.json) return ctx.out.printJson(s);
  await ctx.out.line(describeModel(s));
  const ahead = s.clock.mode === "real" && s.clock.offsetMs > 0 ? ` (${formatDuration(s.clock.offsetMs)} ahead of the system clock)` : "";
  const recording = s.recording
    ? ` · recording to ${s.recording}`
    : s.recordingStopped
      ? ` · recording to ${s.recordingStopped.path} stopped at ${s.recordingStopped.at}: ${s.recordingStopped.reason}`
      : "";
  await ctx.out.line(`clock: ${s.clock.mode}, ${s.clock.now}${ahead}${recording}`);
  const now = Date.parse(s.clock.now);
  await ctx.out.table(
    ["region", "role", "link", "pending", "lag", "caught up"],
    s.regions.map((r) => [
      r.region,
      r.role,
      r.role === "home" ? "" : r.partitioned ? "partitioned" : r.paused ? "paused" : "ok",
      String(r.pending),
      r.pending ? formatDuration(r.lagMs) : "",
      r.held ? "held by fault" : r.caughtUpAt === null ? "yes" : `in ${formatDuration(Date.parse(r.caughtUpAt) - now)}`,
    ]),
  );
};

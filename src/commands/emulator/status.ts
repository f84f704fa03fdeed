import { formatDuration } from "../../core/duration.js";
import { isoOrNull } from "../../terminal/format.js";
import type { Handler } from "../context.js";
import { describeModel, finite, modelJson } from "./model-text.js";

/** `kv emulator status`: the model, the clock, and each region's link and lag. */
export const status: Handler = async (ctx) => {
  const s = (await ctx.emulator()).control().status();
  if (ctx.out.json) {
    return ctx.out.printJson({
      ...modelJson(s.model),
      deltaMs: finite(s.deltaMs),
      clock: { mode: s.clock.mode, now: isoOrNull(s.clock.now), offsetMs: s.clock.offsetMs },
      recording: s.recording,
      recordingStopped: s.recordingStopped && { ...s.recordingStopped, at: isoOrNull(s.recordingStopped.at) },
      regions: s.regions.map((r) => ({
        ...r,
        caughtUpAt: r.caughtUpAt === null || r.caughtUpAt === Infinity ? null : isoOrNull(r.caughtUpAt),
        held: r.caughtUpAt === Infinity,
      })),
    });
  }
  await ctx.out.line(describeModel(s.model));
  const ahead = s.clock.mode === "real" && s.clock.offsetMs > 0 ? ` (${formatDuration(s.clock.offsetMs)} ahead of the system clock)` : "";
  const recording = s.recording
    ? ` · recording to ${s.recording}`
    : s.recordingStopped
      ? ` · recording to ${s.recordingStopped.path} stopped at ${isoOrNull(s.recordingStopped.at)}: ${s.recordingStopped.reason}`
      : "";
  await ctx.out.line(`clock: ${s.clock.mode}, ${isoOrNull(s.clock.now)}${ahead}${recording}`);
  await ctx.out.table(
    ["region", "role", "link", "pending", "lag", "caught up"],
    s.regions.map((r) => [
      r.region,
      r.role,
      r.role === "home" ? "" : r.partitioned ? "partitioned" : r.paused ? "paused" : "ok",
      String(r.pending),
      r.pending ? formatDuration(r.lagMs) : "",
      r.caughtUpAt === null ? "yes" : r.caughtUpAt === Infinity ? "held by fault" : `in ${formatDuration(r.caughtUpAt - s.clock.now)}`,
    ]),
  );
};

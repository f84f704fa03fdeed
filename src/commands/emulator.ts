import { resolve } from "node:path";
import { formatDuration, parseDuration } from "../core/duration.js";
import { errors } from "../core/errors.js";
import type { ConfigChange, FaultCommand, ModelParams } from "../emulator/index.js";
import type { Context, Handler } from "./context.js";
import { isoOrNull } from "../terminal/format.js";

const REGION_ID = /^[a-z][a-z0-9-]{0,15}$/;

interface ConfigOptions {
  profile?: string;
  regions?: string;
  delay?: string;
  jitter?: string;
  cacheTtl?: string;
  seed?: string;
}

export const config: Handler<ConfigOptions> = async (ctx, _args, opts) => {
  const change: ConfigChange = {};
  if (opts.profile !== undefined) change.profile = opts.profile;
  if (opts.regions !== undefined) Object.assign(change, parseRegions(opts.regions));
  if (opts.delay !== undefined) change.delayMs = parseDuration(opts.delay, "--delay", "ms");
  if (opts.jitter !== undefined) change.jitterMs = parseDuration(opts.jitter, "--jitter", "ms");
  if (opts.cacheTtl !== undefined) change.cacheTtlMs = parseDuration(opts.cacheTtl, "--cache-ttl", "s");
  if (opts.seed !== undefined) {
    if (!/^\d{1,9}$/.test(opts.seed)) throw errors.usage(`--seed "${opts.seed}" is not a whole number.`);
    change.seed = Number(opts.seed);
  }
  const control = (await ctx.emulator()).control();
  const model = Object.keys(change).length > 0 ? control.configure(change) : control.status().model;
  if (ctx.out.json) return ctx.out.printJson(modelJson(model));
  if (Object.keys(change).length > 0) ctx.out.success("Emulator configured.");
  await ctx.out.line(describeModel(model));
};

/** `iad*,fra,sin`: the starred region is home (the first one when none is starred). */
export function parseRegions(text: string): { home: string; edges: string[] } {
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  const starred = names.filter((n) => n.endsWith("*"));
  if (starred.length > 1) throw errors.usage(`--regions marks ${starred.length} regions as home; mark exactly one with *.`);
  const plain = names.map((n) => n.replace(/\*$/, ""));
  for (const n of plain) if (!REGION_ID.test(n)) throw errors.usage(`"${n}" is not a region id.`, "Region ids are lower-case letters, digits and '-', for example iad, fra, sin.");
  if (new Set(plain).size !== plain.length) throw errors.usage("--regions names a region twice.");
  if (plain.length === 0) throw errors.usage("--regions names no region.", "For example: --regions iad*,fra,sin");
  const home = starred.length ? starred[0]!.replace(/\*$/, "") : plain[0]!;
  return { home, edges: plain.filter((n) => n !== home) };
}

export const clock: Handler = async (ctx, args) => {
  const mode = args.mode as string;
  if (mode !== "manual" && mode !== "real") throw errors.usage(`The clock is "manual" or "real", not "${mode}".`);
  const result = (await ctx.emulator()).control().setClock(mode);
  if (ctx.out.json) return ctx.out.printJson({ mode: result.mode, now: isoOrNull(result.now), offsetMs: result.offsetMs });
  if (mode === "manual") ctx.out.success(`The emulator's clock is manual, stopped at ${isoOrNull(result.now)}. Move it with: yourspace kv emulator advance <duration>`);
  else if (result.offsetMs === 0) ctx.out.success("The emulator's clock follows real time.");
  else {
    // Emulated time never goes back: it resumes from where the manual clock stood.
    ctx.out.success(`The emulator's clock runs in real time again, from ${isoOrNull(result.now)}: ${formatDuration(result.offsetMs)} ahead of the system clock, where the manual clock had moved it.`);
  }
};

export const advance: Handler = async (ctx, args) => {
  const ms = parseDuration(args.duration as string, "duration", "ms");
  const now = (await ctx.emulator()).control().advance(ms);
  if (ctx.out.json) return ctx.out.printJson({ mode: "manual", now: isoOrNull(now), advancedMs: ms });
  ctx.out.success(`Advanced ${formatDuration(ms)}; emulated time is ${isoOrNull(now)}.`);
};

export const settle: Handler = async (ctx) => {
  const control = (await ctx.emulator()).control();
  const settled = control.settle();
  const held = control.status().regions.filter((r) => r.role === "edge" && !settled.includes(r.region)).map((r) => r.region);
  if (ctx.out.json) return ctx.out.printJson({ settled, held });
  ctx.out.success(`Delivered every pending write to ${settled.length ? settled.join(", ") : "no region"}.`);
  if (held.length) ctx.out.warn(`Held back by a fault: ${held.join(", ")}. Heal or resume them to let their writes through.`);
};

const FAULT_WORDS: Record<FaultCommand, [done: string, noop: string]> = {
  partition: ["is cut off from home: writes there fail, eventual reads serve its stale copy", "was already partitioned"],
  heal: ["can reach home again; held writes arrive within Δ", "was not partitioned"],
  pause: ["stops receiving writes from home (it still serves reads and accepts writes)", "was already paused"],
  resume: ["receives writes from home again; held writes arrive within Δ", "was not paused"],
};

export function fault(command: FaultCommand): Handler {
  return async (ctx, args) => {
    const region = args.region as string;
    const changed = (await ctx.emulator()).control().fault(command, region);
    if (ctx.out.json) return ctx.out.printJson({ region, fault: command, changed });
    const [done, noop] = FAULT_WORDS[command];
    if (changed) ctx.out.success(`${region} ${done}.`);
    else ctx.out.note(`${region} ${noop}; nothing changed.`);
  };
}

export const record: Handler = async (ctx, args) => {
  const target = args.file as string;
  const path = target === "off" ? null : resolve(ctx.io.cwd, target);
  (await ctx.emulator()).control().record(path);
  if (ctx.out.json) return ctx.out.printJson({ recording: path });
  if (path) ctx.out.success(`Every process using this data directory now appends its operations to ${path}. Stop with: yourspace kv emulator record off`);
  else ctx.out.success("Recording stopped.");
};

export const status: Handler = async (ctx) => {
  const s = (await ctx.emulator()).control().status();
  if (ctx.out.json) {
    return ctx.out.printJson({
      ...modelJson(s.model),
      deltaMs: finite(s.deltaMs),
      clock: { mode: s.clock.mode, now: isoOrNull(s.clock.now), offsetMs: s.clock.offsetMs },
      recording: s.recording,
      recordingStopped: s.recordingStopped && { ...s.recordingStopped, at: isoOrNull(s.recordingStopped.at) },
      regions: s.regions.map((r) => ({ ...r, caughtUpAt: r.caughtUpAt === null || r.caughtUpAt === Infinity ? null : isoOrNull(r.caughtUpAt), held: r.caughtUpAt === Infinity })),
    });
  }
  await ctx.out.line(describeModel(s.model));
  const ahead = s.clock.mode === "real" && s.clock.offsetMs > 0 ? ` (${formatDuration(s.clock.offsetMs)} ahead of the system clock)` : "";
  const recording = s.recording ? ` · recording to ${s.recording}` : s.recordingStopped ? ` · recording to ${s.recordingStopped.path} stopped at ${isoOrNull(s.recordingStopped.at)}: ${s.recordingStopped.reason}` : "";
  await ctx.out.line(`clock: ${s.clock.mode}, ${isoOrNull(s.clock.now)}${ahead}${recording}`);
  await table(
    ctx,
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

export function modelJson(m: ModelParams): Record<string, unknown> {
  return { ...m, cacheTtlMs: finite(m.cacheTtlMs), deltaMs: undefined };
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export function describeModel(m: ModelParams): string {
  const timing =
    m.edgeStore === "replica"
      ? `push after ${formatDuration(m.delayMs)} + up to ${formatDuration(m.jitterMs)} jitter`
      : `edge caches for ${Number.isFinite(m.cacheTtlMs) ? formatDuration(m.cacheTtlMs) : "ever"}${m.propagation === "invalidate" ? `, invalidated after ${formatDuration(m.delayMs)} + up to ${formatDuration(m.jitterMs)}` : ""}`;
  return `profile ${m.profile} · home ${m.home} · edges ${m.edges.join(", ") || "none"} · ${m.edgeStore}, ${timing}`;
}

export function table(ctx: Context, head: string[], rows: string[][]): Promise<void> {
  return ctx.out.table(head, rows);
}

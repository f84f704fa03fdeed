import { parseDuration } from "../../core/duration.js";
import { errors } from "../../core/errors.js";
import { modelJson } from "../../core/emulator-views.js";
import type { ConfigChange } from "../../emulator/index.js";
import type { Handler } from "../context.js";
import { describeModel } from "./model-text.js";

const REGION_ID = /^[a-z][a-z0-9-]{0,15}$/;

interface ConfigOptions {
  profile?: string;
  regions?: string;
  delay?: string;
  jitter?: string;
  cacheTtl?: string;
  seed?: string;
}

/** `kv emulator config`: shows the consistency model, or changes it. */
export const config: Handler<ConfigOptions> = async (ctx, _args, opts) => {
  const change: ConfigChange = {};
  if (opts.profile !== undefined) change.profile = opts.profile;
  if (opts.regions !== undefined) Object.assign(change, parseRegions(opts.regions));
  if (opts.delay !== undefined) change.delayMs = parseDuration(opts.delay, "--delay", "ms");
  if (opts.jitter !== undefined) change.jitterMs = parseDuration(opts.jitter, "--jitter", "ms");
  if (opts.cacheTtl !== undefined) change.cacheTtlMs = parseDuration(opts.cacheTtl, "--cache-ttl", "s");
  if (opts.seed !== undefined) {
    if (!/^\d{1,9}$/.test(opts.seed)) throw errors.usage(`--seed "${opts.seed}" is not a whole number from 0 to 999,999,999.`, "For example: --seed 42");
    change.seed = Number(opts.seed);
  }
  const control = (await ctx.emulator()).control();
  const model = modelJson(Object.keys(change).length > 0 ? control.configure(change) : control.status().model);
  if (ctx.out.json) return ctx.out.printJson(model);
  if (Object.keys(change).length > 0) ctx.out.success("Emulator configured.");
  await ctx.out.line(describeModel(model));
};

/** `iad*,fra,sin`: the starred region is home (the first one when none is starred). */
function parseRegions(text: string): { home: string; edges: string[] } {
  const names = text.split(",").map((s) => s.trim());
  if (names.includes("")) throw errors.usage(`--regions "${text}" has an empty name (a comma too many).`, "For example: --regions iad*,fra,sin");
  const starred = names.filter((n) => n.endsWith("*"));
  if (starred.length > 1) throw errors.usage(`--regions marks ${starred.length} regions as home; mark exactly one with *.`);
  const plain = names.map((n) => n.replace(/\*$/, ""));
  for (const n of plain)
    if (!REGION_ID.test(n)) throw errors.usage(`"${n}" is not a region id.`, "Region ids are lower-case letters, digits and '-', for example iad, fra, sin.");
  if (new Set(plain).size !== plain.length) throw errors.usage("--regions names a region twice.");
  if (plain.length === 0) throw errors.usage("--regions names no region.", "For example: --regions iad*,fra,sin");
  const home = starred.length ? starred[0]!.replace(/\*$/, "") : plain[0]!;
  return { home, edges: plain.filter((n) => n !== home) };
}

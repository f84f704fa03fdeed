import type { Backend, PrefixDeleteStep } from "../../core/backend.js";
import { isVersionText } from "../../core/condition.js";
import { errors, KvError } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import { outcomeErrors } from "../../core/outcome-errors.js";
import { LIMITS } from "../../core/limits.js";
import type { Context, Handler } from "../context.js";
import { throwIfStopped, type StopSignal } from "../interruption.js";
import { commandLine, namespaceFlag } from "../../terminal/shell.js";
import { noProgress, startProgress } from "../../terminal/progress.js";
import { formatNumber as n } from "../../core/numbers.js";

interface RmOptions {
  namespace: string;
  prefix?: string;
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  region?: string;
  ifVersion?: string;
}

export const run: Handler<RmOptions> = async (ctx, args, opts) => {
  const keys = (args.keys as string[] | undefined) ?? [];
  if (keys.length > 0 && opts.prefix !== undefined) throw errors.usage("Give either keys or --prefix, not both.");
  if (keys.length === 0 && opts.prefix === undefined) throw errors.usage("Name the keys to remove, or use --prefix <prefix>.");
  if (opts.ifVersion !== undefined) checkConditional(keys, opts);
  const backend = await ctx.backend();
  const ns = opts.namespace;
  const region = opts.region ?? ctx.io.env.YOURSPACE_REGION;

  if (opts.ifVersion !== undefined) {
    const result = await backend.delete(ns, keys, { force: false, region, onlyIf: { version: opts.ifVersion } });
    return report(ctx, ns, result.deleted, result.missing, false);
  }

  if (opts.prefix === undefined) {
    if (opts.dryRun) {
      // The target's dry run lists what is missing whatever force says; the answer here is the real
      // run's: without --force, a missing key refuses the whole removal.
      const plan = await backend.delete(ns, keys, { force: true, dryRun: true, region });
      if (!opts.force && plan.missing.length > 0) throw errors.keysNotFound(plan.missing, ns);
      return report(ctx, ns, plan.deleted, plan.missing, true);
    }
    const result = await backend.delete(ns, keys, { force: opts.force === true, region });
    return report(ctx, ns, result.deleted, result.missing, false);
  }

  return removePrefix(ctx, backend, ns, opts.prefix, { ...opts, region });
};

/**
 * Every key under a prefix: counted first (a page of keys at a time, none kept), then removed by the
 * target a bounded step at a time, each step atomic and short (Backend.deletePrefix), so a signal
 * stops it between steps and other processes keep reading and writing meanwhile.
 */
async function removePrefix(ctx: Context, backend: Backend, ns: string, prefix: string, opts: RmOptions & { region?: string }): Promise<void> {
  ctx.stopsBetweenSteps();
  const region = opts.region;
  const again = `Run the same command again to remove the rest: ${commandLine("yourspace", "kv", "rm", namespaceFlag(ns), "--prefix", prefix, "--yes")}`;
  const stoppedAfter = (removed: number, of: number | null) => (by: StopSignal) =>
    errors.interrupted(by, `Interrupted by ${by} after removing ${n(removed)}${of === null ? "" : ` of ${n(of)}`} keys under "${prefix}" from ${ns}.`, again);
  const nothingRemoved = (by: StopSignal) =>
    errors.interrupted(by, `Interrupted by ${by} before removing anything under "${prefix}" from ${ns}.`, "Nothing was removed.");
  // The count is for a person: to confirm, for a dry run, for the progress line. With --yes and no
  // line to draw nobody sees it, and at a million keys it costs a third of the removal's CPU.
  const counts = !opts.yes || opts.dryRun === true || (ctx.out.stderrIsTTY && !ctx.out.json && !ctx.out.quiet);
  let counted: number | null = null;
  try {
    // A dry run prints each page's keys as it comes (not under --json, which reports the count).
    const show = opts.dryRun && !ctx.out.json ? (key: string) => ctx.out.key(key) : undefined;
    // The target first makes the checks the removal would (the region's link to home, the token's
    // access), so a dry run, or a question, never promises a removal that would be refused.
    if (counts) await backend.deletePrefix(ns, prefix, { cursor: null, region, dryRun: true });
    if (counts) counted = await countUnder(backend, ns, prefix, show);
    if (opts.dryRun || counted === 0) return await reportPrefix(ctx, ns, prefix, counted ?? 0, opts.dryRun === true);
    if (!opts.yes && counted !== null) {
      const what = `remove ${counted} ${counted === 1 ? "key" : "keys"} under "${prefix}" from namespace ${ns}`;
      if (!ctx.interactive) throw errors.confirmationRequired(what, "Pass --yes to confirm, or --dry-run to list what would be removed.");
      if (!(await ctx.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?`))) throw errors.cancelled();
    }
  } catch (e) {
    // Stopped while counting or asking: nothing was removed.
    throwIfStopped(ctx.signal, nothingRemoved);
    throw e;
  }
  // Keys written under the prefix after the count are removed too: the goal is that none are left.
  let removed = 0;
  let cursor: string | null = null;
  const progress = counted === null ? noProgress : startProgress(ctx, "Removing", counted);
  const of = () => (counted === null ? null : Math.max(counted, removed));
  do {
    throwIfStopped(ctx.signal, removed === 0 ? nothingRemoved : stoppedAfter(removed, of()));
    let step: PrefixDeleteStep;
    try {
      step = await backend.deletePrefix(ns, prefix, { cursor, region });
    } catch (e) {
      progress.clear();
      if (removed === 0 || !(e instanceof KvError)) throw e;
      throw outcomeErrors.prefixPartlyRemoved({ namespace: ns, prefix, removed, counted: of(), cause: e });
    }
    removed += step.removed;
    progress.advance(step.removed);
    cursor = step.cursor;
  } while (cursor !== null);
  progress.clear();
  return reportPrefix(ctx, ns, prefix, removed, false);
}

/** A removal with --if-version: one key, decided at home; nothing that would change what it means. */
function checkConditional(keys: string[], opts: RmOptions): void {
  if (opts.prefix !== undefined || keys.length !== 1)
    throw errors.usage(
      `--if-version applies to one key; this removal names ${opts.prefix !== undefined ? "a prefix" : `${keys.length} keys`}.`,
      "Remove the key with --if-version on its own, or remove the keys without it.",
    );
  if (opts.dryRun) throw errors.usage("--if-version cannot be a dry run: home decides the condition when it removes the key.", "Leave out --dry-run.");
  if (opts.force)
    throw errors.usage(
      "--if-version and --force cannot be given together: a key at a version exists, and a missing one fails the condition.",
      "Leave out --force.",
    );
  if (!isVersionText(opts.ifVersion!)) throw conditionErrors.versionInvalid(opts.ifVersion!);
}

/** How many live keys are under a prefix, read a page at a time and not kept; `show` is given each key as its page comes. */
async function countUnder(backend: Backend, ns: string, prefix: string, show?: (key: string) => Promise<void>): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await backend.list(ns, { prefix, cursor, limit: LIMITS.maxListLimit });
    count += page.keys.length;
    if (show) for (const k of page.keys) await show(k.key);
    cursor = page.cursor;
  } while (cursor !== null);
  return count;
}

/** A prefix's removal (or dry run) reports a count, not the keys: there may be millions. */
async function reportPrefix(ctx: Context, ns: string, prefix: string, removed: number, dryRun: boolean): Promise<void> {
  if (ctx.out.json) {
    await ctx.out.printJson({ namespace: ns, prefix, dryRun, removed });
    return;
  }
  const count = `${n(removed)} ${removed === 1 ? "key" : "keys"}`;
  if (dryRun) ctx.out.note(`Would remove ${count} under "${prefix}" from ${ns} (dry run: nothing was changed).`);
  else ctx.out.success(`Removed ${count} under "${prefix}" from ${ns}.`);
}

async function report(ctx: Context, ns: string, removed: string[], missing: string[], dryRun: boolean): Promise<void> {
  if (ctx.out.json) {
    await ctx.out.printJson({ namespace: ns, dryRun, removed, missing });
    return;
  }
  const count = `${removed.length} ${removed.length === 1 ? "key" : "keys"}`;
  if (dryRun) {
    for (const k of removed) await ctx.out.key(k);
    ctx.out.note(`Would remove ${count} from ${ns} (dry run: nothing was changed).`);
  } else {
    ctx.out.success(`Removed ${count} from ${ns}.`);
  }
  if (missing.length > 0) ctx.out.warn(`Not found, ${dryRun ? "would be" : ""} skipped: ${missing.join(", ")}`.replace(",  ", ", "));
}

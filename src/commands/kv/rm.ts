import type { Backend } from "../../core/backend.js";
import { isVersionText } from "../../core/condition.js";
import { errors, KvError } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import { outcomeErrors } from "../../core/outcome-errors.js";
import { LIMITS } from "../../core/limits.js";
import type { Context, Handler } from "../context.js";
import { throwIfStopped, type StopSignal } from "../interruption.js";
import { commandLine, namespaceFlag } from "../../terminal/shell.js";
import { startProgress } from "../../terminal/progress.js";

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
      const found = await Promise.all(keys.map(async (k) => ((await backend.get(ns, k)).entry ? k : null)));
      const present = [...new Set(found.filter((k): k is string => k !== null))];
      const missing = [...new Set(keys.filter((k) => !present.includes(k)))];
      return report(ctx, ns, present, missing, true);
    }
    const result = await backend.delete(ns, keys, { force: opts.force === true, region });
    return report(ctx, ns, result.deleted, result.missing, false);
  }

  // A prefix is removed a page of keys at a time, each page atomic: a signal stops it between pages.
  ctx.stopsBetweenSteps();
  const prefix = opts.prefix;
  const again = `Run the same command again to remove the rest: ${commandLine("yourspace", "kv", "rm", namespaceFlag(ns), "--prefix", prefix, "--yes")}`;
  const stoppedAfter = (removed: number, of: number) => (by: StopSignal) =>
    errors.interrupted(
      by,
      `Interrupted by ${by} after removing ${removed.toLocaleString("en-US")} of ${of.toLocaleString("en-US")} keys under "${prefix}" from ${ns}.`,
      again,
    );
  const nothingRemoved = (by: StopSignal) =>
    errors.interrupted(by, `Interrupted by ${by} before removing anything under "${prefix}" from ${ns}.`, "Nothing was removed.");
  let matched: string[];
  try {
    matched = await keysUnder(backend, ns, prefix);
    if (opts.dryRun || matched.length === 0) return await report(ctx, ns, matched, [], opts.dryRun === true);
    if (!opts.yes) {
      const what = `remove ${matched.length} ${matched.length === 1 ? "key" : "keys"} under "${prefix}" from namespace ${ns}`;
      if (!ctx.interactive) throw errors.confirmationRequired(what, "Pass --yes to confirm, or --dry-run to list what would be removed.");
      if (!(await ctx.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?`))) throw errors.cancelled();
    }
  } catch (e) {
    // Stopped while listing or asking: nothing was removed.
    throwIfStopped(ctx.signal, nothingRemoved);
    throw e;
  }
  throwIfStopped(ctx.signal, nothingRemoved);
  // A page at a time, each page atomic, so a signal stops it between pages and no lock is held for
  // the whole prefix. A page that fails after others were removed is reported as such: the pages
  // before it went, it may or may not have, the ones after it did not.
  const removed: string[] = [];
  const progress = startProgress(ctx, "Removing", matched.length);
  for (let i = 0; i < matched.length; i += LIMITS.maxListLimit) {
    throwIfStopped(ctx.signal, stoppedAfter(removed.length, matched.length));
    const page = matched.slice(i, i + LIMITS.maxListLimit);
    try {
      // Keys that vanished since they were listed are not an error: the goal is that none are left.
      removed.push(...(await backend.delete(ns, page, { force: true, region })).deleted);
      progress.advance(page.length);
    } catch (e) {
      progress.clear();
      if (i === 0 || !(e instanceof KvError)) throw e;
      throw outcomeErrors.partiallyApplied({
        action: "remove",
        namespace: ns,
        done: removed,
        unknown: page,
        notDone: matched.slice(i + page.length),
        cause: e,
      });
    }
  }
  progress.clear();
  return report(ctx, ns, removed, [], false);
};

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

async function keysUnder(backend: Backend, ns: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await backend.list(ns, { prefix, cursor, limit: LIMITS.maxListLimit });
    for (const k of page.keys) keys.push(k.key);
    cursor = page.cursor;
  } while (cursor !== null);
  return keys;
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

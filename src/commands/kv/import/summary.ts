import { isUtf8 } from "node:buffer";
import { formatDuration } from "../../../core/duration.js";
import { errors, type KvError } from "../../../core/errors.js";
import { summarize } from "../../../terminal/format.js";
import type { Context } from "../../context.js";
import type { ImportFormat } from "./import-source.js";
import { formatNumber as n } from "../../../core/numbers.js";

/** An entry that is invalid, or that the target refused. */
export interface Problem {
  where: string;
  key: string | null;
  code: string;
  message: string;
}

/** What an import did, entry by entry. */
export interface Tally {
  created: number;
  updated: number;
  unchanged: number;
  /** Existing keys an import of absent keys only left alone. */
  skipped: number;
  deleted: number;
  failed: number;
}

/** Problems listed in full before the rest are only counted, so a broken file does not flood a terminal. */
const SHOWN_PROBLEMS = 50;
/** Skipped keys named on a terminal; --json and --report name them all. */
const SHOWN_SKIPPED = 10;

/**
 * The error for a file with invalid entries, each of them listed: on a terminal, as a line each (the
 * first few); under --json, in the error's details, with stdout left empty as on every failure.
 */
/** Whether a problem's place already names its key, as a flat object's entries are found (`o.json key "n"`), or it has none. */
const named = (p: Problem): boolean => p.key === null || p.where.endsWith(` key ${JSON.stringify(p.key)}`);

export function invalidEntries(ctx: Context, name: string, problems: Problem[], total: number): KvError {
  if (!ctx.out.json) {
    for (const p of problems.slice(0, SHOWN_PROBLEMS)) ctx.out.warn(`${p.where}${named(p) ? "" : ` ${JSON.stringify(p.key)}`}: ${p.message}`);
    if (problems.length > SHOWN_PROBLEMS) ctx.out.warn(`… and ${n(problems.length - SHOWN_PROBLEMS)} more (--json lists them all).`);
  }
  return errors.importInvalid(name, total, problems);
}

export interface Summary {
  namespace: string;
  format: ImportFormat;
  total: number;
  tally: Tally;
  failures: Problem[];
  diff: { added: string[]; changed: { key: string; old: string; new: string }[]; removed: string[] };
  /** An if-absent import: the keys it left as they were because they existed (null for another import). */
  skipped: string[] | null;
  dryRun: boolean;
  prune: boolean;
  elapsedMs: number;
}

/** The summary as --json gives it: on stdout after a success, in the error's details after a failure. */
export function summaryJson(s: Summary): Record<string, unknown> {
  const t = s.tally;
  const base = {
    namespace: s.namespace,
    format: s.format,
    dryRun: s.dryRun,
    total: s.total,
    elapsedMs: s.elapsedMs,
    ...(s.skipped && { skippedKeys: s.skipped }),
  };
  if (s.dryRun)
    return {
      ...base,
      added: s.diff.added,
      changed: s.diff.changed,
      unchanged: t.unchanged,
      ...(s.skipped && { skipped: t.skipped }),
      removed: s.diff.removed,
      failed: t.failed,
      failures: s.failures,
    };
  const { skipped, ...others } = t;
  return { ...base, ...others, ...(s.skipped && { skipped }), failures: s.failures };
}

/** What an import did, in words: "3 created, 1 updated, … 0 failed". */
export function tallyLine(s: Summary): string {
  const t = s.tally;
  return `${n(t.created)} created, ${n(t.updated)} updated, ${n(t.unchanged)} unchanged${s.skipped ? `, ${n(t.skipped)} skipped` : ""}, ${n(t.deleted)} deleted, ${n(t.failed)} failed`;
}

/**
 * Prints the summary: under --json, the document on stdout (only after a success: a failure's is in
 * its error's details); for a person, the lines on stderr, whether or not the import then fails.
 */
export async function summarise(ctx: Context, s: Summary, failed: boolean): Promise<void> {
  const t = s.tally;
  if (ctx.out.json) {
    if (!failed) await ctx.out.printJson(summaryJson(s));
    return;
  }
  if (s.skipped && s.skipped.length > 0) {
    const shown = s.skipped.slice(0, SHOWN_SKIPPED).map((k) => JSON.stringify(k));
    const more = s.skipped.length > SHOWN_SKIPPED ? `, … and ${n(s.skipped.length - SHOWN_SKIPPED)} more (--json or --report lists them all)` : "";
    ctx.out.note(
      `${s.dryRun ? "Would skip" : "Skipped"} ${n(s.skipped.length)} ${s.skipped.length === 1 ? "key that exists" : "keys that exist"}: ${shown.join(", ")}${more}.`,
    );
  }
  if (s.dryRun) {
    ctx.out.note(
      `Dry run against ${s.namespace}: ${n(s.diff.added.length)} to add, ${n(s.diff.changed.length)} to change, ${n(t.unchanged)} unchanged${s.skipped ? `, ${n(t.skipped)} to skip` : ""}${s.prune ? `, ${n(s.diff.removed.length)} to remove` : ""}. Nothing was written.`,
    );
    return;
  }
  const line = tallyLine(s);
  if (t.failed > 0) ctx.out.warn(`Imported into ${s.namespace} with failures: ${line}.`);
  else ctx.out.success(`Imported ${n(s.total)} ${s.total === 1 ? "entry" : "entries"} into ${s.namespace}: ${line} (${formatDuration(s.elapsedMs)}).`);
}

export function preview(value: Buffer): string {
  return isUtf8(value) ? JSON.stringify(summarize(value.toString("utf8"), 40)) : `<${value.length} bytes>`;
}

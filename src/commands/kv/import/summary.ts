import { isUtf8 } from "node:buffer";
import { formatDuration } from "../../../core/duration.js";
import { errors } from "../../../core/errors.js";
import { summarize } from "../../../terminal/format.js";
import type { Context } from "../../context.js";
import type { ImportFormat } from "./import-source.js";

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

export async function reportInvalid(ctx: Context, name: string, problems: Problem[], total: number): Promise<never> {
  if (ctx.out.json) {
    await ctx.out.printJson({ ok: false, file: name, total, invalid: problems.length, errors: problems });
  } else {
    for (const p of problems.slice(0, SHOWN_PROBLEMS)) ctx.out.warn(`${p.where}${p.key !== null ? ` ${JSON.stringify(p.key)}` : ""}: ${p.message}`);
    if (problems.length > SHOWN_PROBLEMS) ctx.out.warn(`… and ${(problems.length - SHOWN_PROBLEMS).toLocaleString("en-US")} more (--json lists them all).`);
  }
  throw errors.usage(
    `${problems.length.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} entries in ${name} ${problems.length === 1 ? "is" : "are"} invalid; nothing was written.`,
    "Fix the entries listed above and run the import again.",
  );
}

export interface Summary {
  namespace: string;
  format: ImportFormat;
  total: number;
  tally: Tally;
  failures: Problem[];
  diff: { added: string[]; changed: { key: string; old: string; new: string }[]; removed: string[] };
  dryRun: boolean;
  prune: boolean;
  elapsedMs: number;
}

export async function summarise(ctx: Context, s: Summary): Promise<void> {
  const t = s.tally;
  if (ctx.out.json) {
    const base = { namespace: s.namespace, format: s.format, dryRun: s.dryRun, total: s.total, elapsedMs: s.elapsedMs };
    if (s.dryRun) {
      await ctx.out.printJson({
        ...base,
        added: s.diff.added,
        changed: s.diff.changed,
        unchanged: t.unchanged,
        removed: s.diff.removed,
        failed: t.failed,
        failures: s.failures,
      });
    } else {
      // Only an import of absent keys only skips any: the others report what they always have.
      const { skipped: _skipped, ...others } = t;
      await ctx.out.printJson({ ...base, ...others, failures: s.failures });
    }
    return;
  }
  const n = (x: number) => x.toLocaleString("en-US");
  if (s.dryRun) {
    ctx.out.note(
      `Dry run against ${s.namespace}: ${n(s.diff.added.length)} to add, ${n(s.diff.changed.length)} to change, ${n(t.unchanged)} unchanged${s.prune ? `, ${n(s.diff.removed.length)} to remove` : ""}. Nothing was written.`,
    );
    return;
  }
  const line = `${n(t.created)} created, ${n(t.updated)} updated, ${n(t.unchanged)} unchanged, ${n(t.deleted)} deleted, ${n(t.failed)} failed`;
  if (t.failed > 0) ctx.out.warn(`Imported into ${s.namespace} with failures: ${line}.`);
  else ctx.out.success(`Imported ${n(s.total)} entries into ${s.namespace}: ${line} (${formatDuration(s.elapsedMs)}).`);
}

export function preview(value: Buffer): string {
  return isUtf8(value) ? JSON.stringify(summarize(value.toString("utf8"), 40)) : `<${value.length} bytes>`;
}

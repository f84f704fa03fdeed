import type { UsageReport } from "../../../core/backend.js";
import type { BulkOutcome } from "../../../core/bulk.js";
import { errors, KvError, type ErrorCode } from "../../../core/errors.js";
import { outcomeErrors } from "../../../core/outcome-errors.js";
import { LIMITS } from "../../../core/limits.js";
import { formatDuration } from "../../../core/duration.js";
import { commandLine, namespaceFlag } from "../../../terminal/shell.js";
import { OutputFile } from "../../../terminal/output-file.js";
import { noProgress, startProgress } from "../../../terminal/progress.js";
import type { CommandArgs, Handler } from "../../context.js";
import { isInterruption, throwIfStopped, type StopSignal } from "../../interruption.js";
import { outputFileOptions } from "../../output-file-options.js";
import { readBatches, submit, writeBatches } from "./batches.js";
import { checkEntries } from "./check.js";
import { IMPORT_FORMATS, ImportSource, type ImportFormat } from "./import-source.js";
import type { Pending } from "./packed-batch.js";
import { checkCeilings, keysToPrune } from "./plan.js";
import { invalidEntries, preview, summarise, summaryJson, tallyLine, type Problem, type Summary, type Tally } from "./summary.js";
import type { TargetTerms } from "./check-items.js";
import { formatNumber as n } from "../../../core/numbers.js";

interface ImportOptions {
  namespace: string;
  format?: ImportFormat;
  dryRun?: boolean;
  prune?: boolean;
  prefix?: string;
  yes?: boolean;
  batchSize: string;
  concurrency: string;
  report?: string;
  force?: boolean;
  region?: string;
  ifAbsent?: boolean;
}

export const run: Handler<ImportOptions> = async (ctx, args, opts) => {
  ctx.stopsBetweenSteps();
  // A batch is one bulk request on every target (the API takes at most 1,000 entries in one), so it
  // is atomic everywhere unless its values pass the request's 2 MiB, when it is split and a failure
  // part way is reported entry by entry (PARTIALLY_APPLIED).
  const batchSize = wholeNumber(opts.batchSize, "--batch-size", 1, LIMITS.maxBulkEntries);
  const concurrency = wholeNumber(opts.concurrency, "--concurrency", 1, 32);
  if (opts.format !== undefined && !IMPORT_FORMATS.includes(opts.format)) throw errors.usage(`--format must be ${IMPORT_FORMATS.join(", ")}.`);
  // Pruning removes keys: what it may remove is said, never assumed to be the whole namespace.
  if (opts.prune && opts.prefix === undefined) {
    throw errors.usage(
      "--prune needs --prefix: the part of the namespace the file replaces.",
      `Name it, for example --prefix flags/. To make the whole namespace match the file, give an empty prefix: ${commandLine("yourspace", "kv", "import", file(args), namespaceFlag(opts.namespace), "--prune", "--prefix", "")}`,
    );
  }
  // One keeps what the namespace holds, the other makes it the file: together they mean neither.
  if (opts.prune && opts.ifAbsent) {
    throw errors.usage(
      "--if-absent and --prune cannot be given together: --if-absent keeps the keys that exist, --prune makes the namespace match the file.",
      "Choose one of them.",
    );
  }
  const prefix = opts.prefix ?? "";
  const stopped = (step: string) => (by: StopSignal) =>
    errors.interrupted(by, `Import interrupted by ${by} ${step}; nothing was written.`, "Run the same command again to import the file.");
  const source = await ImportSource.open(file(args), ctx.io.cwd, ctx.io.stdin, ctx.signal).catch((e: unknown) => {
    throwIfStopped(ctx.signal, stopped(`while reading ${file(args) === "-" ? "stdin" : file(args)}`));
    throw e;
  });
  const started = Date.now();
  // Opened before the work, so that a report that cannot be written (a missing directory, a file
  // that may not be replaced) fails first; it appears only once there is something in it: an import
  // refused before its first batch removes it (and leaves an earlier report at that path as it was).
  let report: OutputFile | undefined;
  let reportSettled = false;
  try {
    const format = opts.format ?? (await source.detectFormat());
    if (opts.report) report = await OutputFile.create(opts.report, outputFileOptions(ctx, opts.force));

    // 1. Validate every entry before anything is written, as the target will when it is written.
    const backend = await ctx.backend();
    const target = await backend.usage().then(targetTerms, (e: unknown) => {
      if (isInterruption(e)) throwIfStopped(ctx.signal, stopped("while checking the file"));
      throw e;
    });
    const { problems, total, totalBytes, keep } = await checkEntries(
      source,
      format,
      prefix,
      target,
      opts.prune === true,
      () => throwIfStopped(ctx.signal, stopped("while checking the file")),
      { signal: ctx.signal },
    );
    if (problems.length > 0) throw invalidEntries(ctx, source.name, problems, total);
    // An empty input (a failed command piped in, a truncated download) never empties the namespace.
    if (opts.prune && total === 0) {
      throw errors.usage(
        `${source.name} has no entries, so --prune would remove every key under "${prefix}"; nothing was changed.`,
        `To remove them, run: ${commandLine("yourspace", "kv", "rm", namespaceFlag(opts.namespace), "--prefix", prefix)}`,
      );
    }

    const ns = opts.namespace;
    const region = opts.region ?? ctx.io.env.YOURSPACE_REGION;
    const prunable = await beforeWriting(ctx.signal, stopped, async () => {
      const found = keep ? await keysToPrune(backend, ns, prefix, keep) : [];
      if (found.length > 0 && !opts.dryRun && !opts.yes) {
        const what = `remove ${found.length} ${found.length === 1 ? "key" : "keys"} under "${prefix}" that the file does not have (--prune)`;
        if (!ctx.interactive) throw errors.confirmationRequired(what, "Pass --yes to confirm, or --dry-run to see every change first.");
        if (!(await ctx.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?`))) throw errors.cancelled();
      }
      // A write that would cross the tier's ceilings is refused before any batch is written, and its dry run with it.
      await checkCeilings(backend, ns, source, format, batchSize, total, totalBytes, region);
      return found;
    });

    // 2. Write (or compare) in batches, each one atomic.
    const tally: Tally = { created: 0, updated: 0, unchanged: 0, skipped: 0, deleted: 0, failed: 0 };
    const skipped: string[] = [];
    const failures: Problem[] = [];
    const diff = { added: [] as string[], changed: [] as { key: string; old: string; new: string }[], removed: [] as string[] };
    let reported = 0;
    let finished = false;
    let batches = 0;
    // Entries whose outcome is in: written, unchanged or failed.
    let recorded = 0;
    // Set when the second reading of the file holds a key the first did not: pruning by the first
    // reading could then remove what was just written.
    let changedSince = false;
    // The dry run prints its diff on stdout: a bar on the same terminal would be torn by it.
    const progress = opts.dryRun && ctx.out.stdoutIsTTY ? noProgress : startProgress(ctx, opts.dryRun ? "Comparing" : "Importing", total);
    const record = async (batch: Pending[], outcomes: BulkOutcome[]) => {
      batches++;
      recorded += batch.length;
      for (let i = 0; i < batch.length; i++) {
        const o = outcomes[i]!;
        const { entry, where } = batch[i]!;
        tally[o.outcome]++;
        if (keep && !keep.has(entry.key)) changedSince = true;
        // Only an import that asked for absent keys only may have entries skipped.
        if (o.outcome === "skipped" && !opts.ifAbsent) throw errors.internal(`The target skipped "${entry.key}", which this import did not ask it to do.`);
        if (o.outcome === "skipped") skipped.push(entry.key);
        if (o.outcome === "failed") failures.push({ where, key: entry.key, code: o.error!.code, message: o.error!.message });
        if (opts.dryRun && o.outcome === "created") {
          diff.added.push(entry.key);
          if (!ctx.out.json) await ctx.out.change("+", entry.key);
        }
        if (opts.dryRun && o.outcome === "updated") {
          const change = { key: entry.key, old: preview(o.old!.value), new: preview(entry.value) };
          diff.changed.push(change);
          if (!ctx.out.json) await ctx.out.change("~", `${entry.key}: ${change.old} → ${change.new}`);
        }
        if (report) {
          report.stream.write(`${JSON.stringify({ key: entry.key, where, outcome: o.outcome, version: o.version, error: o.error })}\n`);
          reported++;
        }
      }
      progress.advance(batch.length);
    };
    const account = () =>
      opts.dryRun
        ? `after comparing ${n(recorded)} of ${n(total)} entries; nothing was written`
        : `after ${n(batches)} of ${n(Math.ceil(total / batchSize))} batches: ${n(recorded - tally.failed)} of ${n(total)} entries written (${n(tally.created)} created, ${n(tally.updated)} updated, ${n(tally.unchanged)} unchanged${opts.ifAbsent ? `, ${n(tally.skipped)} skipped` : ""})${tally.failed ? ` and ${n(tally.failed)} failed` : ""}`;
    const again = `Run the same command again${source.name === "stdin" ? ", with the same input," : ""} to finish: batches are atomic, and entries already written are skipped as unchanged.`;
    const pruneNote = opts.prune && !opts.dryRun ? "; nothing was pruned" : "";
    let failure: { error: unknown } | undefined;
    try {
      await writeBatches(
        readBatches(source, format, batchSize),
        opts.dryRun ? 1 : concurrency,
        ctx.signal,
        (batch) => submit(backend, ns, batch, { dryRun: opts.dryRun === true, ifAbsent: opts.ifAbsent === true, region }),
        record,
      ).catch((e: unknown) => {
        // A batch refused whole stops the import: the error says so, and what was written before.
        if (!(e instanceof KvError) || isInterruption(e)) throw e;
        throw outcomeErrors.importStopped(e, account(), pruneNote !== "");
      });
      throwIfStopped(ctx.signal, (by) => errors.interrupted(by, `${opts.dryRun ? "Dry run" : "Import"} interrupted by ${by} ${account()}${pruneNote}.`, again));

      // The file is read twice: what was written must be what was checked, or the summary would not
      // describe it (and a prune by the first reading could remove what the second wrote).
      if (recorded !== total || changedSince) {
        throw errors.file(
          source.name,
          `it changed while it was imported (${n(total)} entries when checked, ${n(recorded)} ${opts.dryRun ? "when compared" : "when written"}${changedSince ? ", with other keys" : ""}); ${opts.dryRun ? "nothing was written" : `${n(recorded - tally.failed)} ${recorded - tally.failed === 1 ? "entry was" : "entries were"} written${pruneNote}`}`,
        );
      }

      // 3. Prune what the file does not have: only once the whole file is written, every entry of it.
      if (opts.dryRun) {
        diff.removed = prunable;
        if (!ctx.out.json) for (const key of prunable) await ctx.out.change("-", key);
      } else if (prunable.length > 0 && failures.length === 0) {
        for (let i = 0; i < prunable.length; i += LIMITS.maxListLimit) {
          throwIfStopped(ctx.signal, (by) =>
            errors.interrupted(
              by,
              `Import interrupted by ${by} while pruning: every entry of the file was written, and ${n(tally.deleted)} of ${n(prunable.length)} keys the file does not have were removed.`,
              again,
            ),
          );
          tally.deleted += (await backend.delete(ns, prunable.slice(i, i + LIMITS.maxListLimit), { force: true, region })).deleted.length;
        }
      }
      finished = true;
    } catch (e) {
      progress.clear();
      failure = { error: e };
    }
    // Cut short after some batches, the report says what those did. A report that cannot be written
    // undoes nothing the import did: that is said, never hidden behind the report's failure.
    const reportFailure = report ? await settleReport(report, finished || reported > 0) : undefined;
    reportSettled = true;
    if (failure) {
      if (reportFailure) ctx.out.warn(`The report was not written either: ${reportFailure.message}`);
      throw failure.error;
    }
    const elapsed = Date.now() - started;
    progress.stop(`${opts.dryRun ? "Compared" : "Imported"} ${n(total)} ${total === 1 ? "entry" : "entries"} in ${formatDuration(elapsed)}`);
    const summary: Summary = {
      namespace: ns,
      format,
      total,
      tally,
      failures,
      diff,
      skipped: opts.ifAbsent ? skipped : null,
      dryRun: opts.dryRun === true,
      prune: opts.prune === true,
      elapsedMs: elapsed,
    };
    let failed: KvError | undefined;
    if (failures.length > 0) {
      const first = failures[0]!;
      const reportName = opts.report && !reportFailure ? opts.report : undefined;
      failed = outcomeErrors.importEntriesFailed(
        { ...first, code: first.code as ErrorCode },
        failures.length,
        total,
        pruneNote !== "",
        reportName,
        opts.dryRun,
      );
    } else if (reportFailure) {
      const done = opts.dryRun ? `The dry run against ${ns} was done (nothing was written)` : `The import into ${ns} was done (${tallyLine(summary)})`;
      failed = outcomeErrors.importReportNotWritten(reportFailure, done);
    }
    // Under --json a failure leaves stdout empty: the summary goes with the error.
    await summarise(ctx, summary, failed !== undefined);
    if (failures.length > 0 && reportFailure) ctx.out.warn(`The report was not written: ${reportFailure.message}`);
    if (failed) throw failed.withDetails({ ...failed.details, ...summaryJson(summary) });
  } finally {
    if (report && !reportSettled) await report.abort();
    await source.close();
  }
};

/** What the check measures each entry against: the target's time and its site's tier, as it answered. */
function targetTerms(use: UsageReport): TargetTerms {
  return { now: Date.parse(use.now), tier: use.tier, limits: use.ceilings };
}

/** Puts the report in place (or drops it when it has nothing in it); a failure to is answered, not thrown. */
async function settleReport(report: OutputFile, keep: boolean): Promise<KvError | undefined> {
  if (!keep) {
    await report.abort();
    return undefined;
  }
  try {
    await report.commit();
    return undefined;
  } catch (e) {
    if (!(e instanceof KvError)) throw e;
    return e;
  }
}

/** The steps before the first batch: a signal there stops the import with nothing written. */
async function beforeWriting<T>(signal: AbortSignal, stopped: (step: string) => (by: StopSignal) => KvError, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (e) {
    if (isInterruption(e) || (e instanceof KvError && e.code === "CANCELLED")) throwIfStopped(signal, stopped("before writing"));
    throw e;
  }
}

function file(args: CommandArgs): string {
  return (args.file as string | undefined) ?? "-";
}

function wholeNumber(text: string, option: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw errors.usage(`${option} must be a whole number from ${min} to ${max}, not "${text}".`);
  return n;
}

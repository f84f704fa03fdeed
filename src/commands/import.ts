import { isUtf8 } from "node:buffer";
import type { Backend } from "../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../core/bulk.js";
import { errors, KvError, type ErrorCode } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import type { CommandArgs, Context, Handler } from "./context.js";
import { isInterruption, throwIfStopped, type StopSignal } from "./interruption.js";
import { commandLine, namespaceFlag } from "../terminal/shell.js";
import { formatDuration } from "../core/duration.js";
import { summarize } from "../terminal/format.js";
import { IMPORT_FORMATS, ImportSource, type ImportFormat } from "./import-source.js";
import { OutputFile, outputFileOptions } from "../terminal/output-file.js";
import { noProgress, startProgress } from "../terminal/progress.js";
import { KeyHashes } from "../core/key-hashes.js";

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
}

interface Problem {
  where: string;
  key: string | null;
  code: string;
  message: string;
}

interface Tally {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failed: number;
}

/** Problems listed in full before the rest are only counted, so a broken file does not flood a terminal. */
const SHOWN_PROBLEMS = 50;

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
  const prefix = opts.prefix ?? "";
  const stopped = (step: string) => (by: StopSignal) => errors.interrupted(by, `Import interrupted by ${by} ${step}; nothing was written.`, "Run the same command again to import the file.");
  const source = await ImportSource.open(file(args), ctx.io.stdin, ctx.signal).catch((e: unknown) => {
    throwIfStopped(ctx.signal, stopped(`while reading ${file(args) === "-" ? "stdin" : file(args)}`));
    throw e;
  });
  const started = Date.now();
  try {
    const format = opts.format ?? (await source.detectFormat());

    // 1. Validate every entry before anything is written. Duplicate keys are found by hash (8 bytes
    // per key in a typed array, not the key: a million keys take 16 MB); keys whose hash repeats are
    // then compared for real in one more pass. Only --prune keeps the keys themselves.
    let hashes: KeyHashes | undefined = new KeyHashes();
    const repeated = new KeyHashes(16);
    const keep = opts.prune ? new Set<string>() : undefined;
    const problems: Problem[] = [];
    let total = 0;
    let totalBytes = 0;
    for await (const item of source.entries(format)) {
      throwIfStopped(ctx.signal, stopped("while checking the file"));
      total++;
      if ("error" in item) problems.push({ where: item.where, key: item.key ?? null, code: item.error.code, message: item.error.message });
      else if (!item.entry.key.startsWith(prefix)) problems.push({ where: item.where, key: item.entry.key, code: "USAGE", message: `the key is outside --prefix "${prefix}"` });
      else {
        totalBytes += footprintOf(item.entry);
        if (!hashes.add(item.entry.key)) repeated.add(item.entry.key);
        keep?.add(item.entry.key);
      }
    }
    hashes = undefined;
    if (repeated.size > 0) {
      const first = new Map<string, string>();
      for await (const item of source.entries(format)) {
        if (!("entry" in item) || !repeated.has(item.entry.key)) continue;
        const earlier = first.get(item.entry.key);
        if (earlier) problems.push({ where: item.where, key: item.entry.key, code: "USAGE", message: `the key appears more than once in the file (first at ${earlier})` });
        else first.set(item.entry.key, item.where);
      }
    }
    if (problems.length > 0) return reportInvalid(ctx, source.name, problems, total);
    // An empty input (a failed command piped in, a truncated download) never empties the namespace.
    if (opts.prune && total === 0) {
      throw errors.usage(
        `${source.name} has no entries, so --prune would remove every key under "${prefix}"; nothing was changed.`,
        `To remove them, run: ${commandLine("yourspace", "kv", "rm", namespaceFlag(opts.namespace), "--prefix", prefix)}`,
      );
    }

    const backend = await ctx.backend();
    const ns = opts.namespace;
    const region = opts.region ?? ctx.io.env.YOURSPACE_REGION;
    const prunable = await beforeWriting(ctx.signal, stopped, async () => {
      const found = keep ? await keysToPrune(backend, ns, prefix, keep) : [];
      if (found.length > 0 && !opts.dryRun && !opts.yes) {
        const what = `remove ${found.length} ${found.length === 1 ? "key" : "keys"} under "${prefix}" that the file does not have (--prune)`;
        if (!ctx.interactive) throw errors.confirmationRequired(what, "Pass --yes to confirm, or --dry-run to see every change first.");
        if (!(await ctx.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?`))) throw errors.cancelled();
      }
      // A write that would cross the tier's ceilings is refused before any batch is written.
      if (!opts.dryRun) await checkCeilings(backend, ns, source, format, batchSize, total, totalBytes, region);
      return found;
    });

    // 2. Write (or compare) in batches, each one atomic.
    const tally: Tally = { created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 };
    const failures: Problem[] = [];
    const diff = { added: [] as string[], changed: [] as { key: string; old: string; new: string }[], removed: [] as string[] };
    // The report appears once there is something in it: an import refused before its first batch
    // leaves none (and leaves an earlier report at that path as it was).
    const report = opts.report ? await OutputFile.create(opts.report, outputFileOptions(ctx, opts.force)) : undefined;
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
    const n = (x: number) => x.toLocaleString("en-US");
    const account = () =>
      opts.dryRun
        ? `after comparing ${n(recorded)} of ${n(total)} entries; nothing was written`
        : `after ${n(batches)} of ${n(Math.ceil(total / batchSize))} batches: ${n(recorded - tally.failed)} of ${n(total)} entries written (${n(tally.created)} created, ${n(tally.updated)} updated, ${n(tally.unchanged)} unchanged)${tally.failed ? ` and ${n(tally.failed)} failed` : ""}`;
    const again = `Run the same command again${source.name === "stdin" ? ", with the same input," : ""} to finish: batches are atomic, and entries already written are skipped as unchanged.`;
    const pruneNote = opts.prune && !opts.dryRun ? "; nothing was pruned" : "";
    try {
      await writeBatches(source, format, batchSize, opts.dryRun ? 1 : concurrency, ctx.signal, (batch) => submit(backend, ns, batch, { dryRun: opts.dryRun === true, region }), record).catch((e: unknown) => {
        // A batch refused whole stops the import: the error says so, and what was written before.
        if (!(e instanceof KvError) || isInterruption(e)) throw e;
        throw new KvError(e.code, `${e.message} The import stopped ${account()}${pruneNote}.`, `${e.hint ? `${e.hint} ` : ""}Then run the same command again: entries already written are skipped as unchanged.`, e.details);
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
            errors.interrupted(by, `Import interrupted by ${by} while pruning: every entry of the file was written, and ${n(tally.deleted)} of ${n(prunable.length)} keys the file does not have were removed.`, again),
          );
          tally.deleted += (await backend.delete(ns, prunable.slice(i, i + LIMITS.maxListLimit), { force: true, region })).deleted.length;
        }
      }
      finished = true;
    } catch (e) {
      progress.clear();
      throw e;
    } finally {
      // Cut short after some batches, the report says what those did.
      if (report) await (finished || reported > 0 ? report.commit() : report.abort());
    }
    const elapsed = Date.now() - started;
    progress.stop(`${opts.dryRun ? "Compared" : "Imported"} ${n(total)} entries in ${formatDuration(elapsed)}`);
    await summarise(ctx, { namespace: ns, format, total, tally, failures, diff, dryRun: opts.dryRun === true, prune: opts.prune === true, elapsedMs: elapsed });
    if (failures.length > 0) {
      const first = failures[0]!;
      throw new KvError(
        first.code as ErrorCode,
        `${n(failures.length)} of ${n(total)} entries failed (first: ${first.key} at ${first.where}: ${first.message}); the others were written${pruneNote}.`,
        `Run the same import again to retry only what is missing${opts.report ? `; ${opts.report} has the outcome of every entry` : "; --report <file> records the outcome of every entry"}.`,
      );
    }
  } finally {
    await source.close();
  }
};

/** The steps before the first batch: a signal there stops the import with nothing written. */
async function beforeWriting<T>(signal: AbortSignal, stopped: (step: string) => (by: StopSignal) => KvError, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (e) {
    if (isInterruption(e) || e instanceof KvError && e.code === "CANCELLED") throwIfStopped(signal, stopped("before writing"));
    throw e;
  }
}

function file(args: CommandArgs): string {
  return (args.file as string | undefined) ?? "-";
}

interface Pending {
  entry: BulkEntry;
  where: string;
}

/**
 * Reads the file again and hands out batches, at most `concurrency` in flight, outcomes recorded in
 * file order. After a batch fails (or a signal), no more are sent; every batch already sent is awaited
 * and recorded, so the account of what was written is whole; then the first failure is thrown.
 */
async function writeBatches(
  source: ImportSource,
  format: ImportFormat,
  size: number,
  concurrency: number,
  signal: AbortSignal | null,
  send: (batch: Pending[]) => Promise<BulkOutcome[]>,
  record: (batch: Pending[], outcomes: BulkOutcome[]) => Promise<void>,
): Promise<void> {
  let chain = Promise.resolve();
  let failure: { error: unknown } | undefined;
  let failed = false;
  const inFlight = new Set<Promise<void>>();
  const dispatch = async (batch: Pending[]) => {
    const outcomes = send(batch);
    outcomes.catch(() => (failed = true));
    // Outcomes are recorded in order even when batches finish out of order.
    const recorded = (chain = chain.then(async () => {
      try {
        await record(batch, await outcomes);
      } catch (e) {
        failed = true;
        failure ??= { error: e };
      }
    }));
    inFlight.add(recorded);
    void recorded.finally(() => inFlight.delete(recorded));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };
  const stop = () => failed || signal?.aborted === true;
  let batch: Pending[] = [];
  for await (const item of source.entries(format)) {
    if (stop()) break;
    if (!("entry" in item)) continue;
    batch.push({ entry: item.entry, where: item.where });
    if (batch.length === size) {
      await dispatch(batch);
      batch = [];
    }
  }
  if (batch.length && !stop()) await dispatch(batch);
  await chain;
  if (failure) throw failure.error;
}

/**
 * One batch, retried a few times when the target is unavailable (a write is idempotent here: unchanged
 * entries are skipped). After that its entries are reported as failed, and the import goes on.
 */
async function submit(backend: Backend, ns: string, batch: Pending[], options: { dryRun: boolean; region?: string }): Promise<BulkOutcome[]> {
  const entries = batch.map((p) => p.entry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await backend.bulkPut(ns, entries, options);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      const transient = e.code === "UNAVAILABLE" || e.code === "REQUEST_TIMEOUT";
      if (transient && attempt < 3) continue;
      // Failures of the whole target (a missing namespace, a refused token) stop the import.
      if (!transient && e.code !== "QUOTA_EXCEEDED") throw e;
      return entries.map((entry) => ({ key: entry.key, outcome: "failed", error: { code: e.code, message: e.message } }));
    }
  }
}

function footprintOf(entry: BulkEntry): number {
  return Buffer.byteLength(entry.key) + entry.value.length + (entry.metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(entry.metadata)));
}

/**
 * If the whole file could not cross the site's ceilings even if every entry were new, nothing more is
 * needed. Otherwise a comparison pass counts exactly what the import would add, and an import that
 * would cross a ceiling fails here, with nothing written.
 */
async function checkCeilings(backend: Backend, ns: string, source: ImportSource, format: ImportFormat, size: number, total: number, totalBytes: number, region?: string): Promise<void> {
  const use = await backend.usage();
  const { keys: maxKeys, bytes: maxBytes } = use.ceilings;
  const fits = (keys: number, bytes: number) => (maxKeys === null || use.storage.keys + keys <= maxKeys) && (maxBytes === null || use.storage.bytes + bytes <= maxBytes);
  if (fits(total, totalBytes)) return;
  let keys = 0;
  let bytes = 0;
  await writeBatches(source, format, size, 1, null, (batch) => backend.bulkPut(ns, batch.map((p) => p.entry), { dryRun: true, region }), async (batch, outcomes) => {
    outcomes.forEach((o, i) => {
      const entry = batch[i]!.entry;
      if (o.outcome === "created") {
        keys++;
        bytes += footprintOf(entry);
      } else if (o.outcome === "updated" && o.old) {
        bytes += footprintOf(entry) - (Buffer.byteLength(entry.key) + o.old.value.length + (o.old.metadata === null ? 0 : Buffer.byteLength(JSON.stringify(o.old.metadata))));
      }
    });
  });
  if (fits(keys, bytes)) return;
  const overKeys = maxKeys !== null && use.storage.keys + keys > maxKeys;
  throw errors.quota(use.site, use.tier, overKeys ? "keys" : "storage", (overKeys ? maxKeys : maxBytes)!, overKeys ? use.storage.keys : use.storage.bytes, overKeys ? keys : bytes);
}

async function keysToPrune(backend: Backend, ns: string, prefix: string, keep: Set<string>): Promise<string[]> {
  const gone: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await backend.list(ns, { prefix, cursor, limit: LIMITS.maxListLimit });
    for (const k of page.keys) if (!keep.has(k.key)) gone.push(k.key);
    cursor = page.cursor;
  } while (cursor !== null);
  return gone;
}

async function reportInvalid(ctx: Context, name: string, problems: Problem[], total: number): Promise<never> {
  if (ctx.out.json) {
    await ctx.out.printJson({ ok: false, file: name, total, invalid: problems.length, errors: problems });
  } else {
    for (const p of problems.slice(0, SHOWN_PROBLEMS)) ctx.out.warn(`${p.where}${p.key !== null ? ` ${JSON.stringify(p.key)}` : ""}: ${p.message}`);
    if (problems.length > SHOWN_PROBLEMS) ctx.out.warn(`… and ${(problems.length - SHOWN_PROBLEMS).toLocaleString("en-US")} more (--json lists them all).`);
  }
  throw new KvError(
    "USAGE",
    `${problems.length.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} entries in ${name} ${problems.length === 1 ? "is" : "are"} invalid; nothing was written.`,
    "Fix the entries listed above and run the import again.",
  );
}

interface Summary {
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

async function summarise(ctx: Context, s: Summary): Promise<void> {
  const t = s.tally;
  if (ctx.out.json) {
    const base = { namespace: s.namespace, format: s.format, dryRun: s.dryRun, total: s.total, elapsedMs: s.elapsedMs };
    if (s.dryRun) {
      await ctx.out.printJson({ ...base, added: s.diff.added, changed: s.diff.changed, unchanged: t.unchanged, removed: s.diff.removed, failed: t.failed, failures: s.failures });
    } else await ctx.out.printJson({ ...base, ...t, failures: s.failures });
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

function preview(value: Buffer): string {
  return isUtf8(value) ? JSON.stringify(summarize(value.toString("utf8"), 40)) : `<${value.length} bytes>`;
}

function wholeNumber(text: string, option: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw errors.usage(`${option} must be a whole number from ${min} to ${max}, not "${text}".`);
  return n;
}

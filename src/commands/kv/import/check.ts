import { KeyHashLog, type KeyHashes } from "../../../core/key-hashes.js";
import { checkItems, type TargetTerms } from "./check-items.js";
import { checkInThread, halfway } from "./checker-thread.js";
import type { ImportFormat, ImportSource } from "./import-source.js";
import type { Problem } from "./summary.js";

/** What the checking pass found: every problem, and what writing the file would take. */
export interface Checked {
  problems: Problem[];
  total: number;
  /** Keys, values and metadata of the valid entries, in bytes: what the tier's storage ceiling counts. */
  totalBytes: number;
  /** The file's keys, kept only when pruning needs them. */
  keep: Set<string> | undefined;
}

interface CheckOptions {
  /** Stops the wait for the other thread's half; `beforeEach` then throws. */
  signal?: AbortSignal;
  /** Files from this size are checked half in another thread (tests lower it). */
  splitAbove?: number;
}

/**
 * Validates every entry before anything is written, as the write will (against the target's time and
 * tier, `target`), so that nothing the write would refuse is left for it to find. Duplicate keys are found by hash (8 bytes per key
 * in typed arrays, not the key: a million keys take 8 MiB); keys whose hash repeats are then compared
 * for real in one more pass. Only pruning keeps the keys themselves. `beforeEach` runs before each
 * entry (it throws when the command is stopped).
 *
 * A large NDJSON file is checked in two halves at once, the second in a worker thread. Its line
 * numbers start again at 1, so when either half finds a problem, the file is checked again in one
 * thread for messages that name the right lines: a refused file need not be refused fast.
 */
export async function checkEntries(
  source: ImportSource,
  format: ImportFormat,
  prefix: string,
  target: TargetTerms,
  prune: boolean,
  beforeEach: () => void,
  { signal, splitAbove }: CheckOptions = {},
): Promise<Checked> {
  let repeated: KeyHashes | undefined;
  const keep = prune ? new Set<string>() : undefined;
  let checked: { problems: Problem[]; total: number; totalBytes: number } | undefined;
  const split = format === "ndjson" && !prune ? await halfway(source.path, splitAbove) : undefined;
  if (split !== undefined) {
    // Scoped: the hashes of every key are let go before the file is read again.
    const hashes = new KeyHashLog();
    const other = checkInThread(source.path, source.name, split, prefix, target);
    try {
      const mine = await checkItems(source.ndjson({ start: 0, end: split }), prefix, target, hashes, undefined, beforeEach);
      const theirs = await stoppable(other.result, signal, beforeEach);
      if (mine.problems.length === 0 && theirs.problems === 0) {
        hashes.adopt(theirs.hashes);
        repeated = hashes.repeated();
        checked = { problems: [], total: mine.total + theirs.total, totalBytes: mine.totalBytes + theirs.totalBytes };
      }
    } finally {
      await other.stop();
    }
  }
  if (!checked) {
    const hashes = new KeyHashLog();
    checked = await checkItems(source.entries(format), prefix, target, hashes, keep, beforeEach);
    repeated = hashes.repeated();
  }
  const { problems } = checked;
  if (repeated!.size > 0) {
    const first = new Map<string, string>();
    for await (const item of source.entries(format)) {
      if (!("entry" in item) || !repeated!.has(item.entry.key)) continue;
      const earlier = first.get(item.entry.key);
      if (earlier)
        problems.push({ where: item.where, key: item.entry.key, code: "USAGE", message: `the key appears more than once in the file (first at ${earlier})` });
      else first.set(item.entry.key, item.where);
    }
  }
  return { ...checked, keep };
}

/** The other thread's result, or what `beforeEach` throws once the command is stopped while it is awaited. */
function stoppable<T>(result: Promise<T>, signal: AbortSignal | undefined, beforeEach: () => void): Promise<T> {
  if (!signal) return result;
  return new Promise<T>((resolve, reject) => {
    const stopped = () => {
      try {
        beforeEach();
      } catch (e) {
        reject(e);
      }
    };
    signal.addEventListener("abort", stopped, { once: true });
    result.then(resolve, reject).finally(() => signal.removeEventListener("abort", stopped));
  });
}

import { KeyHashLog, type KeyHashes } from "../../../core/key-hashes.js";
import { footprintOf } from "./batches.js";
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

/**
 * Validates every entry before anything is written. Duplicate keys are found by hash (8 bytes per key
 * in typed arrays, not the key: a million keys take 8 MiB); keys whose hash repeats are then compared
 * for real in one more pass. Only pruning keeps the keys themselves. `beforeEach` runs before each
 * entry (it throws when the command is stopped).
 */
export async function checkEntries(source: ImportSource, format: ImportFormat, prefix: string, prune: boolean, beforeEach: () => void): Promise<Checked> {
  let repeated: KeyHashes;
  const keep = prune ? new Set<string>() : undefined;
  const problems: Problem[] = [];
  let total = 0;
  let totalBytes = 0;
  {
    // Scoped to the first pass: the hashes of every key are let go before the second.
    const hashes = new KeyHashLog();
    for await (const item of source.entries(format)) {
      beforeEach();
      total++;
      if ("error" in item) problems.push({ where: item.where, key: item.key ?? null, code: item.error.code, message: item.error.message });
      else if (!item.entry.key.startsWith(prefix))
        problems.push({ where: item.where, key: item.entry.key, code: "USAGE", message: `the key is outside --prefix "${prefix}"` });
      else {
        totalBytes += footprintOf(item.entry);
        hashes.add(item.entry.key);
        keep?.add(item.entry.key);
      }
    }
    repeated = hashes.repeated();
  }
  if (repeated.size > 0) {
    const first = new Map<string, string>();
    for await (const item of source.entries(format)) {
      if (!("entry" in item) || !repeated.has(item.entry.key)) continue;
      const earlier = first.get(item.entry.key);
      if (earlier)
        problems.push({ where: item.where, key: item.entry.key, code: "USAGE", message: `the key appears more than once in the file (first at ${earlier})` });
      else first.set(item.entry.key, item.where);
    }
  }
  return { problems, total, totalBytes, keep };
}

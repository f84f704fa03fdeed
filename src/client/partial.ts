/**
 * The accounting of a write sent in several requests: how it is split, and, when a request fails
 * after others succeeded, which keys were done, which not, and which are unknown.
 */
import type { KvError } from "../core/errors.js";
import { answeredByApi } from "./answers.js";

/**
 * Splits items (their JSON texts) into consecutive [from, to) runs of at most `count` items and
 * `bytes` bytes with their separators; an item larger than `bytes` goes alone.
 */
export function split(items: readonly string[], count: number, bytes: number): [number, number][] {
  const runs: [number, number][] = [];
  let from = 0;
  let size = 0;
  items.forEach((item, i) => {
    const length = Buffer.byteLength(item) + 1;
    if (i > from && (i - from === count || size + length > bytes)) {
      runs.push([from, i]);
      from = i;
      size = 0;
    }
    size += length;
  });
  if (items.length > from) runs.push([from, items.length]);
  return runs;
}

/** The keys of parts before `failed` were done; the failed part's are unknown when its answer was lost, else not done; the rest not done. */
export function settled(parts: readonly string[][], failed: number, error: KvError): { done: string[]; unknown: string[]; notDone: string[] } {
  const lost = !answeredByApi(error);
  return {
    done: parts.slice(0, failed).flat(),
    unknown: lost ? parts[failed]! : [],
    notDone: [...(lost ? [] : parts[failed]!), ...parts.slice(failed + 1).flat()],
  };
}

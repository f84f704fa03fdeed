import type { KeyHashLog } from "../../../core/key-hashes.js";
import { footprintOf } from "./batches.js";
import type { SourceItem } from "./import-source.js";
import type { Problem } from "./summary.js";

/** Checks entries one by one: the problems, the count and the bytes; each valid key's hash into `hashes`. */
export async function checkItems(items: AsyncIterable<SourceItem>, prefix: string, hashes: KeyHashLog, keep: Set<string> | undefined, beforeEach: () => void) {
  const problems: Problem[] = [];
  let total = 0;
  let totalBytes = 0;
  for await (const item of items) {
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
  return { problems, total, totalBytes };
}

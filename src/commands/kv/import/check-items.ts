import { KvError } from "../../../core/errors.js";
import type { KeyHashLog } from "../../../core/key-hashes.js";
import type { Tier, TierLimits } from "../../../core/tiers.js";
import { validatePutAt } from "../../../core/validate.js";
import { footprintOf } from "./batches.js";
import type { SourceItem } from "./import-source.js";
import type { Problem } from "./summary.js";

/**
 * What the target measures a write against, as it answered before the check: its time (the
 * emulator's clock, which may be manual) and its site's tier. Plain data: the checker thread gets it too.
 */
export interface TargetTerms {
  now: number;
  tier: Tier;
  limits: TierLimits;
}

/**
 * Checks entries one by one: the problems, the count and the bytes; each valid key's hash into `hashes`.
 * An entry is checked as the write will check it (validatePutAt), against `target`, so that an entry
 * the write would refuse is refused here, before anything is written.
 */
export async function checkItems(
  items: AsyncIterable<SourceItem>,
  prefix: string,
  target: TargetTerms,
  hashes: KeyHashLog,
  keep: Set<string> | undefined,
  beforeEach: () => void,
) {
  const problems: Problem[] = [];
  let total = 0;
  let totalBytes = 0;
  for await (const item of items) {
    beforeEach();
    total++;
    if ("error" in item) {
      problems.push({ where: item.where, key: item.key ?? null, code: item.error.code, message: item.error.message });
      continue;
    }
    const { entry, where } = item;
    if (!entry.key.startsWith(prefix)) {
      problems.push({ where, key: entry.key, code: "USAGE", message: `the key is outside --prefix "${prefix}"` });
      continue;
    }
    try {
      validatePutAt(entry, target.now, target);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      problems.push({ where, key: entry.key, code: e.code, message: e.message });
      continue;
    }
    totalBytes += footprintOf(entry);
    hashes.add(entry.key);
    keep?.add(entry.key);
  }
  return { problems, total, totalBytes };
}

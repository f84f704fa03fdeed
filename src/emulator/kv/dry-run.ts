import type { DeleteResult } from "../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../core/bulk.js";
import { KvError } from "../../core/errors.js";
import { validateKey } from "../../core/validate.js";
import type { KvContext } from "./context.js";
import { formatVersion, parseStoredMetadata } from "./entry.js";
import { isLive, resolveOrError } from "./mutation.js";
import { classify } from "./write.js";
import { bulkPut } from "./writes.js";

/**
 * Dry runs: what a delete or a bulk put would do, read from the store in one snapshot, written
 * nowhere. They classify each mutation as the write path does (classify()), and write nothing.
 */
export function planDelete(engine: KvContext, site: string, namespace: string, keys: readonly string[], region: string | undefined): DeleteResult {
  const keyBytes = new Map(keys.map((key) => [key, validateKey(key)]));
  engine.region(region);
  return engine.run(
    false,
    () => {
      const at = engine.regionNow(region);
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      if (engine.regions.partitioned(at)) throw engine.unreachable(at, "write");
      const deleted: string[] = [];
      const missing: string[] = [];
      for (const [key, bytes] of keyBytes) {
        const head = engine.head(ns, bytes);
        (head && isLive(head, now) ? deleted : missing).push(key);
      }
      return { deleted, missing, version: null };
    },
    true,
  );
}

/** A bulk put's dry run: updates report what they would replace. */
export function planBulkPut(engine: KvContext, site: string, namespace: string, entries: readonly BulkEntry[], region: string | undefined): BulkOutcome[] {
  engine.region(region);
  return engine.run(
    false,
    () => {
      engine.regionNow(region);
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      const use = () => engine.usage.current(site);
      return entries.map((entry): BulkOutcome => {
        const r = resolveOrError(bulkPut(entry), now, use);
        if (r instanceof KvError) return { key: entry.key, outcome: "failed", error: { code: r.code, message: r.message } };
        const head = engine.head(ns, r.keyBytes);
        const { outcome, version } = classify(r, head, now);
        if (outcome === "unchanged") return { key: entry.key, outcome, version: formatVersion(version!) };
        if (outcome === "updated")
          return {
            key: entry.key,
            outcome,
            old: { value: head!.value ?? Buffer.alloc(0), metadata: parseStoredMetadata(head!.metadata), expiresAt: head!.expires_at },
          };
        return { key: entry.key, outcome: "created" };
      });
    },
    true,
  );
}

import type { Backend } from "../../../core/backend.js";
import { errors } from "../../../core/errors.js";
import { LIMITS } from "../../../core/limits.js";
import { footprintOf, readBatches, writeBatches } from "./batches.js";
import type { ImportFormat, ImportSource } from "./import-source.js";

/**
 * If the whole file could not cross the site's ceilings even if every entry were new, nothing more is
 * needed. Otherwise a comparison pass counts exactly what the import would add, and an import that
 * would cross a ceiling fails here, with nothing written.
 */
export async function checkCeilings(
  backend: Backend,
  ns: string,
  source: ImportSource,
  format: ImportFormat,
  size: number,
  total: number,
  totalBytes: number,
  region?: string,
): Promise<void> {
  const use = await backend.usage();
  const { keys: maxKeys, bytes: maxBytes } = use.ceilings;
  const fits = (keys: number, bytes: number) =>
    (maxKeys === null || use.storage.keys + keys <= maxKeys) && (maxBytes === null || use.storage.bytes + bytes <= maxBytes);
  if (fits(total, totalBytes)) return;
  let keys = 0;
  let bytes = 0;
  await writeBatches(
    readBatches(source, format, size),
    1,
    null,
    (batch) =>
      backend.bulkPut(
        ns,
        batch.map((p) => p.entry),
        { dryRun: true, region },
      ),
    async (batch, outcomes) => {
      outcomes.forEach((o, i) => {
        const entry = batch[i]!.entry;
        if (o.outcome === "created") {
          keys++;
          bytes += footprintOf(entry);
        } else if (o.outcome === "updated" && o.old) {
          bytes +=
            footprintOf(entry) -
            (Buffer.byteLength(entry.key) + o.old.value.length + (o.old.metadata === null ? 0 : Buffer.byteLength(JSON.stringify(o.old.metadata))));
        }
      });
    },
  );
  if (fits(keys, bytes)) return;
  const overKeys = maxKeys !== null && use.storage.keys + keys > maxKeys;
  throw errors.quota(
    use.site,
    use.tier,
    overKeys ? "keys" : "storage",
    (overKeys ? maxKeys : maxBytes)!,
    overKeys ? use.storage.keys : use.storage.bytes,
    overKeys ? keys : bytes,
  );
}

/** The keys under the prefix that the file does not have: what --prune removes. */
export async function keysToPrune(backend: Backend, ns: string, prefix: string, keep: Set<string>): Promise<string[]> {
  const gone: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await backend.list(ns, { prefix, cursor, limit: LIMITS.maxListLimit });
    for (const k of page.keys) if (!keep.has(k.key)) gone.push(k.key);
    cursor = page.cursor;
  } while (cursor !== null);
  return gone;
}

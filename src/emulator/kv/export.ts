import { prefixUpperBound } from "./cursor.js";
import type { KvContext } from "./context.js";

export interface ExportRow {
  key: Buffer;
  value: Buffer;
  expires_at: number | null;
  metadata: string | null;
}

/** Every live entry under a prefix, in key order, a page at a time (each page one snapshot, read as bulk work: store-mode.ts). */
export function* exportEntries(engine: KvContext, site: string, namespace: string, prefix: string, pageSize = 1000): Generator<ExportRow[]> {
  let after: Buffer | null = null;
  const upper = prefixUpperBound(Buffer.from(prefix, "utf8"));
  for (;;) {
    engine.mode.bulk();
    // One lower bound per query (the prefix, then the last key sent), so each page is an index seek.
    const page = engine.run(false, () => {
      const ns = engine.namespaceId(site, namespace);
      return engine
        .stmt(
          `SELECT key, value, expires_at, metadata FROM entries
         WHERE ns = ? AND key ${after === null ? ">=" : ">"} ? AND key < ? AND tombstone = 0 AND (expires_at IS NULL OR expires_at > ?)
         ORDER BY key LIMIT ?`,
        )
        .all(ns, after ?? Buffer.from(prefix, "utf8"), upper, engine.now(), pageSize) as ExportRow[];
    });
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.key;
  }
}

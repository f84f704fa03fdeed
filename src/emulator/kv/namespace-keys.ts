import type { KvContext } from "./context.js";

/**
 * A namespace's stored keys (namespaces.stored_keys): its home rows that are not tombstones, expired
 * ones included until they are reclaimed (reclaim.ts) or replaced, as footprint() counts a site's keys. Every
 * change of home's rows adds its difference here, in the same transaction, so the count is exact
 * without a scan.
 */
export function addStoredKeys(engine: KvContext, ns: number, keys: number): void {
  if (keys === 0) return;
  // A group of writes adds its namespaces' counts once (GroupRows): nothing reads them inside it.
  if (engine.groups.current) engine.groups.rows.addKeys(ns, keys);
  else engine.stmt("UPDATE namespaces SET stored_keys = stored_keys + ? WHERE id = ?").run(keys, ns);
}

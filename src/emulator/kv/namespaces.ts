import type { NamespaceInfo } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import { validateNamespaceName } from "../../core/validate.js";
import type { KvContext } from "./context.js";

export function createNamespace(engine: KvContext, site: string, name: string): NamespaceInfo {
  validateNamespaceName(name);
  return engine.run(true, () => {
    const now = engine.now();
    const result = engine.stmt("INSERT OR IGNORE INTO namespaces (site, name, created_at) VALUES (?, ?, ?)").run(site, name, now);
    if (result.changes === 0) throw errors.namespaceExists(name);
    return { name, createdAt: now, keys: 0 };
  });
}

export function listNamespaces(engine: KvContext, site: string): NamespaceInfo[] {
  return engine.run(
    false,
    () =>
      engine
        .stmt(
          // The stored keys, kept by every write (namespace-keys.ts): counting live keys would read every entry.
          `SELECT n.name, n.created_at AS createdAt, n.stored_keys AS keys
       FROM namespaces n WHERE n.site = ? AND n.name NOT LIKE '~%' ORDER BY n.name`,
        )
        .all(site) as NamespaceInfo[],
  );
}

import type { NamespaceInfo } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import { DEFAULT_NAMESPACE } from "../../core/limits.js";
import { validateNamespaceName } from "../../core/validate.js";
import type { KvContext } from "./context.js";
import { HOME_SEQ } from "./home-rows.js";

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
          `SELECT n.name, n.created_at AS createdAt,
         (SELECT count(*) FROM entries e WHERE e.ns = n.id AND e.tombstone = 0 AND (e.expires_at IS NULL OR e.expires_at > ?)) AS keys
       FROM namespaces n WHERE n.site = ? ORDER BY n.name`,
        )
        .all(engine.now(), site) as NamespaceInfo[],
  );
}

export function removeNamespace(engine: KvContext, site: string, name: string): void {
  if (name === DEFAULT_NAMESPACE) throw errors.namespaceProtected(name);
  engine.forgetNamespaces();
  engine.run(true, () => {
    // Its versions leave `entries` with it: the counter keeps the newest (see homeSeq()).
    engine.stmt(`UPDATE counters SET value = (${HOME_SEQ}) WHERE name = 'home_seq'`).run();
    const result = engine.stmt("DELETE FROM namespaces WHERE site = ? AND name = ?").run(site, name);
    if (result.changes === 0) throw errors.namespaceNotFound(name);
  });
}

import type { Statement } from "better-sqlite3";
import { errors } from "../../core/errors.js";
import type { Settings } from "../settings.js";

/**
 * A namespace's id by site and name, as every operation looks it up first. Ids change only when a
 * namespace is removed and made again, so they are cached until anyone writes (the settings' stamp).
 */
export class NamespaceIds {
  /** By site, then name: two lookups of strings whose hashes are kept, rather than one of a string made per call. */
  private readonly ids = new Map<string, Map<string, number>>();
  private stamp = -1;

  constructor(
    private readonly settings: Settings,
    /** The engine's prepared statements (Statements), shared with every operation. */
    private readonly stmt: (sql: string) => Statement,
  ) {}

  /** The id of namespace `name` of `site`; NAMESPACE_NOT_FOUND when there is none. */
  get(site: string, name: string): number {
    if (this.stamp !== this.settings.stamp) {
      this.ids.clear();
      this.stamp = this.settings.stamp;
    }
    let ofSite = this.ids.get(site);
    let id = ofSite?.get(name);
    if (id === undefined) {
      const row = this.stmt("SELECT id FROM namespaces WHERE site = ? AND name = ?").get(site, name) as { id: number } | undefined;
      if (!row) throw errors.namespaceNotFound(name);
      id = row.id;
      if (!ofSite) this.ids.set(site, (ofSite = new Map()));
      ofSite.set(name, id);
    }
    return id;
  }

  clear(): void {
    this.ids.clear();
  }
}

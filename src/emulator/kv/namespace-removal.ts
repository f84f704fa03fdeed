import { errors } from "../../core/errors.js";
import { DEFAULT_NAMESPACE } from "../../core/limits.js";
import type { KvContext } from "./context.js";
import { HOME_SEQ } from "./home-rows.js";
import { warmUp } from "./warm-up.js";
import { addStoredKeys } from "./namespace-keys.js";

/**
 * A namespace being removed is first renamed to this, followed by its id and its name: no namespace
 * name can hold "~" or "/", so no lookup by name finds it, its name is free at once, and a removal a
 * crash stopped is found again by the name it had.
 */
const REMOVING = "~removing/";
/**
 * Keys removed per transaction unless the caller sizes the steps (LocalBackend does, by how long each
 * held the write lock: StepSize): about 4 ms of CPU for 1,000 keys of 720 bytes, so another process
 * waits for the write lock that long, not the whole namespace's time.
 */
const KEYS_PER_STEP = 1_000;

/**
 * Starts removing a namespace, in one short transaction: it is hidden from every lookup by name,
 * and home's counter keeps the newest version its keys held. Returns the ids of namespaces to empty
 * by removeNamespaceStep(): this one, and any earlier removal of the same name a crash stopped
 * (which makes a second run of the same removal finish the first).
 */
export function beginNamespaceRemoval(engine: KvContext, site: string, name: string): number[] {
  if (name === DEFAULT_NAMESPACE) throw errors.namespaceProtected(name);
  engine.forgetNamespaces();
  return engine.run(true, () => {
    const stopped = engine
      .stmt("SELECT id FROM namespaces WHERE site = ? AND name LIKE ? AND substr(name, -?) = ?")
      .pluck()
      .all(site, `${REMOVING}%`, name.length + 1, `/${name}`) as number[];
    // Not plucked: statements are shared by their text, and NamespaceIds reads this one as a row.
    const id = (engine.stmt("SELECT id FROM namespaces WHERE site = ? AND name = ?").get(site, name) as { id: number } | undefined)?.id;
    if (id === undefined && stopped.length === 0) throw errors.namespaceNotFound(name);
    if (id !== undefined) {
      // Bindings name a namespace by name: they would reach a namespace made later of the same name.
      const bound = engine.stmt("SELECT route, variable FROM bindings WHERE site = ? AND namespace = ? ORDER BY route, variable").all(site, name) as {
        route: string;
        variable: string;
      }[];
      if (bound.length > 0) throw errors.namespaceBound(name, bound);
      engine.stmt(`UPDATE counters SET value = (${HOME_SEQ}) WHERE name = 'home_seq'`).run();
      engine.stmt("UPDATE namespaces SET name = ? WHERE id = ?").run(`${REMOVING}${id}/${name}`, id);
    }
    return id === undefined ? stopped : [id, ...stopped];
  });
}

/**
 * Removes the next keys of a namespace being removed (their history, and what edges cached of
 * them, go with them) and takes what they stored off the site's usage, in one transaction; once
 * none are left, the namespace itself. Returns how many keys it removed, or null when the namespace
 * is gone.
 */
export function removeNamespaceStep(engine: KvContext, site: string, id: number, keys = KEYS_PER_STEP): { removed: number; heldMs: number } | null {
  // Each page is read once, to be freed: kept mapped, all of them would stay in this process's memory.
  engine.mode.bulk();
  let started = 0;
  warmUp(engine, "ns = ?", () => [id], keys);
  const removed = engine.run(true, () => {
    // biome-ignore lint/plugin/no-wall-clock: how long the write lock is held is real time, whatever the emulated clock says
    started = performance.now();
    return removeStep(engine, site, id, keys);
  });
  // biome-ignore lint/plugin/no-wall-clock: how long the write lock is held is real time, whatever the emulated clock says
  return removed === null ? null : { removed, heldMs: performance.now() - started };
}

/** Inside the step's transaction. */
function removeStep(engine: KvContext, site: string, id: number, keys: number): number | null {
  {
    const exists = engine.stmt("SELECT 1 FROM namespaces WHERE id = ? AND site = ? AND name LIKE ?").get(id, site, `${REMOVING}%`);
    if (!exists) return null;
    // The last key of this step; none: fewer keys are left than a step takes, so all of them go.
    const last = engine
      .stmt("SELECT key FROM entries WHERE ns = ? ORDER BY key LIMIT 1 OFFSET ?")
      .pluck()
      .get(id, keys - 1) as Buffer | undefined;
    const range = last === undefined ? "ns = ?" : "ns = ? AND key <= ?";
    const bounds = last === undefined ? [id] : [id, last];
    // What these keys occupy, as footprint() counts it: live and expired versions alike, never a delete.
    const held = engine
      .stmt(
        `SELECT count(*) AS rows, coalesce(sum(tombstone = 0), 0) AS keys,
           coalesce(sum(CASE WHEN tombstone = 0 THEN length(key) + coalesce(length(value), 0) + coalesce(length(CAST(metadata AS BLOB)), 0) END), 0) AS bytes
         FROM entries WHERE ${range}`,
      )
      .get(...bounds) as { rows: number; keys: number; bytes: number };
    engine.stmt(`DELETE FROM versions WHERE ${range}`).run(...bounds);
    engine.stmt(`DELETE FROM entries WHERE ${range}`).run(...bounds);
    if (held.keys > 0 || held.bytes > 0) engine.usage.apply(site, -held.keys, -held.bytes, 0, engine.now());
    addStoredKeys(engine, id, -held.keys);
    if (last === undefined) {
      // The namespace's last rows: edges' copies and read repairs of its keys, then the namespace.
      for (const table of ["floors", "cache_entries", "list_cache"]) engine.stmt(`DELETE FROM ${table} WHERE ns = ?`).run(id);
      engine.stmt("DELETE FROM namespaces WHERE id = ?").run(id);
    }
    return held.rows;
  }
}

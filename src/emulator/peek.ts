import { existsSync } from "node:fs";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { DEFAULT_PARAMS, type ModelParams } from "./regions/model.js";
import { sqliteBinding, STORE_FILE } from "./store/store-file.js";

/**
 * A read-only look at a data directory's store, for shell completion: it must answer in a few ms, so
 * it loads no engine, no migrations and no settings, only better-sqlite3 when there is a store to
 * open. The store is opened read-only, never created, never waited for.
 */
export interface StorePeek {
  sites(): string[];
  namespaces(site: string): string[];
  /** Home, then the edges, as configured. */
  regions(): string[];
  /** Keys that start with `prefix`, a level at a time (see keysUnder), at most `max`. */
  keys(site: string, namespace: string, prefix: string, max: number): string[];
  close(): void;
}

/** Opens the store of `dataDir` to look at; undefined when there is none. */
export async function peekStore(dataDir: string): Promise<StorePeek | undefined> {
  const file = join(dataDir, STORE_FILE);
  if (!existsSync(file)) return undefined;
  const { default: Database } = await import("better-sqlite3");
  // A writer holding the store for longer than this leaves the completion empty, not the shell waiting.
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 50, ...sqliteBinding() });
  return {
    sites: () => column(db.prepare("SELECT name FROM sites ORDER BY name").all()),
    namespaces: (site) => column(db.prepare("SELECT name FROM namespaces WHERE site = ? AND name NOT LIKE '~%' ORDER BY name").all(site)),
    regions: () => regions(db),
    keys: (site, namespace, prefix, max) => keysUnder(db, site, namespace, prefix, max),
    close: () => db.close(),
  };
}

const column = (rows: unknown[]) => rows.map((r) => (r as { name: string }).name);

function regions(db: BetterSqlite3.Database): string[] {
  const row = db.prepare("SELECT value FROM settings WHERE name = 'model'").get() as { value: string } | undefined;
  const model: ModelParams = { ...DEFAULT_PARAMS, ...(row ? (JSON.parse(row.value) as Partial<ModelParams>) : {}) };
  return [model.home, ...model.edges];
}

/**
 * Keys that start with `prefix`, a level at a time as a shell lists files: a key with a further "/"
 * is offered as its next level (`flags/` for `flags/a` and `flags/b`). Each value is one seek in the
 * store's (namespace, key) index, so the cost does not grow with the namespace. Removed keys are left
 * out; expired ones are not (expiry follows the emulator's clock, which only the engine reads).
 */
function keysUnder(db: BetterSqlite3.Database, site: string, namespace: string, prefix: string, max: number): string[] {
  const ns = db.prepare("SELECT id FROM namespaces WHERE site = ? AND name = ?").get(site, namespace) as { id: number } | undefined;
  if (!ns) return [];
  const start = Buffer.from(prefix, "utf8");
  const end = after(start);
  const next = db.prepare(`SELECT key FROM entries WHERE ns = ? AND key >= ? ${end ? "AND key < ?" : ""} AND tombstone = 0 ORDER BY key LIMIT 1`);
  const values: string[] = [];
  let from: Buffer | null = start;
  while (from !== null && values.length < max) {
    const row = next.get(ns.id, from, ...(end ? [end] : [])) as { key: Buffer } | undefined;
    if (!row) break;
    const slash = row.key.indexOf(0x2f, start.length);
    if (slash === -1) {
      values.push(row.key.toString("utf8"));
      from = Buffer.concat([row.key, Buffer.of(0)]);
    } else {
      const level = row.key.subarray(0, slash + 1);
      values.push(level.toString("utf8"));
      from = after(level);
    }
  }
  return values;
}

/** The least byte string greater than every string that starts with `prefix`; null when there is none. */
function after(prefix: Buffer): Buffer | null {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]!++;
      return bytes.subarray(0, i + 1);
    }
  }
  return null;
}

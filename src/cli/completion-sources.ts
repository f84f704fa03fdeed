import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { DEFAULT_NAMESPACE, DEFAULT_SITE } from "../core/limits.js";
import { DEFAULT_PARAMS } from "../emulator/regions/model.js";
import type { Globals } from "../commands/context.js";
import { MAX_VALUES, type GivenOptions, type ValueSources } from "./complete-words.js";
import { resolveDataDir } from "../project/data-dir.js";
import { resolveTarget } from "../project/target.js";
import { readUserConfig } from "../project/user-config.js";

/**
 * Values for shell completion, read where commands would read them: the target is resolved as every
 * command resolves it (flags, environment, project file, profile), and keys, namespaces and sites
 * come from the embedded store only, opened read-only, never created, never waited for. A platform
 * API target offers none: completion sends no request, so a stored token goes nowhere and a slow
 * network never holds the shell. Emulator commands (and inspect) act on the data directory's store
 * whatever the target, so theirs come from it too. Profiles are names in the user's config file.
 */
export function storeSources(env: Record<string, string | undefined>, cwd: string): ValueSources {
  return {
    async values(source, typed, given, path) {
      try {
        if (source === "profiles") return Object.keys(readUserConfig(env).profiles ?? {}).sort();
        const local = path[0] === "kv" && (path[1] === "emulator" || path[1] === "inspect");
        const globals = globalsOf(given);
        if (!local && (await resolveTarget(globals, env, cwd)).kind !== "embedded") return [];
        const db = await openReadOnly(resolveDataDir(globals.dataDir, env, cwd));
        if (!db) return [];
        try {
          const site = globals.site ?? env.YOURSPACE_SITE ?? DEFAULT_SITE;
          if (source === "sites") return column(db.prepare("SELECT name FROM sites ORDER BY name").all());
          if (source === "namespaces") return column(db.prepare("SELECT name FROM namespaces WHERE site = ? ORDER BY name").all(site));
          if (source === "regions") return regions(db);
          const namespace = typeof given.get("--namespace") === "string" ? (given.get("--namespace") as string) : DEFAULT_NAMESPACE;
          return keysUnder(db, site, namespace, typed);
        } finally {
          db.close();
        }
      } catch {
        // An unknown profile, a project file that does not parse, a store that is busy or corrupt:
        // the command itself will say so; completion offers nothing.
        return [];
      }
    },
  };
}

function globalsOf(given: GivenOptions): Globals {
  const text = (flag: string) => (typeof given.get(flag) === "string" ? (given.get(flag) as string) : undefined);
  return {
    json: false,
    quiet: false,
    color: false,
    dataDir: text("--data-dir"),
    local: given.get("--local") === true,
    remote: given.get("--remote") === true,
    apiUrl: text("--api-url"),
    token: text("--token"),
    site: text("--site"),
  };
}

const require = createRequire(import.meta.url);

async function openReadOnly(dataDir: string): Promise<BetterSqlite3.Database | undefined> {
  const file = join(dataDir, "kv.sqlite");
  if (!existsSync(file)) return undefined;
  const { default: Database } = await import("better-sqlite3");
  let nativeBinding: string | undefined;
  try {
    nativeBinding = require.resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    // Not at the usual place: better-sqlite3 looks for it itself.
  }
  // A writer holding the store for longer than this leaves the completion empty, not the shell waiting.
  return new Database(file, { readonly: true, fileMustExist: true, timeout: 50, nativeBinding });
}

const column = (rows: unknown[]) => rows.map((r) => (r as { name: string }).name);

function regions(db: BetterSqlite3.Database): string[] {
  const row = db.prepare("SELECT value FROM settings WHERE name = 'model'").get() as { value: string } | undefined;
  const model = { ...DEFAULT_PARAMS, ...(row ? (JSON.parse(row.value) as Partial<typeof DEFAULT_PARAMS>) : {}) };
  return [model.home, ...model.edges];
}

/**
 * Keys that start with `prefix`, a level at a time as a shell lists files: a key with a further "/"
 * is offered as its next level (`flags/` for `flags/a` and `flags/b`). Each value is one seek in the
 * store's (namespace, key) index, so the cost does not grow with the namespace. Removed keys are left
 * out; expired ones are not (expiry follows the emulator's clock, which only the engine reads).
 */
function keysUnder(db: BetterSqlite3.Database, site: string, namespace: string, prefix: string): string[] {
  const ns = db.prepare("SELECT id FROM namespaces WHERE site = ? AND name = ?").get(site, namespace) as { id: number } | undefined;
  if (!ns) return [];
  const start = Buffer.from(prefix, "utf8");
  const end = after(start);
  const next = db.prepare(`SELECT key FROM entries WHERE ns = ? AND key >= ? ${end ? "AND key < ?" : ""} AND tombstone = 0 ORDER BY key LIMIT 1`);
  const values: string[] = [];
  let from: Buffer | null = start;
  while (from !== null && values.length < MAX_VALUES) {
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

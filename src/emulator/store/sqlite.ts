import { createRequire } from "node:module";
import BetterSqlite3 from "better-sqlite3";
import { KvError } from "../../core/errors.js";
import { fromSystemError } from "../../core/system-errors.js";

export type Database = BetterSqlite3.Database;

/** Prepared statements, made once per connection and reused: preparing costs more than running. */
export class Statements {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  constructor(private readonly db: Database) {}

  get(sql: string): BetterSqlite3.Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}

const require = createRequire(import.meta.url);

/**
 * The addon's own lookup (the `bindings` package) probes a dozen paths on every start; the file is at a
 * known place in a normal install, so name it and fall back to the lookup only when it is elsewhere.
 */
export function nativeBindingPath(): string | undefined {
  try {
    return require.resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    return undefined;
  }
}

/**
 * Turns SQLite's failures (and the system's, met while using the store) into catalogue errors, so
 * users never see "database is locked" or "This is a bug" for a full disk; a bug is left as it is.
 */
export function translateSqliteError(e: unknown, dataDir: string): unknown {
  if (e instanceof KvError) return e;
  return fromSystemError(e, { dataDir }) ?? e;
}


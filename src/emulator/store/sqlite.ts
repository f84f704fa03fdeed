import type BetterSqlite3 from "better-sqlite3";
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

/**
 * Turns SQLite's failures (and the system's, met while using the store) into catalogue errors, so
 * users never see "database is locked" or "This is a bug" for a full disk; a bug is left as it is.
 */
export function translateSqliteError(e: unknown, dataDir: string): unknown {
  if (e instanceof KvError) return e;
  return fromSystemError(e, { dataDir }) ?? e;
}

import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { KvError } from "../../core/errors.js";
import { environmentErrors } from "../../core/environment-errors.js";
import { fromSystemError, READ_ONLY_GUARD, READ_ONLY_RECORDING_GUARD } from "../../core/system-errors.js";
import { migrate } from "./schema.js";
import { translateSqliteError, type Database } from "./sqlite.js";
import { sqliteBinding } from "./store-file.js";
import { FILE_MODE } from "./store-dir.js";

const READ_ONLY_CODES = /^(SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|EROFS|EACCES|EPERM)/;

export function isReadOnlyFailure(e: unknown): boolean {
  return READ_ONLY_CODES.test((e as { code?: string }).code ?? "");
}

/**
 * Why this process may not write the store, or undefined when it may. The store file is asked each
 * time (one access() call); the directory only when SQLite failed (`afterFailure`), since an open
 * store's -wal and -shm files may already exist and be writable.
 */
export function whyReadOnly(dataDir: string, file: string, afterFailure = false): string | undefined {
  const refusal = (path: string): string | undefined => {
    try {
      accessSync(path, constants.W_OK);
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EROFS") return "its file system is read-only";
      if (code === "EACCES" || code === "EPERM") return `you may not write to ${path === dataDir ? "the directory" : basename(path)}`;
      return undefined;
    }
  };
  const fileRefusal = refusal(file);
  if (fileRefusal || !afterFailure) return fileRefusal;
  return refusal(dataDir) ?? refusal(`${file}-wal`) ?? refusal(`${file}-shm`);
}

/**
 * A store this process may not write to still serves reads. Reads write too (the audit log, read
 * meters, edge caches), and SQLite cannot read a WAL-mode store in place without making its -wal
 * and -shm files; its `immutable` option needs URI file names, which this build of better-sqlite3
 * does not enable. So reads run on a private copy, made in the temporary directory and deleted at
 * once (the open connection keeps it until it closes): what reads write there vanishes with the
 * process, and writes of what users see (keys, namespaces, sites, settings …) are refused by
 * triggers on the copy with the catalogued STORE_READ_ONLY. A store that needs migrating is
 * migrated in the copy only.
 */
export function openReadOnly(dataDir: string, file: string, now: number, reason: string): Database {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw environmentErrors.dataDirUnusable(
      dataDir,
      `you may neither write nor read ${basename(file)}`,
      "Ask its owner for access, or choose another data directory.",
    );
  }
  let scratch: string | undefined;
  try {
    scratch = mkdtempSync(join(tmpdir(), "yourspace-read-only-"));
    const copy = join(scratch, basename(file));
    snapshot(file, copy, dataDir);
    const db = new BetterSqlite3(copy, sqliteBinding());
    // No file beside the copy, which is deleted while open (WAL files would be named by its path).
    db.pragma("journal_mode = MEMORY");
    db.pragma("synchronous = OFF");
    db.pragma("foreign_keys = ON");
    migrate(db, now);
    guardUserState(db, reason);
    readOnlyStores.set(db, reason);
    return db;
  } catch (e) {
    if (e instanceof KvError) throw e;
    const failure = fromSystemError(e, { dataDir });
    // What is wrong with the temporary directory (missing, full, not writable) is said as such.
    if (failure && (failure.code === "RESOURCE_LIMIT" || failure.code === "IO_ERROR" || failure.code === "STORE_CORRUPT")) throw failure;
    throw environmentErrors.dataDirUnusable(
      dataDir,
      `it is read-only (${reason}), and reading it needs a private copy in ${tmpdir()}, which could not be made (${(e as Error).message})`,
      "Point TMPDIR at a directory with room for a copy of the store, or make the data directory writable.",
    );
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

const readOnlyStores = new WeakMap<Database, string>();

/** Why a store opened by openStore() refuses writes, or undefined when it takes them. */
export function readOnlyReason(db: Database): string | undefined {
  return readOnlyStores.get(db);
}

/**
 * Copies the store with its last committed writes. A read-only connection gives a consistent copy
 * (VACUUM INTO) when SQLite can use the store's -wal and -shm files in place; when they do not exist
 * and cannot be made, no process has the store open, and the files themselves are the store.
 */
function snapshot(file: string, copy: string, dataDir: string): void {
  let source: Database | undefined;
  try {
    source = new BetterSqlite3(file, { readonly: true, fileMustExist: true, ...sqliteBinding() });
    source.prepare("VACUUM INTO ?").run(copy);
    return;
  } catch (e) {
    if (!isReadOnlyFailure(e)) throw translateSqliteError(e, dataDir);
    rmSync(copy, { force: true });
  } finally {
    source?.close();
  }
  copyFileSync(file, copy, constants.COPYFILE_FICLONE);
  chmodSync(copy, FILE_MODE);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`, constants.COPYFILE_FICLONE);
}

/**
 * Tables whose rows are what users write (keys, namespaces, sites, tokens, bindings, emulator
 * settings, faults, version counters). In a read-only store, triggers refuse every change to them.
 */
export const USER_STATE_TABLES = ["counters", "sites", "tokens", "bindings", "settings", "namespaces", "entries", "faults", "settled"] as const;

/**
 * Tables that reads write to (the audit log and meters, edge caches and read-repair floors, compacted
 * key histories), or that change only with a write to the tables above. A test checks that every
 * table of the schema is in exactly one of the two lists.
 */
export const READ_SIDE_TABLES = ["audit", "meters", "usage", "versions", "floors", "cache_entries", "list_cache", "idempotency"] as const;

function guardUserState(db: Database, reason: string): void {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const refusal = quote(READ_ONLY_GUARD + reason);
  for (const table of USER_STATE_TABLES) {
    for (const change of ["INSERT", "UPDATE", "DELETE"]) {
      // A recorded history numbers its records with a counter: a read is refused for that, and says so.
      const when = table === "counters" && change === "UPDATE" ? "WHEN OLD.name <> 'record_seq' " : "";
      db.exec(
        `CREATE TEMP TRIGGER read_only_${table}_${change.toLowerCase()} BEFORE ${change} ON main.${table} ${when}BEGIN SELECT RAISE(ABORT, ${refusal}); END`,
      );
    }
  }
  db.exec(
    `CREATE TEMP TRIGGER read_only_recording BEFORE UPDATE ON main.counters WHEN OLD.name = 'record_seq' BEGIN SELECT RAISE(ABORT, ${quote(READ_ONLY_RECORDING_GUARD + reason)}); END`,
  );
}

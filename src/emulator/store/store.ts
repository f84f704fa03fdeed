import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { errors, KvError } from "../../core/errors.js";
import { fromSystemError, READ_ONLY_GUARD, READ_ONLY_RECORDING_GUARD } from "../../core/system-errors.js";
import { migrate } from "./migrations.js";
import { diagnoseOpenFailure, FILE_MODE, prepareDataDir } from "./store-dir.js";

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

export const STORE_FILE = "kv.sqlite";

/** How much of the store file reads may map into memory. */
const MMAP_BYTES = 256 * 1024 * 1024;

/** How long a writer waits for another process's transaction before giving up. */
const BUSY_TIMEOUT_MS = 30_000;


export interface OpenOptions {
  /** A directory, or ":memory:" for a private store that vanishes on close (tests). */
  dataDir: string;
  /** Time used for rows created while opening (the default namespace). */
  now: number;
}

/**
 * Opens (creating if needed) the store in a data directory: WAL mode, migrated, ready for concurrent
 * processes. A store this process may not write to is opened read-only (see openReadOnly). Every
 * failure is a catalogued error that names the directory and what is wrong with it.
 */
export function openStore({ dataDir, now }: OpenOptions): Database {
  if (dataDir === ":memory:") {
    const db = new BetterSqlite3(":memory:", { nativeBinding: nativeBindingPath() });
    db.pragma("foreign_keys = ON");
    migrate(db, now);
    return db;
  }
  prepareDataDir(dataDir, STORE_FILE);
  const file = join(dataDir, STORE_FILE);
  const readOnly = whyReadOnly(dataDir, file);
  if (readOnly) return openReadOnly(dataDir, file, now, readOnly);
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: nativeBindingPath() });
    enableWal(db);
    db.pragma("synchronous = NORMAL");
    // Reads through a mapping rather than a system call per page: an edge read walks more of the
    // store than a home read (a key's history), and pays for every page it misses most. Bulk export
    // turns it off for its own run (Engine.exportEntries).
    db.pragma(`mmap_size = ${MMAP_BYTES}`);
    db.pragma("foreign_keys = ON");
    migrate(db, now);
    return db;
  } catch (e) {
    db?.close();
    // The directory may refuse only what SQLite makes beside the store (its -wal and -shm files).
    const readOnlyNow = isReadOnlyFailure(e) ? whyReadOnly(dataDir, file, true) : undefined;
    if (readOnlyNow) return openReadOnly(dataDir, file, now, readOnlyNow);
    throw openFailure(e, dataDir, file);
  }
}

const READ_ONLY_CODES = /^(SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|EROFS|EACCES|EPERM)/;

function isReadOnlyFailure(e: unknown): boolean {
  return READ_ONLY_CODES.test((e as { code?: string }).code ?? "");
}

/**
 * Why this process may not write the store, or undefined when it may. The store file is asked each
 * time (one access() call); the directory only when SQLite failed (`afterFailure`), since an open
 * store's -wal and -shm files may already exist and be writable.
 */
function whyReadOnly(dataDir: string, file: string, afterFailure = false): string | undefined {
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
function openReadOnly(dataDir: string, file: string, now: number, reason: string): Database {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw errors.dataDirUnusable(dataDir, `you may neither write nor read ${STORE_FILE}`, `Ask its owner for access, or choose another data directory with --data-dir or YOURSPACE_DATA_DIR.`);
  }
  let scratch: string | undefined;
  try {
    scratch = mkdtempSync(join(tmpdir(), "yourspace-read-only-"));
    const copy = join(scratch, STORE_FILE);
    snapshot(file, copy, dataDir);
    const db = new BetterSqlite3(copy, { nativeBinding: nativeBindingPath() });
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
    throw errors.dataDirUnusable(
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
    source = new BetterSqlite3(file, { readonly: true, fileMustExist: true, nativeBinding: nativeBindingPath() });
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
      db.exec(`CREATE TEMP TRIGGER read_only_${table}_${change.toLowerCase()} BEFORE ${change} ON main.${table} ${when}BEGIN SELECT RAISE(ABORT, ${refusal}); END`);
    }
  }
  db.exec(`CREATE TEMP TRIGGER read_only_recording BEFORE UPDATE ON main.counters WHEN OLD.name = 'record_seq' BEGIN SELECT RAISE(ABORT, ${quote(READ_ONLY_RECORDING_GUARD + reason)}); END`);
}

/** A failure to open a store, diagnosed: SQLite's own message ("unable to open database file") says too little. */
function openFailure(e: unknown, dataDir: string, file: string): unknown {
  const code = (e as { code?: string }).code ?? "";
  if (code.startsWith("SQLITE_CANTOPEN") || code === "SQLITE_PERM") {
    const diagnosed = diagnoseOpenFailure(dataDir, [file, `${file}-wal`, `${file}-shm`]);
    if (diagnosed) return diagnosed;
  }
  return translateSqliteError(e, dataDir);
}

/**
 * Switching a new database to WAL needs a moment alone with the file, and SQLite answers BUSY at once
 * rather than waiting when another process is doing the same. Try again until it is done (by us or by
 * the other process) or the usual busy timeout passes.
 */
function enableWal(db: Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  // Waits of 1, 2, 4 … 50 ms add up to the busy timeout; counted, so no clock is read.
  for (let waited = 0, wait = 1; ; waited += wait, wait = Math.min(wait * 2, 50)) {
    try {
      if (db.pragma("journal_mode", { simple: true }) === "wal" || db.pragma("journal_mode = WAL", { simple: true }) === "wal") return;
    } catch (e) {
      if (!((e as { code?: string }).code ?? "").startsWith("SQLITE_BUSY") || waited > BUSY_TIMEOUT_MS) throw e;
    }
    if (waited > BUSY_TIMEOUT_MS) return;
    Atomics.wait(pause, 0, 0, wait);
  }
}


const require = createRequire(import.meta.url);

/**
 * The addon's own lookup (the `bindings` package) probes a dozen paths on every start; the file is at a
 * known place in a normal install, so name it and fall back to the lookup only when it is elsewhere.
 */
function nativeBindingPath(): string | undefined {
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

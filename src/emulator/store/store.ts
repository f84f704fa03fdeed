import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { isReadOnlyFailure, openReadOnly, whyReadOnly } from "./read-only.js";
import { migrate } from "./schema.js";
import { translateSqliteError, type Database } from "./sqlite.js";
import { sqliteBinding, STORE_FILE } from "./store-file.js";
import { diagnoseOpenFailure, prepareDataDir } from "./store-dir.js";

/** How much of the store file reads may map into memory. */
const MMAP_BYTES = 256 * 1024 * 1024;

/** How long a writer waits for another process's transaction before giving up. */
const BUSY_TIMEOUT_MS = 30_000;

export interface OpenOptions {
  /** A directory, or ":memory:" for a private store that vanishes on close (tests). */
  dataDir: string;
  /** Time used for rows created while opening (the default namespace). */
  now: number;
  /** Told before a store made by an earlier version is migrated (see migrate). */
  onUpgrade?: (from: number, to: number) => void;
}

/**
 * Opens (creating if needed) the store in a data directory: WAL mode, migrated, ready for concurrent
 * processes. A store this process may not write to is opened read-only (see openReadOnly). Every
 * failure is a catalogued error that names the directory and what is wrong with it.
 */
export function openStore({ dataDir, now, onUpgrade }: OpenOptions): Database {
  if (dataDir === ":memory:") {
    const db = new BetterSqlite3(":memory:", sqliteBinding());
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
    db = new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS, ...sqliteBinding() });
    enableWal(db);
    db.pragma("synchronous = NORMAL");
    // Reads through a mapping rather than a system call per page: an edge read walks more of the
    // store than a home read (a key's history), and pays for every page it misses most. Bulk export
    // turns it off for its own run (Engine.exportEntries).
    db.pragma(`mmap_size = ${MMAP_BYTES}`);
    db.pragma("foreign_keys = ON");
    migrate(db, now, onUpgrade);
    return db;
  } catch (e) {
    db?.close();
    // The directory may refuse only what SQLite makes beside the store (its -wal and -shm files).
    const readOnlyNow = isReadOnlyFailure(e) ? whyReadOnly(dataDir, file, true) : undefined;
    if (readOnlyNow) return openReadOnly(dataDir, file, now, readOnlyNow);
    throw openFailure(e, dataDir, file);
  }
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

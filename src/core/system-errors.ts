import { statfsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { errors, type KvError } from "./errors.js";
import { environmentErrors } from "./environment-errors.js";

/**
 * Failures of the environment, not of yourspace: a full disk, a read-only or damaged store, a path
 * that cannot be used, a process out of open files, a network that does not answer. Each becomes a
 * catalogued error that says what happened and what to do, whichever command met it; only what is
 * left (a bug) is reported as INTERNAL. The store (src/emulator/store.ts) and the CLI's error
 * boundary (src/cli/run.ts) both translate through here.
 */

/** Where the failure may have happened, for naming it. */
export interface Surroundings {
  /** The data directory of the embedded store, when the command opened one. */
  dataDir?: string;
  /** What a failure that names no path was reading or writing ("standard output"). */
  subject?: string;
}

type Kind = "space" | "device" | "resource" | "path" | "network";

/** System error codes that say the environment refused, with the words a message uses for each. */
const ERRNO: Record<string, { kind: Kind; text: string }> = {
  ENOSPC: { kind: "space", text: "no space left on the device" },
  EDQUOT: { kind: "space", text: "the disk quota is used up" },
  EFBIG: { kind: "space", text: "the file would be larger than the system allows" },
  EIO: { kind: "device", text: "input/output error" },
  ENXIO: { kind: "device", text: "the device is not there" },
  ESTALE: { kind: "device", text: "stale network file handle" },
  EMFILE: { kind: "resource", text: "too many open files in this process" },
  ENFILE: { kind: "resource", text: "too many open files in the system" },
  ENOMEM: { kind: "resource", text: "out of memory" },
  ENOBUFS: { kind: "resource", text: "out of buffer space" },
  EACCES: { kind: "path", text: "permission denied" },
  EPERM: { kind: "path", text: "operation not permitted" },
  EROFS: { kind: "path", text: "the file system is read-only" },
  EISDIR: { kind: "path", text: "it is a directory" },
  ENOTDIR: { kind: "path", text: "a part of the path is not a directory" },
  ENOENT: { kind: "path", text: "no such file or directory" },
  ENAMETOOLONG: { kind: "path", text: "the path is too long" },
  ELOOP: { kind: "path", text: "too many levels of symbolic links" },
  EEXIST: { kind: "path", text: "it already exists" },
  EBUSY: { kind: "path", text: "it is busy" },
  ETXTBSY: { kind: "path", text: "it is busy" },
  EXDEV: { kind: "path", text: "it is on another file system" },
  ECONNREFUSED: { kind: "network", text: "connection refused" },
  ECONNRESET: { kind: "network", text: "connection reset" },
  ECONNABORTED: { kind: "network", text: "connection aborted" },
  ETIMEDOUT: { kind: "network", text: "timed out" },
  EHOSTUNREACH: { kind: "network", text: "host unreachable" },
  ENETUNREACH: { kind: "network", text: "network unreachable" },
  ENETDOWN: { kind: "network", text: "network down" },
  ENOTFOUND: { kind: "network", text: "host name not found" },
  EAI_AGAIN: { kind: "network", text: "host name lookup failed for now" },
  EADDRINUSE: { kind: "network", text: "address already in use" },
  EADDRNOTAVAIL: { kind: "network", text: "address not available" },
};

/** What a system error code means, in words, with the code: "permission denied (EACCES)". */
export function describeErrno(code: string): string | undefined {
  const known = ERRNO[code];
  return known && `${known.text} (${code})`;
}

/** The system error codes this module recognises (for tests). */
export const SYSTEM_ERROR_CODES: readonly string[] = Object.keys(ERRNO);

/**
 * SQLite's result codes for the environment, by prefix (an extended code such as SQLITE_IOERR_WRITE
 * starts with its primary code's name). The rest (SQLITE_ERROR, SQLITE_MISUSE, SQLITE_CONSTRAINT,
 * SQLITE_TOOBIG …) are the program's mistakes and stay bugs.
 */
const SQLITE: readonly [prefix: string, translate: (dir: string, detail: string, code: string) => KvError][] = [
  ["SQLITE_BUSY", (dir) => environmentErrors.storeBusy(dir)],
  ["SQLITE_LOCKED", (dir) => environmentErrors.storeBusy(dir)],
  ["SQLITE_PROTOCOL", (dir) => environmentErrors.storeBusy(dir)],
  ["SQLITE_FULL", (dir, detail) => environmentErrors.diskFull(`the local store in ${dir}`, detail)],
  ["SQLITE_READONLY", (dir, _detail, code) => environmentErrors.storeReadOnly(dir, READONLY_REASON[code] ?? "SQLite opened it read-only")],
  ["SQLITE_CORRUPT", (dir, detail) => environmentErrors.storeCorrupt(dir, detail)],
  ["SQLITE_NOTADB", (dir, detail) => environmentErrors.storeCorrupt(dir, detail)],
  ["SQLITE_IOERR_NOMEM", (_dir, detail) => environmentErrors.resourceLimit(detail)],
  ["SQLITE_IOERR", (dir, detail) => environmentErrors.ioError(`the local store in ${dir}`, detail)],
  ["SQLITE_NOMEM", (_dir, detail) => environmentErrors.resourceLimit(detail)],
  ["SQLITE_NOLFS", (dir, detail) => environmentErrors.ioError(`the local store in ${dir}`, detail)],
  ["SQLITE_CANTOPEN", (dir, detail) => environmentErrors.dataDirUnusable(dir, `SQLite cannot open its files (${detail})`)],
  ["SQLITE_PERM", (dir, detail) => environmentErrors.dataDirUnusable(dir, `SQLite was refused access to its files (${detail})`)],
];

const READONLY_REASON: Record<string, string> = {
  SQLITE_READONLY_DIRECTORY: "its directory cannot be written",
  SQLITE_READONLY_DBMOVED: "kv.sqlite was moved or removed while in use",
  SQLITE_READONLY_CANTLOCK: "its -shm file cannot be written",
  SQLITE_READONLY_CANTINIT: "its -shm file cannot be written",
  SQLITE_READONLY_RECOVERY: "its -wal file needs a recovery that needs write access",
  SQLITE_READONLY_ROLLBACK: "a journal needs rolling back, which needs write access",
};

/** The text a store's read-only guard raises, followed by why the store is read-only (store.ts). */
export const READ_ONLY_GUARD = "yourspace: read-only store: ";
/** The same, raised by an operation that a recorded history (kv emulator record) would number. */
export const READ_ONLY_RECORDING_GUARD = "yourspace: read-only store, recording: ";

interface SystemError {
  code: string;
  message: string;
  path?: string;
  dest?: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/**
 * The catalogued error for a failure of the environment, or undefined when `e` is not one (a bug, or
 * already a KvError). Looks through `cause`, where libraries (undici's fetch) put the system's error.
 */
export function fromSystemError(e: unknown, where: Surroundings = {}): KvError | undefined {
  // The error boundary calls this with whatever was thrown: it must not throw in turn.
  try {
    return translate(e, where);
  } catch {
    return undefined;
  }
}

function translate(e: unknown, where: Surroundings): KvError | undefined {
  for (let at: unknown = e, depth = 0; at !== null && typeof at === "object" && depth < 5; at = (at as { cause?: unknown }).cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    const failure = at as SystemError;
    if (code.startsWith("SQLITE_")) return fromSqlite(failure, where);
    const known = ERRNO[code];
    if (known) return fromErrno(failure, known.kind, known.text, where);
  }
  return undefined;
}

function fromSqlite(e: SystemError, where: Surroundings): KvError | undefined {
  const dir = where.dataDir ?? "the data directory";
  const message = typeof e.message === "string" ? e.message : "";
  if (e.code === "SQLITE_CONSTRAINT_TRIGGER" && message.startsWith(READ_ONLY_GUARD))
    return environmentErrors.storeReadOnly(dir, message.slice(READ_ONLY_GUARD.length));
  if (e.code === "SQLITE_CONSTRAINT_TRIGGER" && message.startsWith(READ_ONLY_RECORDING_GUARD))
    return environmentErrors.storeReadOnlyRecording(dir, message.slice(READ_ONLY_RECORDING_GUARD.length));
  const detail = message ? `${e.code}: ${message}` : e.code;
  // SQLite reports a disk that fills up while it grows its -shm or -wal file as an I/O error.
  if (e.code.startsWith("SQLITE_IOERR") && where.dataDir !== undefined && isFull(where.dataDir)) {
    return environmentErrors.diskFull(`the local store in ${dir}`, `${e.code}: no space is left on its disk`);
  }
  for (const [prefix, translate] of SQLITE) if (e.code === prefix || e.code.startsWith(`${prefix}_`)) return translate(dir, detail, e.code);
  return undefined;
}

function fromErrno(e: SystemError, kind: Kind, text: string, where: Surroundings): KvError {
  const path = e.path;
  // Inside the data directory, which the message names already, a file is named relative to it.
  const inDataDir = path !== undefined && where.dataDir !== undefined && isWithin(path, where.dataDir);
  const shown = inDataDir ? relative(where.dataDir!, path!) : (path ?? where.subject);
  const what = [e.syscall, shown, e.dest && `→ ${e.dest}`].filter(Boolean).join(" ");
  const detail = `${what ? `${what}: ` : ""}${text} (${e.code})`;
  switch (kind) {
    case "space":
      return environmentErrors.diskFull(path ?? where.subject ?? where.dataDir ?? "to the disk", `${e.code}: ${text}`);
    case "device":
      return environmentErrors.ioError(path ?? where.subject ?? where.dataDir ?? "a file", `${e.code}: ${text}`);
    case "resource":
      return environmentErrors.resourceLimit(detail);
    case "network": {
      const peer = e.hostname ?? (e.address ? `${e.address}${e.port !== undefined ? `:${e.port}` : ""}` : undefined);
      return environmentErrors.networkFailure(`${e.syscall ?? "a network operation"}${peer ? ` ${peer}` : ""}`, `${text} (${e.code})`);
    }
    case "path": {
      if (inDataDir) {
        if (e.code === "EROFS") return environmentErrors.storeReadOnly(where.dataDir!, text);
        return environmentErrors.dataDirUnusable(where.dataDir!, detail);
      }
      return errors.file(path ?? where.subject ?? "(unnamed)", `${e.syscall ? `${e.syscall} failed: ` : ""}${text} (${e.code})`);
    }
  }
}

/** Less than this free on a disk is full: a write of the store needs a few pages at least. */
const FULL_BELOW_BYTES = 64 * 1024;

function isFull(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

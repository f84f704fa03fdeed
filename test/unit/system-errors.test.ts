import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { inputErrors } from "../../src/core/input-errors.js";
import { ERROR_EXIT, KvError } from "../../src/core/errors.js";
import { environmentErrors } from "../../src/core/environment-errors.js";
import { fromSystemError, READ_ONLY_GUARD, READ_ONLY_RECORDING_GUARD, SYSTEM_ERROR_CODES } from "../../src/core/system-errors.js";

const DATA_DIR = "/srv/project/.yourspace";

const sqlite = (code: string, message = "message from SQLite") => new BetterSqlite3.SqliteError(message, code);
const errno = (code: string, fields: { path?: string; syscall?: string } = {}) => Object.assign(new Error(`${code}: …`), { code, ...fields });

/** Every primary SQLite result code, and what it means for a user: an environment's code, or a bug (undefined). */
const SQLITE_PRIMARY: Record<string, string | undefined> = {
  SQLITE_ERROR: undefined,
  SQLITE_INTERNAL: undefined,
  SQLITE_PERM: "DATA_DIR_UNUSABLE",
  SQLITE_ABORT: undefined,
  SQLITE_BUSY: "UNAVAILABLE",
  SQLITE_LOCKED: "UNAVAILABLE",
  SQLITE_NOMEM: "RESOURCE_LIMIT",
  SQLITE_READONLY: "STORE_READ_ONLY",
  SQLITE_INTERRUPT: undefined,
  SQLITE_IOERR: "IO_ERROR",
  SQLITE_CORRUPT: "STORE_CORRUPT",
  SQLITE_NOTFOUND: undefined,
  SQLITE_FULL: "DISK_FULL",
  SQLITE_CANTOPEN: "DATA_DIR_UNUSABLE",
  SQLITE_PROTOCOL: "UNAVAILABLE",
  SQLITE_EMPTY: undefined,
  SQLITE_SCHEMA: undefined,
  SQLITE_TOOBIG: undefined,
  SQLITE_CONSTRAINT: undefined,
  SQLITE_MISMATCH: undefined,
  SQLITE_MISUSE: undefined,
  SQLITE_NOLFS: "IO_ERROR",
  SQLITE_AUTH: undefined,
  SQLITE_FORMAT: undefined,
  SQLITE_RANGE: undefined,
  SQLITE_NOTADB: "STORE_CORRUPT",
  SQLITE_NOTICE: undefined,
  SQLITE_WARNING: undefined,
};

/** Extended codes take their primary code's meaning, except where noted. */
const SQLITE_EXTENDED: Record<string, string | undefined> = {
  SQLITE_BUSY_SNAPSHOT: "UNAVAILABLE",
  SQLITE_BUSY_RECOVERY: "UNAVAILABLE",
  SQLITE_BUSY_TIMEOUT: "UNAVAILABLE",
  SQLITE_LOCKED_SHAREDCACHE: "UNAVAILABLE",
  SQLITE_READONLY_DIRECTORY: "STORE_READ_ONLY",
  SQLITE_READONLY_DBMOVED: "STORE_READ_ONLY",
  SQLITE_READONLY_CANTLOCK: "STORE_READ_ONLY",
  SQLITE_READONLY_CANTINIT: "STORE_READ_ONLY",
  SQLITE_READONLY_RECOVERY: "STORE_READ_ONLY",
  SQLITE_READONLY_ROLLBACK: "STORE_READ_ONLY",
  SQLITE_CORRUPT_INDEX: "STORE_CORRUPT",
  SQLITE_CORRUPT_SEQUENCE: "STORE_CORRUPT",
  SQLITE_CORRUPT_VTAB: "STORE_CORRUPT",
  SQLITE_IOERR_READ: "IO_ERROR",
  SQLITE_IOERR_SHORT_READ: "IO_ERROR",
  SQLITE_IOERR_WRITE: "IO_ERROR",
  SQLITE_IOERR_FSYNC: "IO_ERROR",
  SQLITE_IOERR_TRUNCATE: "IO_ERROR",
  SQLITE_IOERR_SHMMAP: "IO_ERROR",
  SQLITE_IOERR_LOCK: "IO_ERROR",
  SQLITE_IOERR_NOMEM: "RESOURCE_LIMIT",
  SQLITE_CANTOPEN_ISDIR: "DATA_DIR_UNUSABLE",
  SQLITE_CANTOPEN_FULLPATH: "DATA_DIR_UNUSABLE",
  SQLITE_CONSTRAINT_UNIQUE: undefined,
  SQLITE_CONSTRAINT_TRIGGER: undefined,
  SQLITE_ERROR_RETRY: undefined,
};

function expectCatalogued(e: KvError | undefined, code: string): void {
  expect(e).toBeInstanceOf(KvError);
  expect(e!.code).toBe(code);
  expect(e!.exitCode).toBe(ERROR_EXIT[e!.code]);
  expect(e!.exitCode).not.toBe(1);
  expect(e!.hint).toBeTruthy();
  expect(e!.hint).not.toMatch(/bug/i);
}

describe("SQLite's result codes", () => {
  it.each(Object.entries({ ...SQLITE_PRIMARY, ...SQLITE_EXTENDED }))("%s → %s", (code, expected) => {
    const translated = fromSystemError(sqlite(code), { dataDir: DATA_DIR });
    if (expected === undefined) expect(translated, `${code} is the program's mistake, a bug`).toBeUndefined();
    else {
      expectCatalogued(translated, expected);
      if (expected !== "RESOURCE_LIMIT") expect(translated!.message).toContain(DATA_DIR);
    }
  });

  it("a write refused by a read-only store's guard names the directory and why it is read-only", () => {
    const translated = fromSystemError(sqlite("SQLITE_CONSTRAINT_TRIGGER", `${READ_ONLY_GUARD}its file system is read-only`), { dataDir: DATA_DIR });
    expectCatalogued(translated, "STORE_READ_ONLY");
    expect(translated!.message).toBe(environmentErrors.storeReadOnly(DATA_DIR, "its file system is read-only").message);
  });
});

it("a read refused because a recorded history would number it says so", () => {
  const translated = fromSystemError(sqlite("SQLITE_CONSTRAINT_TRIGGER", `${READ_ONLY_RECORDING_GUARD}its file system is read-only`), { dataDir: DATA_DIR });
  expectCatalogued(translated, "STORE_READ_ONLY");
  expect(translated!.message).toContain("its operations are being recorded, which writes to it");
});

describe("the system's error codes", () => {
  const kindOf: Record<string, string> = {
    ENOSPC: "DISK_FULL",
    EDQUOT: "DISK_FULL",
    EFBIG: "DISK_FULL",
    EIO: "IO_ERROR",
    ENXIO: "IO_ERROR",
    ESTALE: "IO_ERROR",
    EMFILE: "RESOURCE_LIMIT",
    ENFILE: "RESOURCE_LIMIT",
    ENOMEM: "RESOURCE_LIMIT",
    ENOBUFS: "RESOURCE_LIMIT",
  };
  const network = [
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ENETDOWN",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
  ];

  it.each(SYSTEM_ERROR_CODES.map((c) => [c]))("%s is catalogued, inside the data directory and out of it", (code) => {
    const inside = fromSystemError(errno(code, { syscall: "open", path: `${DATA_DIR}/kv.sqlite-shm` }), { dataDir: DATA_DIR });
    const outside = fromSystemError(errno(code, { syscall: "open", path: "/home/me/export.ndjson" }), { dataDir: DATA_DIR });
    const pathless = fromSystemError(errno(code, { syscall: "write" }), { subject: "standard output" });
    if (kindOf[code]) {
      for (const e of [inside, outside, pathless]) expectCatalogued(e, kindOf[code]!);
    } else if (network.includes(code)) {
      for (const e of [inside, outside, pathless]) expectCatalogued(e, "UNAVAILABLE");
    } else {
      // A path the user gave is bad input; a path in the data directory makes the target unusable.
      expectCatalogued(inside, code === "EROFS" ? "STORE_READ_ONLY" : "DATA_DIR_UNUSABLE");
      expect(inside!.message).toContain(code === "EROFS" ? DATA_DIR : "kv.sqlite-shm");
      expectCatalogued(outside, "FILE_ERROR");
      expect(outside!.message).toContain("/home/me/export.ndjson");
      expectCatalogued(pathless, "FILE_ERROR");
      expect(pathless!.message).toContain("standard output");
    }
  });

  it("names standard output when a write to it fails for want of space", () => {
    const e = fromSystemError(errno("ENOSPC", { syscall: "write" }), { subject: "standard output" });
    expect(e!.message).toBe("There is no room to write standard output (ENOSPC: no space left on the device); the write that needed it was not completed.");
  });

  it("finds the system's error where a library put it, in `cause`", () => {
    const fetchFailed = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED", syscall: "connect", address: "127.0.0.1", port: 9 }),
    });
    const e = fromSystemError(fetchFailed);
    expectCatalogued(e, "UNAVAILABLE");
    expect(e!.message).toContain("connect 127.0.0.1:9");
  });

  it("leaves bugs alone", () => {
    expect(fromSystemError(new TypeError("x is not a function"))).toBeUndefined();
    expect(fromSystemError(new RangeError("Invalid array length"))).toBeUndefined();
    expect(fromSystemError(Object.assign(new Error("x"), { code: "ERR_INVALID_ARG_TYPE" }))).toBeUndefined();
    expect(fromSystemError(inputErrors.keyEmpty())).toBeUndefined();
    expect(fromSystemError(undefined)).toBeUndefined();
    expect(fromSystemError("a string")).toBeUndefined();
    // What a worker thread hands back for an error can lack a message; that is no reason to throw.
    expect(fromSystemError({ code: "SQLITE_CONSTRAINT_TRIGGER" })).toBeUndefined();
    expectCatalogued(fromSystemError({ code: "SQLITE_FULL" }), "DISK_FULL");
    const hostile = {
      get code(): string {
        throw new Error("no");
      },
    };
    expect(fromSystemError(hostile)).toBeUndefined();
  });
});

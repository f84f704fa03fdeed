import { closeSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { environmentErrors } from "../../core/environment-errors.js";
import { describeErrno, fromSystemError } from "../../core/system-errors.js";
import { followLink, inspect, inspectQuietly, notADirectory, storeFileExists } from "./data-dir-inspection.js";
import { refuseUnfitPlace, tooLong } from "./unfit-places.js";

/** Files of the store are readable by their owner only: the data directory 0700, its files 0600. */
const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Makes sure `dataDir` can hold the store `storeFile`: creates the directory (0700, with a .gitignore)
 * and an empty store file (0600, so SQLite gives its -wal and -shm files the same mode) when they are
 * missing. Refuses quickly, with the reason, a path that is a file, a dangling symbolic link, a
 * directory on a kernel file system (/proc, /sys) or a path too long for SQLite. An existing
 * directory or store is left with the mode its owner gave it.
 */
export function prepareDataDir(dataDir: string, storeFile: string): void {
  const file = join(dataDir, storeFile);
  const found = inspect(dataDir);
  if (found === undefined) createDirectory(dataDir, file);
  else if (!found.isDirectory()) throw notADirectory(dataDir, found);
  else if (storeFileExists(file, dataDir)) return;
  else refuseUnfitPlace(dataDir, file);
  try {
    closeSync(openSync(file, "wx", FILE_MODE));
  } catch (e) {
    // Made meanwhile by another process: it is there, which is all that is needed.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return;
    throw noStoreAndCannotMakeOne(dataDir, e);
  }
}

/** Why a store that SQLite could not open cannot be opened, found by asking the file system. */
export function diagnoseOpenFailure(dataDir: string, files: readonly string[]): Error | undefined {
  const long = tooLong(dataDir, join(dataDir, basename(files[0]!)));
  if (long) return long;
  for (const file of files) {
    try {
      closeSync(openSync(file, "r"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && file !== files[0]) continue;
      return fromSystemError(e, { dataDir });
    }
  }
  return undefined;
}

/**
 * Creates the directory and the missing directories above it, one at a time. Node's recursive mkdir
 * is not used: where mkdir answers ENOENT under a parent that exists (procfs does, for /proc/x) it
 * creates the parent again and retries, forever.
 */
function createDirectory(dataDir: string, file: string): void {
  const missing: string[] = [];
  let at = resolve(dataDir);
  for (; inspectQuietly(at) === undefined; at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  if (inspectQuietly(at)?.isSymbolicLink()) followLink(at, dataDir);
  const stats = inspectQuietly(at) && statSync(at);
  if (stats && !stats.isDirectory()) throw environmentErrors.dataDirUnusable(dataDir, `a part of its path, ${at}, is a file, not a directory`);
  refuseUnfitPlace(dataDir, file, at);
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: dir === missing[missing.length - 1] ? DIR_MODE : 0o777 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      if (code === "EEXIST" && inspectQuietly(dir)?.isDirectory()) continue;
      const reason =
        code === "EACCES" || code === "EPERM"
          ? `you may not create ${basename(dir)} in ${dirname(dir)}`
          : `mkdir ${dir} failed: ${describeErrno(code) ?? (e as Error).message}`;
      throw environmentErrors.dataDirUnusable(dataDir, `it does not exist, and ${reason}`, "Create it yourself, or choose a directory you can write to.");
    }
  }
  // The store is local state, never source: keep it out of version control by default.
  let fd: number;
  try {
    fd = openSync(join(dataDir, ".gitignore"), "wx", FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return;
    throw fromSystemError(e, { dataDir }) ?? e;
  }
  try {
    writeSync(fd, "*\n");
  } finally {
    closeSync(fd);
  }
}

function noStoreAndCannotMakeOne(dataDir: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return environmentErrors.dataDirUnusable(
      dataDir,
      `it holds no store yet, and one cannot be created there (${code === "EROFS" ? "the file system is read-only" : "you may not write to it"})`,
      "Choose a directory you can write to.",
    );
  }
  return fromSystemError(e, { dataDir }) ?? (e as Error);
}

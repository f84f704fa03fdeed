import { lstatSync, readlinkSync, statSync, type Stats } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { KvError } from "../../core/errors.js";
import { environmentErrors } from "../../core/environment-errors.js";
import { fromSystemError } from "../../core/system-errors.js";

/* What is at a data directory's path, asked of the file system, with a catalogued error naming what is wrong. */

/** lstat, or undefined when nothing is there; other failures are reported as the directory's. */
export function inspect(dataDir: string): Stats | undefined {
  try {
    const stats = lstatSync(dataDir);
    return stats.isSymbolicLink() ? followLink(dataDir) : stats;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw environmentErrors.dataDirUnusable(dataDir, `a part of its path, ${fileInPath(dataDir) ?? "?"}, is a file, not a directory`);
    if (code === "ENAMETOOLONG")
      throw environmentErrors.dataDirUnusable(dataDir, "a name in its path is longer than the file system allows", "Choose a directory with a shorter path.");
    throw fromSystemError(e, { dataDir }) ?? e;
  }
}

/** stat through a symbolic link at `link` (the data directory or one above it). */
export function followLink(link: string, dataDir = link): Stats {
  try {
    return statSync(link);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = link === dataDir ? "it" : `a part of its path, ${link},`;
    if (code === "ENOENT") {
      throw environmentErrors.dataDirUnusable(
        dataDir,
        `${what} is a symbolic link to ${readlinkSync(link)}, which does not exist`,
        "Create the directory it points to, or choose another data directory.",
      );
    }
    if (code === "ELOOP") throw environmentErrors.dataDirUnusable(dataDir, `${what} is a symbolic link that leads back to itself`);
    throw fromSystemError(e, { dataDir }) ?? e;
  }
}

export function notADirectory(dataDir: string, stats: Stats): Error {
  const kind = stats.isFile()
    ? "a file"
    : stats.isFIFO()
      ? "a named pipe"
      : stats.isSocket()
        ? "a socket"
        : stats.isCharacterDevice() || stats.isBlockDevice()
          ? "a device"
          : "not a directory";
  return environmentErrors.dataDirUnusable(dataDir, `it is ${kind}, not a directory`, "Give a directory, which is created when missing.");
}

/** Whether the store file is there; a directory in its place, or a directory that may not be looked into, is refused. */
export function storeFileExists(path: string, dataDir: string): boolean {
  try {
    const stats = lstatSync(path);
    if (stats.isDirectory())
      throw environmentErrors.dataDirUnusable(
        dataDir,
        `${basename(path)} in it is a directory, where the store's file belongs`,
        `Move ${basename(path)} out of ${dataDir}, or choose another data directory.`,
      );
    return true;
  } catch (e) {
    if (e instanceof KvError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return false;
    if (code === "EACCES")
      throw environmentErrors.dataDirUnusable(
        dataDir,
        "you may not look inside it (permission denied)",
        "Ask its owner for access, or choose another data directory.",
      );
    throw fromSystemError(e, { dataDir }) ?? e;
  }
}

/** lstat, or undefined for anything that fails. */
export function inspectQuietly(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** The first part of a path that is a file (for ENOTDIR). */
function fileInPath(path: string): string | undefined {
  for (let at = resolve(path); dirname(at) !== at; at = dirname(at)) {
    const stats = inspectQuietly(at);
    if (stats && !stats.isDirectory() && !stats.isSymbolicLink()) return at;
  }
  return undefined;
}

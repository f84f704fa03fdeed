import { closeSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, statfsSync, statSync, writeSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { errors, KvError } from "../../core/errors.js";
import { describeErrno, fromSystemError } from "../../core/system-errors.js";

/**
 * SQLite's unix VFS opens paths of at most 512 bytes, and names a store's journal by adding
 * "-journal" to its path: a store whose own path is longer than this cannot be opened.
 */
export const MAX_STORE_PATH_BYTES = 512 - "-journal".length;

/** Kernel file systems, by statfs magic number: they hold no ordinary files, and some never answer. */
const KERNEL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "procfs"],
  [0x62656572, "sysfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroupfs"],
  [0x63677270, "cgroup2fs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x6165676c, "pstore"],
  [0xcafe4a11, "bpffs"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0x65735543, "fusectl"],
  [0x42494e4d, "binfmt_misc"],
  [0x6e736673, "nsfs"],
  [0xf97cff8c, "selinuxfs"],
  [0x19800202, "mqueue"],
  [0x958458f6, "hugetlbfs"],
]);

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
  else if (exists(file, dataDir)) return;
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

/** lstat, or undefined when nothing is there; other failures are reported as the directory's. */
function inspect(dataDir: string): Stats | undefined {
  try {
    const stats = lstatSync(dataDir);
    return stats.isSymbolicLink() ? followLink(dataDir) : stats;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw errors.dataDirUnusable(dataDir, `a part of its path, ${fileInPath(dataDir) ?? "?"}, is a file, not a directory`);
    if (code === "ENAMETOOLONG")
      throw errors.dataDirUnusable(dataDir, "a name in its path is longer than the file system allows", "Choose a directory with a shorter path.");
    throw fromSystemError(e, { dataDir }) ?? e;
  }
}

/** stat through a symbolic link at `link` (the data directory or one above it). */
function followLink(link: string, dataDir = link): Stats {
  try {
    return statSync(link);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = link === dataDir ? "it" : `a part of its path, ${link},`;
    if (code === "ENOENT") {
      throw errors.dataDirUnusable(
        dataDir,
        `${what} is a symbolic link to ${readlinkSync(link)}, which does not exist`,
        "Create the directory it points to, or choose another one with --data-dir or YOURSPACE_DATA_DIR.",
      );
    }
    if (code === "ELOOP") throw errors.dataDirUnusable(dataDir, `${what} is a symbolic link that leads back to itself`);
    throw fromSystemError(e, { dataDir }) ?? e;
  }
}

function notADirectory(dataDir: string, stats: Stats): Error {
  const kind = stats.isFile()
    ? "a file"
    : stats.isFIFO()
      ? "a named pipe"
      : stats.isSocket()
        ? "a socket"
        : stats.isCharacterDevice() || stats.isBlockDevice()
          ? "a device"
          : "not a directory";
  return errors.dataDirUnusable(
    dataDir,
    `it is ${kind}, not a directory`,
    "Give a directory (it is created when missing) with --data-dir or YOURSPACE_DATA_DIR.",
  );
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
  if (stats && !stats.isDirectory()) throw errors.dataDirUnusable(dataDir, `a part of its path, ${at}, is a file, not a directory`);
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
      throw errors.dataDirUnusable(
        dataDir,
        `it does not exist, and ${reason}`,
        "Create it yourself, or choose a directory you can write to with --data-dir or YOURSPACE_DATA_DIR.",
      );
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

/** Refuses a place where no store can live: a kernel file system, or a path too long for SQLite. */
function refuseUnfitPlace(dataDir: string, file: string, existing = dataDir): void {
  let type: number | undefined;
  try {
    type = statfsSync(existing).type;
  } catch {
    // No answer about the file system: opening the store will say what is wrong, if anything is.
  }
  const kernel = type === undefined ? undefined : KERNEL_FILE_SYSTEMS.get(type);
  if (kernel) {
    throw errors.dataDirUnusable(
      dataDir,
      `it is on ${kernel}, a file system of the kernel that holds no ordinary files`,
      "Choose a directory on a disk (or tmpfs) with --data-dir or YOURSPACE_DATA_DIR.",
    );
  }
  const long = tooLong(dataDir, file, existing);
  if (long) throw long;
}

/** SQLite resolves symbolic links, so the length that counts is that of the real path. */
function tooLong(dataDir: string, file: string, existing = dataDir): Error | undefined {
  let real: string;
  try {
    real = join(realpathSync(existing), resolve(file).slice(resolve(existing).length));
  } catch {
    real = resolve(file);
  }
  const bytes = Buffer.byteLength(real);
  if (bytes <= MAX_STORE_PATH_BYTES) return undefined;
  return errors.dataDirUnusable(
    dataDir,
    `the store's path would be ${bytes.toLocaleString("en-US")} bytes long, and SQLite opens paths of at most ${MAX_STORE_PATH_BYTES} bytes`,
    "Choose a directory with a shorter path (a symbolic link does not help: SQLite follows it).",
  );
}

function noStoreAndCannotMakeOne(dataDir: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return errors.dataDirUnusable(
      dataDir,
      `it holds no store yet, and one cannot be created there (${code === "EROFS" ? "the file system is read-only" : "you may not write to it"})`,
      "Choose a directory you can write to with --data-dir or YOURSPACE_DATA_DIR.",
    );
  }
  return fromSystemError(e, { dataDir }) ?? (e as Error);
}

function exists(path: string, dataDir: string): boolean {
  try {
    const stats = lstatSync(path);
    if (stats.isDirectory())
      throw errors.dataDirUnusable(
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
      throw errors.dataDirUnusable(
        dataDir,
        "you may not look inside it (permission denied)",
        "Ask its owner for access, or choose another data directory with --data-dir or YOURSPACE_DATA_DIR.",
      );
    throw fromSystemError(e, { dataDir }) ?? e;
  }
}

function inspectQuietly(path: string): Stats | undefined {
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

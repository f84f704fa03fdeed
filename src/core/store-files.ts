import { readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The embedded store's file in a data directory. */
export const STORE_FILE = "kv.sqlite";

/** The store's file and those SQLite keeps beside it: writing any of them from outside destroys the store. */
const STORE_FILES = [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`, `${STORE_FILE}-journal`];

/**
 * Whether writing `path` (absolute) would write one of the store's files in `dataDir`, compared by
 * where the write really lands: through symbolic links (and /dev/fd/N, /proc/self/fd/N), to the file,
 * or, for a file not there yet, to its name in its directory's real place.
 */
export function isStoreFile(path: string, dataDir: string): boolean {
  let store = dataDir;
  try {
    store = realpathSync(dataDir);
  } catch {
    // Not made yet: compared as given.
  }
  const where = landing(path, 0);
  return where !== undefined && STORE_FILES.some((f) => join(store, f) === where);
}

/** Where a write to `path` lands: the file its links lead to, even one not there yet; undefined when its directory is not there. */
function landing(path: string, depth: number): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    // Not there, or a link to something not there yet, which a write would create.
  }
  try {
    const to = readlinkSync(path);
    return depth < MAX_LINKS ? landing(resolve(dirname(path), to), depth + 1) : undefined;
  } catch {
    // Not a link.
  }
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return undefined;
  }
}

/** As many links as the system follows in one path. */
const MAX_LINKS = 40;

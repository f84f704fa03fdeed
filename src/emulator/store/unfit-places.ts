import { realpathSync, statfsSync } from "node:fs";
import { join, resolve } from "node:path";
import { environmentErrors } from "../../core/environment-errors.js";
import { formatNumber } from "../../core/numbers.js";

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

/** Refuses a place where no store can live: a kernel file system, or a path too long for SQLite. */
export function refuseUnfitPlace(dataDir: string, file: string, existing = dataDir): void {
  let type: number | undefined;
  try {
    type = statfsSync(existing).type;
  } catch {
    // No answer about the file system: opening the store will say what is wrong, if anything is.
  }
  const kernel = type === undefined ? undefined : KERNEL_FILE_SYSTEMS.get(type);
  if (kernel) {
    throw environmentErrors.dataDirUnusable(
      dataDir,
      `it is on ${kernel}, a file system of the kernel that holds no ordinary files`,
      "Choose a directory on a disk, or on tmpfs.",
    );
  }
  const long = tooLong(dataDir, file, existing);
  if (long) throw long;
}

/** SQLite resolves symbolic links, so the length that counts is that of the real path. */
export function tooLong(dataDir: string, file: string, existing = dataDir): Error | undefined {
  let real: string;
  try {
    real = join(realpathSync(existing), resolve(file).slice(resolve(existing).length));
  } catch {
    real = resolve(file);
  }
  const bytes = Buffer.byteLength(real);
  if (bytes <= MAX_STORE_PATH_BYTES) return undefined;
  return environmentErrors.dataDirUnusable(
    dataDir,
    `the store's path would be ${formatNumber(bytes)} bytes long, and SQLite opens paths of at most ${MAX_STORE_PATH_BYTES} bytes`,
    "Choose a directory with a shorter path (a symbolic link does not help: SQLite follows it).",
  );
}

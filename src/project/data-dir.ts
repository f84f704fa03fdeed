import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const DATA_DIR_NAME = ".yourspace";

/**
 * Where the embedded store lives, in this order:
 * 1. `--data-dir <dir>`;
 * 2. `YOURSPACE_DATA_DIR`;
 * 3. the nearest `.yourspace/` directory in the working directory or one of its parents, as git finds
 *    `.git/`, so every subdirectory of a project shares one store (a file of that name is passed over);
 * 4. otherwise `.yourspace/` in the working directory, created on first use.
 */
export function resolveDataDir(flag: string | undefined, env: Record<string, string | undefined>, cwd: string): string {
  if (flag) return resolve(cwd, flag);
  if (env.YOURSPACE_DATA_DIR) return resolve(cwd, env.YOURSPACE_DATA_DIR);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, DATA_DIR_NAME);
    if (isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  return join(resolve(cwd), DATA_DIR_NAME);
}

/** Whether a directory is there; a place that cannot be looked at is not one. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

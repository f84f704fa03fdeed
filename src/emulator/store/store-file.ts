import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/* Where a store is: its file in a data directory, and SQLite's addon. Light, for shell completion (peek.ts). */

export { STORE_FILE } from "../../core/store-files.js";

const ADDON = "better-sqlite3/build/Release/better_sqlite3.node";

/**
 * better-sqlite3's `nativeBinding` option: its addon, loaded here (process.dlopen, as require() loads
 * one) once per thread. Given the addon's path instead, better-sqlite3 require()s it, and Node's module
 * lookup reads package.json files and resolves each directory of the path first: 0.7 ms of a fresh
 * process. better-sqlite3 takes the loaded addon as well (lib/database.js), though its types name only
 * a path. Without the file where expected, nothing: better-sqlite3's own lookup looks for it.
 */
export function sqliteBinding(): { nativeBinding?: string } {
  if (addon === undefined) {
    const path = nativeBindingPath();
    if (path === undefined) return {};
    const loaded = { exports: {} };
    process.dlopen(loaded, path);
    addon = loaded.exports;
  }
  return { nativeBinding: addon as unknown as string };
}

let addon: object | undefined;

/**
 * The addon's own lookup (the `bindings` package) probes a dozen paths on every start; the file is at a
 * known place in a normal install, so name it and fall back to the lookup only when it is elsewhere.
 * First where this package's own dependencies are, beside the bundle (dist/): a global install and a
 * checkout have it there, and one stat costs a fresh process 0.2 ms where Node's resolution, reading
 * and parsing package.json files on the way, costs 1–2 ms. Otherwise (a project whose node_modules
 * hoisted it, or this file run from source) as Node resolves it.
 */
function nativeBindingPath(): string | undefined {
  const besideBundle = fileURLToPath(new URL(`../node_modules/${ADDON}`, import.meta.url));
  if (statSync(besideBundle, { throwIfNoEntry: false })?.isFile()) return besideBundle;
  try {
    return createRequire(import.meta.url).resolve(ADDON);
  } catch {
    return undefined;
  }
}

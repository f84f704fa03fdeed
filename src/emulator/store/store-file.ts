import { createRequire } from "node:module";

/* Where a store is: its file in a data directory, and SQLite's addon. Light, for shell completion (peek.ts). */

export { STORE_FILE } from "../../core/store-files.js";

const require = createRequire(import.meta.url);

/**
 * The addon's own lookup (the `bindings` package) probes a dozen paths on every start; the file is at a
 * known place in a normal install, so name it and fall back to the lookup only when it is elsewhere.
 */
export function nativeBindingPath(): string | undefined {
  try {
    return require.resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    return undefined;
  }
}

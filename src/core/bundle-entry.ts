import { fileURLToPath } from "node:url";

/**
 * The file worker threads run: this bundle (dist/cli.cjs), which starts as a thread's code when it is
 * one (src/main.ts). Run from source, as the tests run commands, the bundle built from that source.
 */
export function bundleEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? packageFile("dist/cli.cjs") : here;
}

/** A file of this package (bin/…, dist/…), from the bundle (dist/) or from source (src/core/): the built one, run from source too. */
export function packageFile(path: string): string {
  const root = fileURLToPath(import.meta.url).endsWith(".ts") ? "../../" : "../";
  return fileURLToPath(new URL(`${root}${path}`, import.meta.url));
}

/**
 * The argument the bundle's worker threads are started with (their `argv`), so that src/main.ts can
 * tell a thread from a command without loading node:worker_threads, 1–2 ms of every command's start.
 */
export const THREAD_ARGUMENT = "__thread";

/** The hidden command the build runs to write the CLI's code cache (src/cli/code-cache-warm-up.ts). */
export const CODE_CACHE_COMMAND = "__code-cache";

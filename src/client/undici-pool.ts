/**
 * undici's Pool with its `request` method, without the rest of undici: the package's entry point
 * evaluates every part of the library (fetch, WebSocket, caches, mocks, proxies), about 50 ms at the
 * start of every command that talks to an API. The build bundles the modules the client needs into
 * dist/undici.cjs (scripts/undici-bundle.cjs), HTTP/2 left out, and bin/compile-cache.cjs loads it
 * through a code cache of its own, which the first command against an API writes: required from
 * node_modules and compiled at every start, the same modules took 40–55 ms; from the bundle and its
 * cache, 13–14 ms. The version is pinned by the lockfile, and every remote test goes through here.
 *
 * undici parses answers with llhttp compiled to WebAssembly, which V8 compiles once quickly and then
 * again, optimised, on a background thread that an exiting process waits for: 160 ms of every such
 * command, for a parser that reads a few answers. WebAssembly compiled from here on keeps the quick
 * compile. The flag is set here, not as the process starts: V8 takes a code cache only from a process
 * with the same flags, and bin/compile-cache.cjs has read the CLI's by now, so commands with and
 * without it share one cache (the undici bundle's is always read and written with it set);
 * `yourspace dev`, whose edge functions may run WebAssembly of their own, never comes here.
 */
import { createRequire } from "node:module";
import type { Pool } from "undici";
import { packageFile } from "../core/bundle-entry.js";

let loaded: typeof Pool | undefined;

export function undiciPool(): typeof Pool {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  (require("node:v8") as typeof import("node:v8")).setFlagsFromString("--liftoff-only");
  const load = require(packageFile("bin/compile-cache.cjs")) as (file: string) => unknown;
  loaded = load(packageFile("dist/undici.cjs")) as typeof Pool;
  return loaded;
}

/**
 * undici's Pool with its `request` method, loaded without the rest of undici. The package's entry
 * point evaluates every part of the library (fetch, WebSocket, caches, mocks, proxies): about 50 ms
 * at the start of every command that talks to an API, for a client that needs only these modules.
 * undici's entry point puts the request API on the dispatcher's prototype in the same way; the
 * version is pinned by the lockfile, and every remote test goes through this loader.
 */
import { createRequire } from "node:module";
import type { Pool } from "undici";

let loaded: typeof Pool | undefined;

export function undiciPool(): typeof Pool {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const Dispatcher = require("undici/lib/dispatcher/dispatcher.js") as { prototype: object };
  Object.assign(Dispatcher.prototype, require("undici/lib/api/index.js"));
  loaded = require("undici/lib/dispatcher/pool.js") as typeof Pool;
  return loaded;
}

/**
 * undici's Pool with its `request` method, loaded without the rest of undici. The package's entry
 * point evaluates every part of the library (fetch, WebSocket, caches, mocks, proxies): about 50 ms
 * at the start of every command that talks to an API, for a client that needs only these modules.
 * undici's entry point puts the request API on the dispatcher's prototype in the same way; the
 * version is pinned by the lockfile, and every remote test goes through this loader.
 *
 * undici parses answers with llhttp compiled to WebAssembly, which V8 compiles once quickly and then
 * again, optimised, on a background thread that an exiting process waits for: 160 ms of every such
 * command, for a parser that reads a few answers. WebAssembly compiled from here on keeps the quick
 * compile. The flag is set here, not as the process starts: V8 takes a code cache only from a process
 * with the same flags, and bin/compile-cache.cjs has read the CLI's by now, so commands with and
 * without it share one cache; `yourspace dev`, whose edge functions may run WebAssembly of their own,
 * never comes here.
 *
 * undici's client loads its HTTP/2 half as it loads, and with it Node's http2, tls and crypto: 5 ms of
 * every such command. The pool made here never offers HTTP/2 (allowH2 is left off, so a server's
 * TLS handshake can only settle on HTTP/1.1, the one undici would then use), so that half is a
 * stand-in that says so if it is ever reached.
 */
import { createRequire } from "node:module";
import type { Pool } from "undici";

let loaded: typeof Pool | undefined;

export function undiciPool(): typeof Pool {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  (require("node:v8") as typeof import("node:v8")).setFlagsFromString("--liftoff-only");
  const h2 = require.resolve("undici/lib/dispatcher/client-h2.js");
  require.cache[h2] ??= {
    id: h2,
    filename: h2,
    loaded: true,
    exports: () => {
      throw new Error("HTTP/2 was negotiated, which the API client never offers.");
    },
  } as unknown as NodeJS.Module;
  const Dispatcher = require("undici/lib/dispatcher/dispatcher.js") as { prototype: object };
  Object.assign(Dispatcher.prototype, require("undici/lib/api/index.js"));
  loaded = require("undici/lib/dispatcher/pool.js") as typeof Pool;
  return loaded;
}

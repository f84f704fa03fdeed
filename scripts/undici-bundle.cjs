// The part of undici the API client uses (src/client/undici-pool.ts): its Pool, with the one API
// method the client calls, request(). scripts/build.mjs bundles it into dist/undici.cjs, which
// bin/compile-cache.cjs loads through a code cache of its own; required from node_modules, the same
// modules took 40-55 ms of every command against an API to compile.
"use strict";
const Dispatcher = require("undici/lib/dispatcher/dispatcher.js");
// undici's entry point puts its API on the dispatcher's prototype as this does; the entry point
// itself evaluates every part of the library (fetch, WebSocket, caches, mocks, proxies).
Dispatcher.prototype.request = require("undici/lib/api/api-request.js");
module.exports = require("undici/lib/dispatcher/pool.js");

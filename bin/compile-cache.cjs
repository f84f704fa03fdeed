// Loads a CommonJS bundle through V8's code cache, and answers its exports: the compiled code is kept
// beside the bundle, so later starts skip parsing and compiling it (Node 20 has no built-in compile
// cache). The build writes the CLI's cache (`yourspace __code-cache`); a missing one, or one V8
// rejects (another Node version), is written by the next command that loads the bundle (the API
// client's undici bundle: the first command against an API); one that cannot be written is simply
// not kept.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

// The bundle's on-demand imports of ES-module libraries (see scripts/build.mjs) resolve from here.
globalThis.__yourspaceImport = (specifier) => import(specifier);

module.exports = function load(file) {
  const cacheFile = `${file}.v8cache`;
  const source = fs.readFileSync(file, "utf8");
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet: V8 compiles from source and the cache is written below.
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  const stale = cachedData === undefined || script.cachedDataRejected;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  // Written once the command has run, so the functions it compiled on the way are in the cache too.
  if (stale)
    process.once("beforeExit", () => {
      // Renamed into place, so a process starting meanwhile never reads half a cache.
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    });
  return mod.exports;
};

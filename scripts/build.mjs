// Bundles the CLI into one CommonJS file, dist/cli.cjs: CommonJS because Node 20 starts it a few
// milliseconds sooner than an ES module, and one file because every file loaded costs a read.
// Command handlers and the store are bundled but evaluated only when a command needs them; the
// libraries that few commands use (tables, prompts, HTTP, config files) stay external and load on demand.
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
mkdirSync(new URL("../dist", import.meta.url), { recursive: true });

// commander requires node:child_process when it loads, for subcommands run as separate programs, which
// this CLI has none of; loading it costs every start-up about 3 ms. commander gets a stand-in that
// loads the module the first time it is used.
function lazyChildProcess() {
  return {
    name: "lazy-child-process",
    setup(b) {
      b.onResolve({ filter: /^node:child_process$/ }, (args) =>
        /[\\/]commander[\\/]/.test(args.importer) ? { path: "child_process", namespace: "lazy" } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({
        contents: 'let m; module.exports = new Proxy({}, { get: (_, name) => (m ??= require("node:child_process"))[name] });',
        loader: "js",
      }));
    },
  };
}

// `await import("stream-json")` of an external CommonJS package goes through Node's ES module
// loader, which loads its own modules and scans the package's source for its exports first: 12 ms
// on a `kv get` in a project when jsonc-parser was external, about 19 ms for esbuild at every start
// of `yourspace dev`. Every external but the ES modules below is CommonJS, and is
// reached, as Node's own modules are, through a bundled stand-in that require()s it;
// test/e2e/startup.test.ts checks that a command run in a project loads nothing through that loader.
const ES_MODULE_EXTERNALS = new Set(["conf", "@clack/prompts"]);
const packageOf = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
function requireCommonJs(externals) {
  const commonJs = (specifier) => specifier.startsWith("node:") || (externals.includes(packageOf(specifier)) && !ES_MODULE_EXTERNALS.has(packageOf(specifier)));
  return {
    name: "require-commonjs",
    setup(b) {
      b.onResolve({ filter: /^[@\w]/ }, (args) => {
        if (args.namespace === "required") return { path: args.path, external: true };
        return args.kind === "dynamic-import" && commonJs(args.path) ? { path: args.path, namespace: "required" } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "required" }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
    },
  };
}

// Libraries that only some commands use stay outside the bundle, so they cost nothing to the others.
// esbuild runs its own binary from its package, so it cannot be bundled; `yourspace dev` alone uses
// it and trace-mapping.
const EXTERNALS = ["bindings", "cli-table3", "@clack/prompts", "undici", "conf", "find-my-way", "stream-json", "esbuild", "@jridgewell/trace-mapping"];

const shared = {
  // Paths are the project's, wherever the script is run from.
  absWorkingDir: new URL("..", import.meta.url).pathname,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20.18",
  minify: process.env.YOURSPACE_BUILD_DEBUG !== "1",
  sourcemap: "linked",
  legalComments: "none",
  // better-sqlite3's JavaScript is bundled; its native addon is loaded by path (src/emulator/store.ts),
  // so the `bindings` lookup it would otherwise use is never reached.
  external: EXTERNALS,
  // jsonc-parser reads yourspace.jsonc for every command run in a project, so it is bundled, and its
  // compiled code kept in the bundle's code cache: its ES module build, as its package.json's
  // "module" names it (its "main" is a UMD wrapper whose requires esbuild cannot follow). Loaded from
  // node_modules instead, a kv get in a project took 4 ms longer.
  alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
  define: { __VERSION__: JSON.stringify(pkg.version), "import.meta.url": "__importMetaUrl" },
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  write: false,
  plugins: [lazyChildProcess(), requireCommonJs(EXTERNALS)],
};

const cli = await build({ ...shared, entryPoints: ["src/main.ts"], outfile: "dist/cli.cjs" });

// Shell completion's own entry (src/complete.ts): the registry without the handlers it names, which
// completion never runs, so the shell waits for little more than Node's start.
const complete = await build({
  ...shared,
  entryPoints: ["src/complete.ts"],
  outfile: "dist/complete.cjs",
  plugins: [...shared.plugins, { name: "no-handlers", setup: (b) => b.onResolve({ filter: /\/commands\// }, (args) => ({ path: args.path, external: true })) }],
});

// undici's Pool and request API for the API client (src/client/undici-pool.ts), bundled apart from
// the CLI, whose other commands never load it, and loaded through a code cache of its own. undici's
// client loads its HTTP/2 half as it loads, and with it Node's http2, tls and crypto: 5 ms of every
// such command. The pool never offers HTTP/2 (allowH2 is left off, so a server's TLS handshake can
// only settle on HTTP/1.1), so that half is a stand-in that says so if it is ever reached.
await build({
  absWorkingDir: shared.absWorkingDir,
  entryPoints: ["scripts/undici-bundle.cjs"],
  outfile: "dist/undici.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: shared.target,
  minify: shared.minify,
  legalComments: "none",
  logLevel: "warning",
  plugins: [
    {
      name: "no-http2",
      setup(b) {
        b.onResolve({ filter: /\/client-h2\.js$/ }, () => ({ path: "client-h2", namespace: "no-http2" }));
        b.onLoad({ filter: /.*/, namespace: "no-http2" }, () => ({
          contents: 'module.exports = () => { throw new Error("HTTP/2 was negotiated, which the API client never offers."); };',
          loader: "js",
        }));
      },
    },
  ],
});

// bin/ runs the bundle through V8's code cache (bin/compile-cache.cjs), in a vm.Script, where Node 20
// offers no import(): on-demand imports of ES-module libraries go through the loader's own import().
for (const file of [...cli.outputFiles, ...complete.outputFiles]) {
  const text = file.path.endsWith(".cjs") ? file.text.replace(/\bimport\((?=")/g, "(globalThis.__yourspaceImport??(s=>import(s)))(") : file.text;
  writeFileSync(file.path, text);
}

// V8's code cache for the bundle, written by a process that has run the commonest commands
// (src/cli/code-cache-warm-up.ts), so that every install starts with the same one. A machine where
// that cannot run still works: the first command writes a cache instead (bin/compile-cache.cjs).
try {
  execFileSync(process.execPath, [new URL("../bin/yourspace", import.meta.url).pathname, "__code-cache"], { stdio: ["ignore", "ignore", "inherit"] });
} catch (e) {
  console.warn(`The code cache was not written (${e.message.split("\n")[0]}); the first command will write it.`);
}

// Shell completions come from the same command registry as the parser and --help.
await import("./completions.mjs");

// The KV browser's page: one script (and a small first one) and one style sheet beside index.html in dist/browser/, which the
// page's host serves as they are. Everything the page runs ships in the package: no network at run time.
const page = "src/browser/page";
mkdirSync(new URL("../dist/browser", import.meta.url), { recursive: true });
const pageScript = {
  absWorkingDir: shared.absWorkingDir,
  outdir: "dist/browser",
  bundle: true,
  platform: "browser",
  target: "es2022",
  minify: shared.minify,
  legalComments: "none",
  logLevel: "warning",
};
await build({ ...pageScript, entryPoints: { app: `${page}/main.tsx` }, format: "esm", jsx: "automatic", jsxImportSource: "preact" });
// Its first script, run before the bundle loads: a classic script (index.html runs it in order, ahead of
// the module), which asks for the first page of keys (src/browser/page/early.ts).
await build({ ...pageScript, entryPoints: { early: `${page}/early.ts` }, format: "iife" });
copyFileSync(new URL(`../${page}/index.html`, import.meta.url), new URL("../dist/browser/index.html", import.meta.url));
await build({
  absWorkingDir: shared.absWorkingDir,
  entryPoints: { app: `${page}/app.css` },
  outdir: "dist/browser",
  bundle: true,
  minify: shared.minify,
  logLevel: "warning",
});

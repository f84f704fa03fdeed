// Bundles the CLI into dist/. The entry holds only the parser and the command table; each handler,
// the store and the prompt library are separate chunks loaded when a command needs them.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: ["src/cli.ts"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.18",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  // The native driver stays a real dependency, loaded with require() when a store opens.
  external: ["better-sqlite3"],
  define: { __VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (cli-table3) call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});

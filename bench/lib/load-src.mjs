// Bundles a TypeScript module from src/ with esbuild (already a dev dependency) and imports it, so
// benchmarks measure the real code without a separate build step.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export async function loadSrc(entry) {
  // Inside the project, so the bundle resolves the project's node_modules.
  const cache = new URL("../../node_modules/.cache", import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  const outfile = join(mkdtempSync(join(cache, "yourspace-bench-")), "bundle.mjs");
  await build({
    entryPoints: [new URL(`../../${entry}`, import.meta.url).pathname],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    packages: "external",
    absWorkingDir: new URL("../..", import.meta.url).pathname,
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

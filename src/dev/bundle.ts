import { isBuiltin } from "node:module";
import { relative, resolve } from "node:path";
import type { KvError } from "../core/errors.js";
import { edgeErrors } from "../core/edge-errors.js";

/** A function's code, bundled with everything it imports but "yourspace:edge". */
export interface Bundle {
  /** The entry file, absolute. */
  file: string;
  code: string;
  /** The source map, as JSON text. */
  map: string;
  /** Every file of the project the bundle was made from, absolute: a change to any of them reloads it. */
  inputs: string[];
}

/**
 * Starts esbuild's service (a process of its own) without waiting for it, so that it boots while the
 * caller opens the store: the first bundle then finds it running, which shortens start-up.
 */
export async function startBundler(): Promise<void> {
  const { transform } = await import("esbuild");
  transform("").catch(() => {
    // A bundler that cannot start fails the first bundle, which reports why.
  });
}

/**
 * Bundles a function with esbuild, at load and on each change, never per request. TypeScript and
 * JavaScript alike; "yourspace:edge" is left for the realm to provide. A syntax error, an import
 * that cannot be found, or an import of a Node module is an error naming the file and line.
 */
export async function bundle(file: string, projectDir: string): Promise<Bundle> {
  const { build } = await import("esbuild");
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      format: "cjs",
      platform: "browser",
      target: "es2022",
      external: ["yourspace:edge"],
      sourcemap: "external",
      sourcesContent: false,
      outfile: `${file}.bundle.js`,
      absWorkingDir: projectDir,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const js = result.outputFiles.find((o) => o.path.endsWith(".js"))!;
    const map = result.outputFiles.find((o) => o.path.endsWith(".map"))!;
    const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(projectDir, input));
    return { file, code: js.text, map: map.text, inputs };
  } catch (e) {
    throw buildError(e, file, projectDir);
  }
}

function buildError(e: unknown, file: string, projectDir: string): KvError {
  const problems = (e as { errors?: { text: string; location: { file: string; line: number; column: number; lineText: string } | null }[] }).errors;
  const first = problems?.[0];
  if (!first) return edgeErrors.functionFailed(relative(projectDir, file), (e as Error).message);
  const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}` : relative(projectDir, file);
  const details = {
    file: first.location?.file ?? relative(projectDir, file),
    line: first.location?.line ?? null,
    column: first.location ? first.location.column + 1 : null,
  };
  const lineText = first.location?.lineText ?? null;
  const unresolved = /^Could not resolve "([^"]+)"/.exec(first.text)?.[1];
  if (unresolved !== undefined && isBuiltin(unresolved)) return edgeErrors.nodeModuleImported(where, unresolved, lineText, details);
  return edgeErrors.functionBuildFailed(where, first.text, problems.length - 1, lineText, details);
}

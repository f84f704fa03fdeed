import { createRequire } from "node:module";
import { dirname, relative, resolve } from "node:path";
import type { TraceMap } from "@jridgewell/trace-mapping";

type TraceMapping = typeof import("@jridgewell/trace-mapping");
let traceMapping: TraceMapping | undefined;

/** The library that reads source maps, loaded the first time a stack is mapped: most runs of dev never map one. */
function loadTraceMapping(): TraceMapping {
  const require = createRequire(import.meta.url);
  return (traceMapping ??= require("@jridgewell/trace-mapping") as TraceMapping);
}

/** The realm wraps a bundle's code in a function on its first line: columns there are shifted by this. */
export const WRAPPER_PREFIX = "(function (exports, require, module) {";

/** The bundles loaded now, by the file name their code runs under. */
export class SourceMaps {
  /** Each bundle's map as esbuild wrote it, parsed the first time a frame in that bundle is mapped. */
  private readonly maps = new Map<string, { text: string; parsed?: TraceMap; dir: string }>();

  constructor(private readonly projectDir: string) {}

  /** Remembers a bundle's map; `outfile` is where esbuild placed the bundle (its sources are relative to it). */
  add(filename: string, map: string, outfile: string): void {
    this.maps.set(filename, { text: map, dir: dirname(outfile) });
  }

  /**
   * A stack with every frame in a bundle replaced by its place in the source: the file relative to
   * the project, the line and the column a person sees in their editor. The frames below the
   * function's last one are the server's own (the dispatcher, node's internals), which say nothing
   * to the function's author: they are left out.
   */
  mapStack(stack: string): string {
    const lines = stack.split("\n").map((line) => this.mapFrame(line));
    const last = lines.findLastIndex((line) => line.mapped);
    return (last === -1 ? lines : lines.slice(0, last + 1)).map((line) => line.text).join("\n");
  }

  private mapFrame(line: string): { text: string; mapped: boolean } {
    const unmapped = { text: line, mapped: false };
    const frame = /^(\s*at (?:.*? \()?)(.*):(\d+):(\d+)(\)?)$/.exec(line);
    if (!frame) return unmapped;
    const [, head, filename, lineText, columnText, tail] = frame;
    const found = this.maps.get(filename!);
    if (!found) return unmapped;
    const generatedLine = Number(lineText);
    const column = Number(columnText) - 1 - (generatedLine === 1 ? WRAPPER_PREFIX.length : 0);
    const { TraceMap, originalPositionFor } = loadTraceMapping();
    found.parsed ??= new TraceMap(found.text);
    const original = originalPositionFor(found.parsed, { line: generatedLine, column: Math.max(0, column) });
    // A bundle's own frame (esbuild's helpers) is the function's too, though it has no source.
    if (original.source === null) return { text: line, mapped: true };
    const source = relative(this.projectDir, resolve(found.dir, original.source));
    return { text: `${head}${source}:${original.line}:${original.column + 1}${tail}`, mapped: true };
  }
}

import type { SourceMaps } from "./source-map-stack.js";

/**
 * What a function threw (or a promise it gave to waitUntil rejected with), as its author would
 * recognise it: "TypeError: …" with the stack mapped to the function's sources, a thrown object as
 * its JSON rather than "[object Object]".
 */
export function describeFunctionThrow(thrown: unknown, maps: SourceMaps): { text: string; stack?: string } {
  // What the function threw is of its own realm: an Error there is no instanceof Error here.
  const error = (typeof thrown === "object" && thrown !== null ? thrown : {}) as { name?: unknown; message?: unknown; stack?: unknown };
  const text =
    typeof error.message === "string" ? `${typeof error.name === "string" ? error.name : "Error"}: ${error.message}` : `${describeValue(thrown)} was thrown`;
  return { text, ...(typeof error.stack === "string" && { stack: maps.mapStack(error.stack) }) };
}

function describeValue(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value === "string" ? JSON.stringify(value) : String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    // A cycle, or a bigint: its string form is all there is.
  }
  return String(value);
}

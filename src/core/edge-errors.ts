import { KvError } from "./errors.js";

/**
 * The catalogue's entries for edge functions: route patterns, a function reaching past its route's
 * bindings (refused where the data is, whatever the function called), and a function that does not
 * build or throws. They are worded for a function's author; the codes are in errors.ts.
 */
export const edgeErrors = {
  routeInvalid: (pattern: string, why: string) =>
    new KvError(
      "INVALID_ROUTE",
      `The route pattern "${pattern}" is not valid: ${why}.`,
      'A pattern is a path starting with "/": an exact path ("/login") or a prefix ending in "*" ("/admin/*").',
    ),
  variableInvalid: (variable: string, why: string) =>
    new KvError(
      "USAGE",
      `"${variable.length > 40 ? `${variable.slice(0, 40)}…` : variable}" is not a variable name: ${why}.`,
      "A variable name is upper-case letters, digits and _, not starting with a digit, such as FLAGS.",
    ),
  /** A write through a binding its route holds read-only: refused by the store, whatever the function called. */
  bindingReadOnly: (route: string, variable: string, namespace: string) =>
    new KvError(
      "PERMISSION_DENIED",
      `Route ${route} reaches namespace "${namespace}" read-only (as ${variable === "default" ? "kv, its default binding" : variable}); the function cannot write to it.`,
      `To let it write, make the binding read-write in the route's block of yourspace.jsonc ("access": "read-write", or "kv": "read-write").`,
    ),
  bindingMissing: (route: string, variable: string, bound: readonly string[]) =>
    new KvError(
      "PERMISSION_DENIED",
      variable === "default"
        ? `Route ${route} has no default KV binding${bound.length ? `; it binds ${bound.join(", ")}` : ""}.`
        : `Route ${route} has no binding named ${variable}${bound.length ? `; it binds ${bound.join(", ")}` : ""}.`,
      `Bind it in the route's block of yourspace.jsonc ("kv": "read-write", or "kv": { "${variable === "default" ? "FLAGS" : variable}": { "namespace": "…", "access": "read-only" } }).`,
    ),
  /** A route block binding a name no namespace can have. */
  bindingNamespaceInvalid: (variable: string, where: string, namespace: string) =>
    new KvError(
      "INVALID_NAMESPACE",
      `The binding ${variable} in ${where} names ${JSON.stringify(namespace)}, which is not a valid namespace name.`,
      "Names are 1 to 63 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit.",
    ),
  functionFailed: (route: string, detail: string) =>
    new KvError(
      "FUNCTION_ERROR",
      `The function of route ${route} failed: ${detail}`,
      "Fix the error at the top of the stack, save, and send the request again.",
    ),
  /** A function that does not build: where esbuild stopped, with its line, and the last good build kept. */
  functionBuildFailed: (where: string, problem: string, more: number, lineText: string | null, details: Record<string, unknown>) =>
    new KvError(
      "FUNCTION_ERROR",
      `${where}: ${problem}${more > 0 ? ` (and ${more} more)` : ""}${lineText === null ? "" : `\n    ${lineText}`}`,
      "Fix the file and save it; the last version that built keeps serving until then.",
      details,
    ),
  /** An import of one of Node's own modules, which the edge runtime does not have. */
  nodeModuleImported: (where: string, module: string, lineText: string | null, details: Record<string, unknown>) =>
    new KvError(
      "FUNCTION_ERROR",
      `${where}: "${module}" is one of Node's own modules, which edge functions do not have${lineText === null ? "" : `\n    ${lineText}`}`,
      "Use the web APIs the runtime has (fetch, Request, Response, URL, TextEncoder, crypto.subtle, streams) or a package written for them, then save the file.",
      details,
    ),
  nothingServes: (path: string) =>
    new KvError(
      "NOT_FOUND",
      `No route, file or origin serves ${path}.`,
      "Add a route for it to yourspace.jsonc, a file to the public directory, or an origin.",
    ),
};

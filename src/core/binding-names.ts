import { edgeErrors } from "./edge-errors.js";
import { parseRoutePattern } from "./route-pattern.js";

/**
 * What a binding of the site names, checked alike wherever one is made (`kv bind`, the API, the
 * store): its route, a route pattern, and its variable, the name a function reaches it by.
 */

const VARIABLE = /^[A-Z_][A-Z0-9_]*$/;

/** Short enough to sit beside the longest route in the query string of the request that removes the binding. */
const MAX_VARIABLE = 64;

export function validateBindingNames(route: string, variable: string): void {
  parseRoutePattern(route);
  if (typeof variable !== "string" || variable === "") throw edgeErrors.variableInvalid(String(variable ?? ""), "it is empty");
  if (variable.length > MAX_VARIABLE) throw edgeErrors.variableInvalid(variable, `it is ${variable.length} characters; the limit is ${MAX_VARIABLE}`);
  if (!VARIABLE.test(variable)) throw edgeErrors.variableInvalid(variable, "it holds something other than A–Z, 0–9 and _, or starts with a digit");
}

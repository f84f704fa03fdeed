import { edgeErrors } from "./edge-errors.js";

/**
 * A route pattern, as `routes[].pattern` in yourspace.jsonc and `kv bind --route` name it: an exact
 * path ("/login"), or a prefix ending in "*" ("/admin/*", "/api*"), which matches every path that
 * starts with what comes before the star. "*" alone matches every path. Nothing else is special:
 * query strings are never part of what is matched.
 */
export interface RoutePattern {
  readonly text: string;
  matches(pathname: string): boolean;
}

/**
 * The longest pattern, in UTF-8 bytes: percent-encoded (three characters a byte at most), it still fits
 * the query string of the request that removes its binding, within the API's limit on a request's head.
 */
const MAX_PATTERN_BYTES = 1024;

/** Parses a pattern; a bad one is an INVALID_ROUTE error saying what is wrong with it. */
export function parseRoutePattern(text: string): RoutePattern {
  if (typeof text !== "string" || text === "") throw edgeErrors.routeInvalid(String(text ?? ""), "it is empty");
  if (!text.isWellFormed()) throw edgeErrors.routeInvalid(text.toWellFormed(), "it is not valid Unicode (a lone surrogate)");
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_PATTERN_BYTES) throw edgeErrors.routeInvalid(`${text.slice(0, 40)}…`, `it is ${bytes} bytes; the limit is ${MAX_PATTERN_BYTES}`);
  if (text === "*") return { text, matches: () => true };
  if (!text.startsWith("/")) throw edgeErrors.routeInvalid(text, 'it does not start with "/"');
  if (/[\u0000-\u001f\u007f\s?#]/.test(text)) throw edgeErrors.routeInvalid(text, "it holds a space, a control character, ? or #");
  const star = text.indexOf("*");
  if (star >= 0 && star !== text.length - 1) throw edgeErrors.routeInvalid(text, '"*" may only end a pattern');
  if (star < 0) return { text, matches: (pathname) => pathname === text };
  const prefix = text.slice(0, -1);
  return { text, matches: (pathname) => pathname.startsWith(prefix) };
}

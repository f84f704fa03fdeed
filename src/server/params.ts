/**
 * What a request says beyond its route: the query, checked against the parameters the endpoint
 * takes, the key at the end of a value's path, its precondition, and the bearer token.
 */
import type { IncomingMessage } from "node:http";
import { AUTH_SCHEME, conditionOf, HEADERS, PRECONDITION_NAMES, QUERY, SLASHES_BEFORE_KEY } from "../contract/index.js";
import type { Consistency } from "../core/backend.js";
import type { Condition } from "../core/condition.js";
import { apiErrors } from "../core/api-errors.js";
import { errors } from "../core/errors.js";
import { headerOf } from "./http/body.js";

/** The hint of a refused parameter: the API's callers have docs/api.md, not the CLI's --help. */
export const PARAMS_HINT = "See docs/api.md for the parameters of each route.";

/** The query of a URL without one; never changed (handlers only read their query). */
export const NO_QUERY: URLSearchParams = new URLSearchParams();

/**
 * The query string's parameters, without parsing the whole URL (the router has the path). Invalid
 * percent-encoding is refused, as in the path: URLSearchParams would decode it to U+FFFD, and so
 * list, export or filter by a prefix nobody sent.
 */
export function queryOf(url: string): URLSearchParams {
  const at = url.indexOf("?");
  if (at < 0) return NO_QUERY;
  const hash = url.indexOf("#", at);
  const text = url.slice(at + 1, hash < 0 ? undefined : hash);
  if (text.includes("%")) checkPercentEncoding(text);
  return new URLSearchParams(text);
}

/** Every %XX of a query string, decoded as UTF-8 as decodeURIComponent decodes a key in the path, or a refusal naming the parameter. */
function checkPercentEncoding(text: string): void {
  for (const part of text.split("&")) {
    if (!part.includes("%")) continue;
    try {
      decodeURIComponent(part);
    } catch {
      const name = part.slice(0, part.includes("=") ? part.indexOf("=") : undefined);
      throw apiErrors.queryNotPercentEncoded(name.length > 60 ? `${name.slice(0, 60)}…` : name);
    }
  }
}

/** Refuses query parameters the endpoint does not take, and any given twice. */
export function checkQuery(query: URLSearchParams, accepted: ReadonlySet<string>): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!accepted.has(name)) {
      throw errors.usage(
        `This route takes no query parameter ${JSON.stringify(name)}${accepted.size ? `; it takes ${[...accepted].join(", ")}` : ""}.`,
        PARAMS_HINT,
      );
    }
    if (seen.has(name)) throw errors.usage(`The query parameter ${name} is given twice.`, "Give each parameter once.");
    seen.add(name);
  }
}

/**
 * The condition a request's If-Match or If-None-Match sets (undefined when it sends neither), read
 * in one pass over the raw headers. A precondition is never ignored: on an endpoint that takes none
 * (`takesOne` false) it is refused, and so is a header sent on two lines, which HTTP reads as one
 * list of tags, not the one tag a condition is.
 */
export function conditionOfRequest(req: IncomingMessage, takesOne: boolean, what: string): Condition | undefined {
  const raw = req.rawHeaders;
  let ifMatch: string | undefined;
  let ifNoneMatch: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.length === IF_MATCH.length || name.length === IF_NONE_MATCH.length ? name.toLowerCase() : "";
    if (lower === IF_MATCH) {
      if (ifMatch !== undefined) throw twice(PRECONDITION_NAMES.ifMatch);
      ifMatch = raw[i + 1]!;
    } else if (lower === IF_NONE_MATCH) {
      if (ifNoneMatch !== undefined) throw twice(PRECONDITION_NAMES.ifNoneMatch);
      ifNoneMatch = raw[i + 1]!;
    }
  }
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (!takesOne) throw apiErrors.conditionNotTaken(what);
  return conditionOf(ifMatch, ifNoneMatch);
}

const IF_MATCH = HEADERS.ifMatch;
const IF_NONE_MATCH = HEADERS.ifNoneMatch;
const twice = (name: string) => apiErrors.conditionHeaderInvalid(`${name} is sent on more than one line; a condition is one header with one value.`);

/** Made once: every request is authenticated, and building a RegExp compiles it. Not global, so it keeps no state between calls. */
const BEARER = new RegExp(`^${AUTH_SCHEME}\\s+(\\S+)\\s*$`, "i");

/** The token of `Authorization: Bearer <token>`, if the header is sent. */
export function bearer(req: IncomingMessage): string | undefined {
  const header = headerOf(req, HEADERS.authorization);
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  if (!match) throw apiErrors.notBearer(AUTH_SCHEME);
  return match[1];
}

/**
 * The key: the rest of the path after the route's fixed segments, found by position (a site or a
 * namespace may be called "values"), percent-decoded, so it may contain '/'.
 */
export function keyOf(req: IncomingMessage): string {
  const url = req.url ?? "";
  let start = 0;
  for (let slash = 0; slash < SLASHES_BEFORE_KEY; slash++) start = url.indexOf("/", start) + 1;
  const end = url.indexOf("?", start);
  const raw = url.slice(start, end < 0 ? undefined : end);
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw apiErrors.keyNotPercentEncoded();
  }
}

export function consistencyOf(query: URLSearchParams): Consistency {
  const c = query.get(QUERY.consistency) ?? "strong";
  if (c !== "strong" && c !== "eventual") throw errors.usage(`${QUERY.consistency} must be strong or eventual, not "${c}".`, PARAMS_HINT);
  return c;
}

/** A whole number of milliseconds: a time (`since`) or a span (`within_ms`). */
export function millisecondsParam(name: string, text: string, what: string): number {
  if (!/^\d{1,16}$/.test(text)) throw errors.usage(`${name} must be a whole number of ${what}, not "${text}".`, PARAMS_HINT);
  return Number(text);
}

/** `true` or `false`; absent is false. */
export function booleanParam(name: string, text: string | null): boolean {
  if (text === null || text === "false") return false;
  if (text === "true") return true;
  throw errors.usage(`${name} must be true or false, not "${text}".`, PARAMS_HINT);
}

export function numberParam(name: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw errors.usage(`${name} must be a number of seconds, not "${text}".`, PARAMS_HINT);
  return Number(text);
}

/**
 * A single-key write's condition as HTTP preconditions (RFC 9110, 13.1): `If-None-Match: *` for "only
 * if absent", `If-Match: "<version>"` for "only if home's latest version is this one". Versions are
 * entity tags here, quoted as HTTP writes them. The client builds the headers, the server reads them.
 */
import { isVersionText, type Condition } from "../core/condition.js";
import { KvError } from "../core/errors.js";
import { HEADERS } from "./headers-and-query.js";

/** The request headers that carry a condition (none without one). */
export function conditionHeaders(onlyIf: Condition | undefined): Record<string, string> {
  if (onlyIf === undefined) return {};
  return onlyIf.version === null ? { [HEADERS.ifNoneMatch]: "*" } : { [HEADERS.ifMatch]: `"${onlyIf.version}"` };
}

const HINT = `Send ${HEADERS.ifNoneMatch}: * to write only an absent key, or ${HEADERS.ifMatch}: "<version>" with the 20 hex digits of a version a read showed.`;

const badHeader = (message: string) => new KvError("BAD_HEADER", message, HINT);

/**
 * The condition of a request from its If-Match and If-None-Match headers (undefined when it has
 * neither). A header that is not one of these forms is refused, never ignored: a condition that was
 * dropped would turn a compare-and-set into a blind write. What a well-formed condition means for a
 * route (a removal of an absent key removes nothing) the engine says, as on every target.
 */
export function conditionOf(ifMatch: string | undefined, ifNoneMatch: string | undefined): Condition | undefined {
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw badHeader(`Give ${HEADERS.ifMatch} or ${HEADERS.ifNoneMatch}, not both.`);
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") throw badHeader(`${HEADERS.ifNoneMatch} must be *, not ${JSON.stringify(shorten(ifNoneMatch))}.`);
    return { version: null };
  }
  if (ifMatch === undefined) return undefined;
  const tag = /^\s*"([^"]*)"\s*$/.exec(ifMatch);
  if (!tag || !isVersionText(tag[1]!))
    throw badHeader(`${HEADERS.ifMatch} must be one quoted version, "<20 hex digits>", not ${JSON.stringify(shorten(ifMatch))}.`);
  return { version: tag[1]! };
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

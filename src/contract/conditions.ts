/**
 * A single-key write's condition as HTTP preconditions (RFC 9110, 13.1): `If-None-Match: *` for "only
 * if absent", `If-Match: "<version>"` for "only if home's latest version is this one". Versions are
 * entity tags here, quoted as HTTP writes them. The client builds the headers, the server reads them.
 */
import { isVersionText, type Condition } from "../core/condition.js";
import { apiErrors } from "../core/api-errors.js";
import { conditionErrors } from "../core/condition-errors.js";
import { HEADERS } from "./headers-and-query.js";

/** The request headers that carry a condition (none without one). */
export function conditionHeaders(onlyIf: Condition | undefined): Record<string, string> {
  if (onlyIf === undefined) return {};
  return onlyIf.version === null ? { [HEADERS.ifNoneMatch]: "*" } : { [HEADERS.ifMatch]: `"${onlyIf.version}"` };
}

const badHeader = apiErrors.conditionHeaderInvalid;

/** The precondition headers as messages name them, whatever case a request sent them in (HEADERS has the wire's lower case). */
export const PRECONDITION_NAMES = { ifMatch: "If-Match", ifNoneMatch: "If-None-Match" } as const;
const { ifMatch: IF_MATCH, ifNoneMatch: IF_NONE_MATCH } = PRECONDITION_NAMES;

/**
 * The condition of a request from its If-Match and If-None-Match headers (undefined when it has
 * neither). A header that is not one of these forms is refused, never ignored: a condition that was
 * dropped would turn a compare-and-set into a blind write. What a well-formed condition means for a
 * route (a removal of an absent key removes nothing) the engine says, as on every target.
 */
export function conditionOf(ifMatch: string | undefined, ifNoneMatch: string | undefined): Condition | undefined {
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw badHeader(`Give ${IF_MATCH} or ${IF_NONE_MATCH}, not both.`);
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") throw badHeader(`${IF_NONE_MATCH} must be *, not ${JSON.stringify(shorten(ifNoneMatch))}.`);
    return { version: null };
  }
  if (ifMatch === undefined) return undefined;
  const tag = /^\s*"([^"]*)"\s*$/.exec(ifMatch);
  if (!tag || !isVersionText(tag[1]!)) throw badHeader(`${IF_MATCH} must be one quoted version, "<20 hex digits>", not ${JSON.stringify(shorten(ifMatch))}.`);
  return { version: tag[1]! };
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * A bulk write's entry may carry a condition of its own, `"only_if": {"version": "<version>" | null}`
 * (null: the key must be absent), beside the fields of wrangler's format. The API takes it, import
 * files do not: an export never writes one.
 */
export const ENTRY_CONDITION = "only_if";

/** An entry's condition on the wire. */
export const entryConditionToWire = (onlyIf: Condition): { version: string | null } => ({ version: onlyIf.version });

/** An entry's `only_if`, checked; the entry's other fields are checked as any entry's are. */
export function entryConditionFromWire(raw: unknown): Condition {
  const bad = (why: string) => apiErrors.entryConditionInvalid(ENTRY_CONDITION, why);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw bad("must be an object");
  const fields = Object.keys(raw);
  if (fields.length !== 1 || fields[0] !== "version") throw bad('must have one field, "version"');
  const { version } = raw as { version: unknown };
  if (version === null) return { version: null };
  if (typeof version !== "string") throw bad('"version" must be a version or null');
  if (!isVersionText(version)) throw conditionErrors.versionInvalid(version);
  return { version };
}

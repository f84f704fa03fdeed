import { inputErrors } from "./input-errors.js";
import { errors } from "./errors.js";
import { LIMITS } from "./limits.js";
import type { Tier, TierLimits } from "./tiers.js";

/** Pure validators shared by every target. Each returns the normalised value or throws a KvError. */

export function validateKey(key: string): Buffer {
  if (key.length === 0) throw inputErrors.keyEmpty();
  if (!key.isWellFormed()) throw inputErrors.keyNotUnicode();
  if (key === "." || key === "..") throw inputErrors.keyReserved(key);
  const bytes = Buffer.from(key, "utf8");
  if (bytes.length > LIMITS.maxKeyBytes) throw inputErrors.keyTooLong(bytes.length);
  return bytes;
}

export function validateValue(value: Uint8Array): void {
  if (value.byteLength > LIMITS.maxValueBytes) throw inputErrors.valueTooLarge(value.byteLength);
}

export type Metadata = Record<string, unknown>;

/** Parses and checks `--metadata`. The limit applies to the compact JSON form that is stored. */
export function parseMetadata(text: string): Metadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw inputErrors.metadataNotJson((e as Error).message);
  }
  return validateMetadata(parsed);
}

export function validateMetadata(value: unknown): Metadata {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw inputErrors.metadataNotObject(value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`);
  }
  const bytes = Buffer.byteLength(jsonOf(value), "utf8");
  if (bytes > LIMITS.maxMetadataBytes) throw inputErrors.metadataTooLarge(bytes);
  refuseWhatJsonCannotKeep(value);
  return value as Metadata;
}

/**
 * Metadata as JSON text. An object a function built may not be JSON at all (a bigint in it, a cycle,
 * a toJSON that throws): that is the metadata's fault, not a bug.
 */
function jsonOf(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw inputErrors.metadataNotJson(
      String((e as Error)?.message ?? e)
        .split("\n")[0]!
        .replace(/\.$/, ""),
    );
  }
}

/**
 * Refuses what would be stored as something else: a number JSON.parse read as Infinity (stored as
 * null) and text holding a lone surrogate (stored as U+FFFD). Walked with a stack, not recursion,
 * though metadata within its limit is shallow.
 */
function refuseWhatJsonCannotKeep(root: object): void {
  const stack: [unknown, string][] = [[root, "$"]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === "number" && !Number.isFinite(value)) throw inputErrors.metadataNumberNotFinite(path);
    if (typeof value === "string" && !value.isWellFormed()) throw inputErrors.metadataNotUnicode(`the text at ${path} holds a lone surrogate`);
    if (value === null || typeof value !== "object") continue;
    for (const [name, item] of Object.entries(value)) {
      if (!name.isWellFormed()) throw inputErrors.metadataNotUnicode(`a name in ${path} holds a lone surrogate`);
      stack.push([item, Array.isArray(value) ? `${path}[${name}]` : `${path}.${name}`]);
    }
  }
}

/** The latest expiry accepted: the end of year 9999, so every expiry prints as an ISO time. */
const MAX_EXPIRES_AT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Expiries are kept in whole milliseconds. One that falls inside a millisecond moves to its end, so a
 * key never expires before it was asked to; a fraction within the float's own rounding error of a
 * whole millisecond (60.3 s is 60299.999… ms) is that millisecond.
 */
function wholeMsUp(ms: number): number {
  return Math.ceil(ms - Math.abs(ms) * Number.EPSILON * 4);
}

/** A time to live of `seconds` from `nowMs` (epoch ms, whole): the expiry, epoch ms, whole. */
export function expiryAfterTtl(seconds: number, nowMs: number): number {
  if (!(seconds >= LIMITS.minTtlSeconds)) throw inputErrors.ttlTooShort(seconds);
  const expiresAt = nowMs + wholeMsUp(seconds * 1000);
  // Negated: an infinite TTL makes NaN here, which the store would keep as no expiry at all.
  if (!(expiresAt <= MAX_EXPIRES_AT)) throw inputErrors.expiryTooFar();
  return expiresAt;
}

/** Absolute expiry in epoch milliseconds, checked against `now` (also epoch ms): as kept, whole. */
export function validateExpiresAt(expiresAtMs: number, nowMs: number): number {
  // An infinite time is after every other one (wholeMsUp would make it NaN, "NaN s away").
  if (expiresAtMs === Number.POSITIVE_INFINITY) throw inputErrors.expiryTooFar();
  const expiresAt = wholeMsUp(expiresAtMs);
  const ahead = (expiresAt - nowMs) / 1000;
  if (!(ahead >= LIMITS.minTtlSeconds)) throw inputErrors.expiryTooSoon(ahead);
  if (expiresAt > MAX_EXPIRES_AT) throw inputErrors.expiryTooFar();
  return expiresAt;
}

/** A put as the checks at its write's time see it: the value, and its expiry as given. */
export interface TimedPut {
  value: Uint8Array;
  /** Relative expiry, seconds from the write. */
  ttlSeconds?: number;
  /** Absolute expiry, epoch ms. */
  expiresAt?: number;
}

/**
 * What a put must meet when it is written at `nowMs` to a site of `tier`: an expiry at least the
 * minimum ahead and not past the latest, and a value the tier takes. The write path checks each put
 * with it, and an import checks its file with it, against the target's time and tier, before writing.
 * Answers the expiry, epoch ms, or null for none.
 */
export function validatePutAt(put: TimedPut, nowMs: number, site: { tier: Tier; limits: TierLimits }): number | null {
  let expiresAt: number | null = null;
  if (put.ttlSeconds !== undefined) expiresAt = expiryAfterTtl(put.ttlSeconds, nowMs);
  else if (put.expiresAt !== undefined) expiresAt = validateExpiresAt(put.expiresAt, nowMs);
  const { maxValueBytes } = site.limits;
  if (put.value.byteLength > maxValueBytes) throw errors.valueTooLargeForTier(put.value.byteLength, site.tier, maxValueBytes);
  return expiresAt;
}

export function parseLimit(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > LIMITS.maxListLimit) throw inputErrors.limitInvalid(text);
  return n;
}

export function validateNamespaceName(name: string): string {
  if (!LIMITS.namespacePattern.test(name)) throw errors.namespaceInvalid(name);
  return name;
}

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
  const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
  if (bytes > LIMITS.maxMetadataBytes) throw inputErrors.metadataTooLarge(bytes);
  return value as Metadata;
}

/** The latest expiry accepted: the end of year 9999, so every expiry prints as an ISO time. */
const MAX_EXPIRES_AT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function validateTtlSeconds(seconds: number, nowMs: number): number {
  if (seconds < LIMITS.minTtlSeconds) throw inputErrors.ttlTooShort(seconds);
  if (nowMs + seconds * 1000 > MAX_EXPIRES_AT) throw inputErrors.expiryTooFar();
  return seconds;
}

/** Absolute expiry in epoch milliseconds, checked against `now` (also epoch ms). */
export function validateExpiresAt(expiresAtMs: number, nowMs: number): number {
  const ahead = (expiresAtMs - nowMs) / 1000;
  if (ahead < LIMITS.minTtlSeconds) throw inputErrors.expiryTooSoon(ahead);
  if (expiresAtMs > MAX_EXPIRES_AT) throw inputErrors.expiryTooFar();
  return expiresAtMs;
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
  if (put.ttlSeconds !== undefined) expiresAt = nowMs + validateTtlSeconds(put.ttlSeconds, nowMs) * 1000;
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

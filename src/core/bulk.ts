import type { Condition } from "./condition.js";
import { inputErrors } from "./input-errors.js";
import { errors } from "./errors.js";
import { LIMITS } from "./limits.js";
import { validateKey, validateMetadata, validateValue, type Metadata } from "./validate.js";

/**
 * One entry of a bulk file or bulk request, in the format wrangler's `kv bulk put` uses:
 * `{key, value, base64?, expiration?, expiration_ttl?, metadata?}`, `expiration` in epoch seconds.
 */
export interface WireEntry {
  key: string;
  value: string;
  base64?: boolean;
  expiration?: number;
  expiration_ttl?: number;
  metadata?: Metadata;
}

/** A checked entry, ready to write. */
export interface BulkEntry {
  key: string;
  value: Buffer;
  metadata?: Metadata;
  /** Absolute expiry, epoch ms. */
  expiresAt?: number;
  /** Relative expiry, seconds from the write. */
  ttlSeconds?: number;
  /** Write this entry only when home's state of the key meets it; one that fails fails the batch. */
  onlyIf?: Condition;
}

/** "skipped": the batch asked to write only absent keys, and this one existed; it was left as it was. */
type BulkOutcomeKind = "created" | "updated" | "unchanged" | "skipped" | "failed";

export interface BulkOutcome {
  key: string;
  outcome: BulkOutcomeKind;
  version?: string;
  error?: { code: string; message: string };
  /** Dry runs: what an update would replace. */
  old?: { value: Buffer; metadata: Metadata | null; expiresAt: number | null };
}

const ENTRY_FIELDS = new Set(["key", "value", "base64", "expiration", "expiration_ttl", "metadata"]);

/**
 * Checks the shape and the limits of one wire entry (everything that does not depend on the clock:
 * expiries are checked against the target's clock when written). Throws a KvError saying what is wrong.
 */
export function parseWireEntry(raw: unknown): BulkEntry {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw bad(`an entry must be an object with "key" and "value", not ${describe(raw)}`);
  const e = raw as Record<string, unknown>;
  for (const field of Object.keys(e)) if (!ENTRY_FIELDS.has(field)) throw bad(`unknown field "${field}"`);
  if (typeof e.key !== "string") throw bad(e.key === undefined ? '"key" is missing' : `"key" must be a string, not ${describe(e.key)}`);
  validateKey(e.key);
  if (typeof e.value !== "string")
    throw bad(
      e.value === undefined ? '"value" is missing' : `"value" must be a string, not ${describe(e.value)} (binary values are base64 with "base64": true)`,
    );
  if (e.base64 !== undefined && typeof e.base64 !== "boolean") throw bad(`"base64" must be true or false`);
  let value: Buffer;
  if (e.base64 === true) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(e.value) || e.value.length % 4 === 1) throw bad('"value" is not valid base64');
    value = Buffer.from(e.value, "base64");
  } else {
    // Encoded, a lone surrogate would be stored as U+FFFD: refused, as it is in a key.
    if (!e.value.isWellFormed()) throw bad('"value" is not valid Unicode (it holds a lone surrogate); binary values are base64 with "base64": true');
    value = Buffer.from(e.value, "utf8");
  }
  validateValue(value);
  const entry: BulkEntry = { key: e.key, value };
  if (e.metadata !== undefined) entry.metadata = validateMetadata(e.metadata);
  if (e.expiration !== undefined && e.expiration_ttl !== undefined) throw bad('give "expiration" or "expiration_ttl", not both');
  if (e.expiration !== undefined) {
    if (typeof e.expiration !== "number" || !Number.isFinite(e.expiration) || e.expiration < 0) throw bad('"expiration" must be epoch seconds');
    entry.expiresAt = e.expiration * 1000;
  }
  if (e.expiration_ttl !== undefined) {
    if (typeof e.expiration_ttl !== "number" || !Number.isFinite(e.expiration_ttl) || e.expiration_ttl < 0)
      throw bad('"expiration_ttl" must be a number of seconds');
    if (e.expiration_ttl < LIMITS.minTtlSeconds) throw inputErrors.ttlTooShort(e.expiration_ttl);
    entry.ttlSeconds = e.expiration_ttl;
  }
  return entry;
}

/** The wire form of a stored entry, as export writes it: text when the bytes are UTF-8, else base64. */
export function toWireEntry(key: string, value: Buffer, metadata: Metadata | null, expiresAt: number | null, isText: boolean): WireEntry {
  const wire: WireEntry = isText ? { key, value: value.toString("utf8") } : { key, value: value.toString("base64"), base64: true };
  // Whole seconds when the expiry falls on one (the usual case); otherwise keep the milliseconds.
  if (expiresAt !== null) wire.expiration = expiresAt % 1000 === 0 ? expiresAt / 1000 : Number((expiresAt / 1000).toFixed(3));
  if (metadata !== null) wire.metadata = metadata;
  return wire;
}

const bad = errors.entryInvalid;

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

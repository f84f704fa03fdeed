import type { Condition } from "../../core/condition.js";
import { KvError } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import { INT64_MAX, INT64_MIN } from "../../core/int64.js";
import { expiryAfterTtl, validateKey, validateMetadata, validatePutAt, validateValue, type Metadata } from "../../core/validate.js";
import type { Row } from "../store/rows.js";
import type { SiteUse } from "../site/usage.js";

/**
 * One change to one key, as data: what the write path (write.ts) takes. A new kind of write is a new
 * member of this union (or a new field of one), handled where write.ts classifies and applies it.
 */
export type Mutation = PutMutation | DeleteMutation | IncrMutation;

export interface PutMutation {
  kind: "put";
  key: string;
  value: Uint8Array;
  metadata?: Metadata;
  /** Relative expiry, seconds from the write. */
  ttlSeconds?: number;
  /** Absolute expiry, epoch ms. */
  expiresAt?: number;
  /**
   * Leave the key alone (no new version) when it already holds this value, metadata and expiry, so
   * an import run again changes nothing. A relative TTL counts as the same expiry when the stored
   * version has one.
   */
  keepIfSame?: boolean;
  /** Write only when home's state of the key meets it (conditions.ts); otherwise the write fails. */
  onlyIf?: Condition;
  /** Leave a key that exists at home alone, reported "skipped" (a batch of absent keys only). */
  skipIfPresent?: boolean;
}

interface DeleteMutation {
  kind: "delete";
  key: string;
  /** "fail": a key that is not there fails the whole write (KEYS_NOT_FOUND); "skip": it is reported missing. */
  ifMissing: "fail" | "skip";
  /** Remove only when home's live version of the key is this one; otherwise the write fails. */
  onlyIf?: { version: string };
}

/**
 * Adds `by` to the counter a key holds at home (0 when it has no live value). The value, metadata
 * and expiry written are worked out from home's row inside the write (conditions.ts, counted()).
 */
interface IncrMutation {
  kind: "incr";
  key: string;
  by: bigint;
  /** Relative expiry, seconds: applied only when the increment creates the key (a fixed window). */
  ttlSeconds?: number;
}

/** A mutation whose key, value and metadata are valid, in the form the store keeps. */
export interface Prepared {
  mutation: Mutation;
  keyBytes: Buffer;
  /** Puts: the value, as bytes the store takes without a copy. */
  value: Buffer | null;
  metadata: string | null;
  /** The expiry, epoch ms, once resolved at the write's time (see resolve). */
  expiresAt: number | null;
}

/** A prepared mutation whose expiry and size have been checked at the write's time. */
export type Resolved = Prepared;

/** Checks what needs no store: the key, the value and the metadata. */
export function prepare(mutation: Mutation): Prepared {
  const keyBytes = validateKey(mutation.key);
  if (mutation.kind === "delete") return { mutation, keyBytes, value: null, metadata: null, expiresAt: null };
  if (mutation.kind === "incr") {
    // Checked here too, for callers that build the mutation themselves: a bigint knows no range.
    if (mutation.by === 0n) throw conditionErrors.incrementZero("The increment");
    if (mutation.by < INT64_MIN || mutation.by > INT64_MAX) throw conditionErrors.incrementInvalid("The increment", String(mutation.by));
    return { mutation, keyBytes, value: null, metadata: null, expiresAt: null };
  }
  validateValue(mutation.value);
  const metadata = mutation.metadata === undefined ? null : JSON.stringify(validateMetadata(mutation.metadata));
  const value = Buffer.from(mutation.value.buffer, mutation.value.byteOffset, mutation.value.byteLength);
  return { mutation, keyBytes, value, metadata, expiresAt: null };
}

/** Checks what needs the write's time and the site's tier: the expiry and the value's size. */
export function resolve(prepared: Prepared, now: number, use: () => SiteUse): Resolved {
  const { mutation, value } = prepared;
  // An increment's time to live is checked now, though it applies only if the increment creates the key.
  if (mutation.kind === "incr" && mutation.ttlSeconds !== undefined) expiryAfterTtl(mutation.ttlSeconds, now);
  if (mutation.kind !== "put" || value === null) return prepared;
  // Filled in, not copied: a write's hottest path.
  prepared.expiresAt = validatePutAt(mutation, now, use());
  return prepared;
}

/** prepare() then resolve(), with an invalid mutation answered by its error rather than thrown. */
export function resolveOrError(mutation: Mutation, now: number, use: () => SiteUse): Resolved | KvError {
  try {
    return resolve(prepare(mutation), now, use);
  } catch (e) {
    if (!(e instanceof KvError)) throw e;
    return e;
  }
}

/**
 * A batch with a condition on any of its puts is all or nothing: an entry that is invalid fails all
 * of it, named, rather than failing alone while the others are written.
 */
export function refuseInvalidInConditionalBatch(mutations: readonly Mutation[], resolved: readonly (Resolved | KvError)[]): void {
  const i = resolved.findIndex((r) => r instanceof KvError);
  if (i < 0 || !mutations.some((m) => m.kind === "put" && m.onlyIf !== undefined)) return;
  throw conditionErrors.batchEntryInvalid(i, mutations[i]!.key, resolved[i] as KvError);
}

/** Whether a put would leave the key as it is (see PutMutation.keepIfSame); `head` is live. */
export function sameAsStored(put: Resolved & { mutation: PutMutation }, head: Row): boolean {
  return (
    // biome-ignore lint/complexity/useOptionalChain: the answer is a boolean, which `head.value?.equals` would make boolean | undefined
    head.value !== null &&
    head.value.equals(put.value!) &&
    head.metadata === put.metadata &&
    (put.mutation.ttlSeconds !== undefined ? head.expires_at !== null : head.expires_at === put.expiresAt)
  );
}

export function isLive(row: Pick<Row, "tombstone" | "expires_at">, now: number): boolean {
  return row.tombstone === 0 && (row.expires_at === null || row.expires_at > now);
}

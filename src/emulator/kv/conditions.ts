import { isUtf8 } from "node:buffer";
import type { KvError } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import type { ConditionFailure } from "../../core/condition-errors.js";
import { addChecked, parseCounter } from "../../core/int64.js";
import type { Row } from "../store/rows.js";
import type { KvContext } from "./context.js";
import { formatVersion } from "./entry.js";
import { expiryAfterTtl } from "../../core/validate.js";
import { isLive, type Resolved } from "./mutation.js";

/**
 * Conditions and counters, decided on home's row of the key inside the write's transaction (write.ts
 * reads it there): every write committed before this one is in that row, and none after it can be,
 * so the decision is the one a single copy of the data would make. `head` is home's row, or what
 * the injected bugs put in its place (deciding()).
 */

/** Home's live version of the key, or null when it has none (absent, deleted, or expired by `now`). */
export function liveVersion(head: Row | undefined, now: number): number | null {
  return head !== undefined && isLive(head, now) ? head.version : null;
}

/** The condition a mutation carries, if any, as the version it expects (null: the key must be absent). */
export function expectedVersion(r: Resolved): string | null | undefined {
  const m = r.mutation;
  if (m.kind === "incr") return undefined;
  return m.onlyIf === undefined ? undefined : m.onlyIf.version;
}

/** How the mutation's condition fails against `head`; undefined when it holds (or it has none). */
export function failedCondition(r: Resolved, head: Row | undefined, now: number): ConditionFailure | undefined {
  const expected = expectedVersion(r);
  if (expected === undefined) return undefined;
  const live = liveVersion(head, now);
  const current = live === null ? null : formatVersion(live);
  return current === expected ? undefined : { key: r.mutation.key, expected, current };
}

/**
 * An increment worked out on home's row: the new value, and the metadata and expiry the key keeps
 * (a live counter keeps both; one the increment creates takes the TTL asked for, if any). Fills in
 * `r` as a put of that value, or answers why it cannot be done.
 */
export function counted(r: Resolved, head: Row | undefined, now: number): KvError | undefined {
  const m = r.mutation;
  if (m.kind !== "incr") return undefined;
  const live = head !== undefined && isLive(head, now);
  let current = 0n;
  if (live) {
    const value = head.value ?? Buffer.alloc(0);
    const parsed = isUtf8(value) ? parseCounter(value.toString("utf8")) : undefined;
    if (parsed === undefined) {
      const { type, preview } = describeNonCounter(value);
      return conditionErrors.notACounter(m.key, formatVersion(head.version), type, preview);
    }
    current = parsed;
  }
  const next = addChecked(current, m.by);
  // Only a live counter can overflow: from 0, every increment in range stays in range.
  if (next === undefined) return conditionErrors.counterOverflow(m.key, formatVersion(head!.version), String(current), String(m.by));
  r.value = Buffer.from(String(next));
  r.metadata = live ? head.metadata : null;
  r.expiresAt = live ? head.expires_at : m.ttlSeconds === undefined ? null : expiryAfterTtl(m.ttlSeconds, now);
  return undefined;
}

/** What a value that is not a counter holds, in words for the error, and its first characters. */
function describeNonCounter(value: Buffer): { type: string; preview: string } {
  if (value.length === 0) return { type: "an empty value", preview: '""' };
  if (!isUtf8(value)) return { type: "binary data", preview: `${value.length} bytes` };
  const text = value.toString("utf8");
  const preview = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  if (/^[+-]?[0-9]+$/.test(text))
    return { type: /^(0|-?[1-9][0-9]*)$/.test(text) ? "an integer beyond 64 bits" : "an integer not in plain decimal form", preview };
  // Number() reads "5\n", " 5", "1e3", "0x10" and "5.0" as whole numbers: a counter written from a
  // shell's `echo` ends in a line break, and must not be called a fraction.
  const number = text.trim() === "" ? Number.NaN : Number(text);
  if (Number.isInteger(number)) return { type: "a whole number not in plain decimal form", preview };
  if (Number.isFinite(number)) return { type: "a number that is not a whole one", preview };
  return { type: "text", preview };
}

/**
 * Home's row of a key inside the write's transaction (`head`), and the row a condition or an
 * increment is decided on (`decidedOn`): the same one. The
 * injected bugs put a wrong one in its place, to show that the history checker catches them: the
 * row the writing edge would serve an eventual read ("condition-at-edge"), or the row this process
 * saw when it last wrote or checked the key, as a check made before the write took the store's lock
 * would see it whenever another process wrote in between ("check-outside-transaction").
 */
export function deciding(
  engine: KvContext,
  region: string,
  ns: number,
  key: Buffer,
  now: number,
  head: Row | undefined = engine.head(ns, key),
): { head: Row | undefined; decidedOn: Row | undefined } {
  const { regions } = engine;
  if (regions.has("check-outside-transaction")) {
    const seen = engine.lastSeen(ns, key);
    engine.noteSeen(ns, key, head);
    if (seen !== undefined) return { head, decidedOn: seen ?? undefined };
  }
  if (regions.has("condition-at-edge") && !regions.isHome(region)) {
    // An edge's view is read from the store: with a group's rows in it.
    engine.groups.flushRows();
    if (regions.model.edgeStore === "replica") return { head, decidedOn: engine.replicas.replicaView(region, ns, head, now) };
    const cached = engine.caches.cacheEntry(region, ns, key);
    if (cached && engine.caches.cacheFresh(cached, region, ns, now)) return { head, decidedOn: cached.version === 0 ? undefined : cached };
  }
  return { head, decidedOn: head };
}

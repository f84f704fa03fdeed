import type { Condition } from "../core/condition.js";
import { errors } from "../core/errors.js";
import { parseIncrement } from "../core/int64.js";

/**
 * A write's `onlyIf` as a function gives it: `{ version: "<20 hex digits>" }` (home's live version
 * must be this one) or `{ version: null }` (the key must not exist at home). The version's shape is
 * checked where the write is decided, as for every other target.
 */
export function conditionOf(onlyIf: unknown): Condition | undefined {
  if (onlyIf === undefined) return undefined;
  const hint = "Take the version from getWithMetadata(key), or use null for a key that must not exist yet.";
  const isObject = onlyIf !== null && typeof onlyIf === "object" && !Array.isArray(onlyIf);
  if (!isObject || !("version" in onlyIf))
    throw errors.usage(
      `onlyIf must be { version: "<version>" } or { version: null }, not ${isObject ? "an object without a version" : describe(onlyIf)}.`,
      hint,
    );
  const { version } = onlyIf as { version: unknown };
  if (version === null || typeof version === "string") return { version };
  throw errors.usage(`onlyIf.version must be a version string or null, not ${describe(version)}.`, hint);
}

/** An increment as a function gives it: a whole number within ±(2^53 − 1), or a bigint for the full 64-bit range. Default 1. */
export function incrementOf(by: unknown): bigint {
  if (by === undefined) return 1n;
  if (typeof by === "number" && Number.isInteger(by) && !Number.isSafeInteger(by))
    // BigInt(), not String(): 2 ** 60 prints as 1152921504606847000, a number it is not.
    throw errors.usage(`by is ${BigInt(by)}, beyond 2^53 − 1, where a number is not exact.`, "Pass a bigint for increments that large, such as 2n ** 60n.");
  if (typeof by !== "number" && typeof by !== "bigint") throw errors.usage(`by must be a whole number or a bigint, not ${describe(by)}.`);
  // Named as the function names it, as the other messages of this option do.
  return parseIncrement(by, "by");
}

/** A key as a function gives it: a string (its length and content are checked where it is used, as for every target). */
export function keyOf(key: unknown): string {
  if (typeof key === "string") return key;
  throw errors.usage(`A key must be a string, not ${describe(key)}.`, "Pass the key as text, such as String(id) for a number.");
}

/** A number of seconds given as `name`, or undefined; anything else is bad input. */
export function secondsOf(name: string, value: unknown, what: string): number | undefined {
  // NaN is of type number, but no time: passed on, the expiry's check would say "NaN s".
  if (Number.isNaN(value)) throw errors.usage(`${name} is ${what}, a number, not NaN.`);
  if (value === undefined || typeof value === "number") return value;
  throw errors.usage(`${name} is ${what}, a number, not ${typeof value}.`);
}

/**
 * The counter's new value as a function expects it: a number, which every counter reached by
 * counting in numbers is; a bigint beyond ±(2^53 − 1), where a number would be rounded, and
 * always a bigint when the increment was one.
 */
export function counterValue(decimal: string, by: unknown): number | bigint {
  const value = BigInt(decimal);
  if (typeof by === "bigint") return value;
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  if (typeof value === "undefined") return "undefined";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

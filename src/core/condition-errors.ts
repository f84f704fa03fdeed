import { KvError } from "./errors.js";
import { formatNumber as n } from "./numbers.js";

/**
 * The catalogue's entries for conditional writes and counters: a condition home found not to hold,
 * a value that is not a counter, an increment out of range, and conditions or increments given
 * badly. Each failed condition says what home holds, so a program can read again and retry. The
 * codes and their exit codes are in errors.ts; like every entry, these texts name no CLI flag.
 */

/** One condition that home found not to hold: `current` is home's live version of the key, or null for none. */
export interface ConditionFailure {
  key: string;
  expected: string | null;
  current: string | null;
}

function conditionMismatch(key: string, expected: string | null, current: string | null): string {
  if (expected === null) return `The key "${key}" already exists at home (version ${current})`;
  if (current === null) return `The key "${key}" has no value at home (deleted, expired or never written), not version ${expected}`;
  return `The key "${key}" is at version ${current} at home, not ${expected}`;
}

const CONDITION_HINT = "Another write came first. Read the key at home for its current version and value, then decide whether to write again.";

export const conditionErrors = {
  conditionFailed: (key: string, expected: string | null, current: string | null) =>
    new KvError("CONDITION_FAILED", `${conditionMismatch(key, expected, current)}; nothing was written.`, CONDITION_HINT, { key, expected, current }),
  /** A batch whose entries' conditions did not all hold: every failure is named, and the batch wrote nothing. */
  batchConditionsFailed: (failures: readonly ConditionFailure[]) => {
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${n(failures.length - 1)} more ${failures.length === 2 ? "key" : "keys"})` : "";
    return new KvError(
      "CONDITION_FAILED",
      `${conditionMismatch(first.key, first.expected, first.current)}${more}; the batch is all or nothing, so none of it was written.`,
      CONDITION_HINT,
      { ...first, failed: failures },
    );
  },
  notACounter: (key: string, version: string, type: string, preview: string) =>
    new KvError(
      "NOT_A_COUNTER",
      `The key "${key}" holds ${type} (${preview}), not a decimal integer, so it cannot be incremented; nothing was written.`,
      "A counter holds a signed 64-bit integer in decimal, such as 42 or -7. Increment another key, or replace this value first.",
      { key, version, type, preview },
    ),
  counterOverflow: (key: string, version: string, current: string, by: string) =>
    new KvError(
      "COUNTER_OVERFLOW",
      `Adding ${by} to "${key}" (${current}) would leave the signed 64-bit range, -9223372036854775808 to 9223372036854775807; nothing was written.`,
      "Reset the counter by writing a smaller value, or count in another key.",
      { key, version, current, by },
    ),
  incrementInvalid: (what: string, text: string) =>
    new KvError(
      "USAGE",
      `${what} "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a signed 64-bit integer.`,
      "Give a whole number from -9223372036854775808 to 9223372036854775807 in plain decimal (no + and no leading zeros), such as 1 or -5.",
    ),
  /** A whole number beyond ±(2^53 − 1), which a number (JSON's, JavaScript's) holds only rounded: `value` is what it holds. */
  incrementInexact: (what: string, value: bigint) =>
    new KvError(
      "USAGE",
      `${what} is ${value}, beyond 2^53 − 1, where a number is not exact.`,
      `Give an increment that large as a decimal string, such as "${value}", which is exact at any size.`,
    ),
  incrementZero: (what: string) =>
    new KvError("USAGE", `${what} is 0, which would change nothing.`, "Give a whole number other than 0; read the key at home to see its value."),
  /**
   * An invalid entry of a batch that has conditions, which is all or nothing: the entry's own error
   * (its code, and so its status), naming the entry, with `key` and `index` (its place in the batch, from 0).
   */
  batchEntryInvalid: (index: number, key: string, cause: KvError) =>
    new KvError(
      cause.code,
      `The entry at index ${n(index)} of the batch (key ${JSON.stringify(key)}) is invalid: ${cause.message} The batch has conditions, so it is all or nothing: none of it was written.`,
      cause.hint ?? "Correct the entry, then send the batch again.",
      { key, index },
    ),
  versionInvalid: (text: string) =>
    new KvError(
      "USAGE",
      `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a version.`,
      "A version is the 20 hexadecimal digits a read of the key shows.",
    ),
  conditionNeedsOneKey: (keys: number) =>
    new KvError(
      "USAGE",
      `A condition applies to one key; this removal names ${n(keys)}.`,
      "Remove the key with a condition on its own, or remove the keys without one.",
    ),
};

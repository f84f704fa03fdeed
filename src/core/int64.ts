import { conditionErrors } from "./condition-errors.js";

/** The range of a counter: a signed 64-bit integer, as Redis's INCR and most languages' int64. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * The one spelling of a counter's value: an optional minus sign and decimal digits without leading
 * zeros ("0", "42", "-7"; never "+1", "007", "-0", " 1"). Strict, as Redis is, so that the bytes
 * a counter holds are the bytes its value prints as, and two spellings never compare unequal.
 */
const CANONICAL = /^(0|-?[1-9][0-9]*)$/;

function inRange(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** The counter a stored value holds, or undefined when it holds anything else (see describeNonCounter). */
export function parseCounter(text: string): bigint | undefined {
  if (text.length > 20 || !CANONICAL.test(text)) return undefined;
  const n = BigInt(text);
  return inRange(n) ? n : undefined;
}

/**
 * An increment as a request gives it (text or a number), checked: a signed 64-bit integer other
 * than 0, text in the one spelling a counter holds ("5", "-5"; never "+5", "05" or "1e3"). Zero is refused because an increment always writes a new version, and one that adds
 * nothing would report a change that did not happen; a strong read gives the value at home.
 * `what` names the input in the message (the CLI's option, the API's parameter).
 */
export function parseIncrement(input: string | number | bigint, what = "The increment"): bigint {
  let n: bigint | undefined;
  if (typeof input === "bigint") n = input;
  else if (typeof input === "number") {
    // Printed as String() prints it, 2 ** 60 would read 1152921504606847000, a number in range it is not.
    if (Number.isInteger(input) && !Number.isSafeInteger(input)) {
      const value = BigInt(input);
      throw inRange(value) ? conditionErrors.incrementInexact(what, value) : conditionErrors.incrementInvalid(what, String(value));
    }
    n = Number.isSafeInteger(input) ? BigInt(input) : undefined;
  }
  // Text as a stored counter spells it (CANONICAL): what an increment takes, a counter may hold.
  else n = input.length <= 20 && CANONICAL.test(input) ? BigInt(input) : undefined;
  if (n === undefined || !inRange(n)) throw conditionErrors.incrementInvalid(what, String(input));
  if (n === 0n) throw conditionErrors.incrementZero(what);
  return n;
}

/** current + by, or undefined when the sum leaves the signed 64-bit range. */
export function addChecked(current: bigint, by: bigint): bigint | undefined {
  const sum = current + by;
  return inRange(sum) ? sum : undefined;
}

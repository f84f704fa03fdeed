import { describe, expect, it } from "vitest";
import { isVersionText } from "../../src/core/condition.js";
import { KvError } from "../../src/core/errors.js";
import { addChecked, INT64_MAX, INT64_MIN, parseCounter, parseIncrement } from "../../src/core/int64.js";

describe("counters' integers", () => {
  it("read a counter only in its one spelling, within 64 bits", () => {
    expect(parseCounter("0")).toBe(0n);
    expect(parseCounter("-7")).toBe(-7n);
    expect(parseCounter("9223372036854775807")).toBe(INT64_MAX);
    expect(parseCounter("-9223372036854775808")).toBe(INT64_MIN);
    for (const text of ["", "-0", "+1", "007", " 1", "1 ", "1.0", "1e3", "0x10", "9223372036854775808", "-9223372036854775809", "١"])
      expect(parseCounter(text), JSON.stringify(text)).toBeUndefined();
  });

  it("take an increment as text or a number: a whole number other than 0, within 64 bits, text spelt as a counter holds it", () => {
    expect(parseIncrement("5")).toBe(5n);
    expect(parseIncrement("-3")).toBe(-3n);
    expect(parseIncrement(-9)).toBe(-9n);
    expect(parseIncrement("-9223372036854775808")).toBe(INT64_MIN);
    const refused = (input: string | number, what?: string) => {
      try {
        parseIncrement(input, what);
      } catch (e) {
        expect(e).toBeInstanceOf(KvError);
        return e as KvError;
      }
      throw new Error(`${input} was taken`);
    };
    // What a stored counter may not hold, an increment may not be: "+5" and "05" would be NOT_A_COUNTER as values.
    for (const input of ["1.5", "abc", "", "9223372036854775808", "1e3", "+5", "05", "-0", " -3 ", 1.5, Number.MAX_SAFE_INTEGER + 2])
      expect(refused(input).code, String(input)).toBe("USAGE");
    expect(refused("0", "--by").message).toBe("--by is 0, which would change nothing.");
    expect(refused("x", "The by parameter").message).toBe('The by parameter "x" is not a signed 64-bit integer.');
    // A JSON number beyond 2^53 arrives rounded: the message quotes the number it is, and says to send a string.
    const inexact = refused(2 ** 60, '"by"');
    expect(inexact.message).toBe('"by" is 1152921504606846976, beyond 2^53 − 1, where a number is not exact.');
    expect(inexact.hint).toContain('"1152921504606846976"');
    expect(refused(1e20).message).toBe('The increment "100000000000000000000" is not a signed 64-bit integer.');
  });

  it("add within the range, and say when a sum leaves it", () => {
    expect(addChecked(INT64_MAX - 1n, 1n)).toBe(INT64_MAX);
    expect(addChecked(INT64_MAX, 1n)).toBeUndefined();
    expect(addChecked(INT64_MIN, -1n)).toBeUndefined();
    expect(addChecked(INT64_MIN, INT64_MAX)).toBe(-1n);
  });

  it("know a version's shape", () => {
    expect(isVersionText("0000000000000000002a")).toBe(true);
    for (const text of ["2a", "0000000000000000002A", "0000000000000000002g", "0000000000000000002a0"]) expect(isVersionText(text), text).toBe(false);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatNumber } from "../../src/core/numbers.js";

const SEED = 20_261_207;

describe("numbers as people read them", () => {
  it("group every integer as en-US does", () => {
    for (const x of [0, 7, -7, 999, 1000, -1000, 1_048_576, 123_456_789, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])
      expect(formatNumber(x), String(x)).toBe(x.toLocaleString("en-US"));
    fc.assert(
      fc.property(fc.maxSafeInteger(), (x) => formatNumber(x) === x.toLocaleString("en-US")),
      { seed: SEED, numRuns: 2_000, verbose: 1 },
    );
  });

  it("write fractions, -0 and the non-finite as en-US does", () => {
    for (const x of [0.5, -1234.5678, -0, 2 ** 60, 1e21, Number.POSITIVE_INFINITY, Number.NaN])
      expect(formatNumber(x), String(x)).toBe(x.toLocaleString("en-US"));
  });
});

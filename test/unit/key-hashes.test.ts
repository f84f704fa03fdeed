import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyHashes } from "../../src/core/key-hashes.js";

const SEED = 7;

describe("KeyHashes", () => {
  it("answers like a Set of the keys for any sequence of adds, across growth (seed 7)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 6 }), { maxLength: 300 }), (keys) => {
        const hashes = new KeyHashes(2);
        const seen = new Set<string>();
        for (const key of keys) {
          expect(hashes.add(key)).toBe(!seen.has(key));
          seen.add(key);
        }
        expect(hashes.size).toBe(seen.size);
        for (const key of keys) expect(hashes.has(key)).toBe(true);
        for (const key of ["never-added-1", "never-added-2"]) if (!seen.has(key)) expect(hashes.has(key)).toBe(false);
      }),
      { seed: SEED, numRuns: 300, verbose: 1 },
    );
  });

  it("holds a hundred thousand distinct keys without a false repeat", () => {
    const hashes = new KeyHashes();
    let repeats = 0;
    for (let i = 0; i < 100_000; i++) if (!hashes.add(`flags/${i.toString().padStart(8, "0")}`)) repeats++;
    expect(repeats).toBe(0);
    expect(hashes.size).toBe(100_000);
    expect(hashes.has("flags/00000042")).toBe(true);
    expect(hashes.has("flags/00100000")).toBe(false);
  });
});

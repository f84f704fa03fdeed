import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyHashes, KeyHashLog } from "../../src/core/key-hashes.js";

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

describe("KeyHashLog", () => {
  it("finds exactly the hashes of keys added more than once, for any sequence of adds (seed 7)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 4 }), { maxLength: 300 }), (keys) => {
        const log = new KeyHashLog();
        const count = new Map<string, number>();
        for (const key of keys) {
          log.add(key);
          count.set(key, (count.get(key) ?? 0) + 1);
        }
        const repeated = log.repeated();
        for (const [key, n] of count) expect(repeated.has(key)).toBe(n > 1);
        expect(repeated.size).toBe([...count.values()].filter((n) => n > 1).length);
      }),
      { seed: SEED, numRuns: 300, verbose: 1 },
    );
  });

  it("finds repeats that fall in different chunks of the log (over two million keys, three chunks)", () => {
    const log = new KeyHashLog();
    const key = (i: number) => `sessions/${i.toString(36).padStart(8, "0")}`;
    const total = 2_200_000;
    for (let i = 0; i < total; i++) log.add(key(i));
    // Again, in the third chunk: keys first added in the first, the second and the third.
    for (const i of [3, 1_500_000, total - 1]) log.add(key(i));
    const repeated = log.repeated();
    expect(repeated.size).toBe(3);
    for (const i of [3, 1_500_000, total - 1]) expect(repeated.has(key(i))).toBe(true);
    expect(repeated.has(key(4))).toBe(false);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshEngine } from "../support/engine.js";

const SEED = 20_261_122;

/** Keys from a small alphabet that mixes one-, two-, three- and four-byte UTF-8 characters. */
const key = fc.array(fc.constantFrom("a", "b", "/", "é", "\uFF5E", "\u{1F680}", "z"), { minLength: 1, maxLength: 6 }).map((chars) => chars.join(""));

describe("list pagination (property)", () => {
  it("every scan returns each live key under the prefix exactly once, in UTF-8 byte order", () => {
    // One store for all runs; each run gets its own namespace, so runs stay independent.
    const { engine } = freshEngine();
    let run = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { maxLength: 40 }),
        fc.constantFrom("", "a", "é", "\u{1F680}", "a/"),
        fc.integer({ min: 1, max: 7 }),
        (keys, prefix, limit) => {
          const ns = `run-${run++}`;
          engine.createNamespace("local", ns);
          for (const k of keys) engine.put("local", ns, k, { value: Buffer.from(k) });
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page = engine.list("local", ns, { prefix, cursor, limit });
            expect(page.keys.length).toBeLessThanOrEqual(limit);
            seen.push(...page.keys.map((k) => k.key));
            cursor = page.cursor;
          } while (cursor !== null);
          const expected = keys.filter((k) => k.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
          expect(seen).toEqual(expected);
        },
      ),
      { seed: SEED, numRuns: 200, verbose: 1 },
    );
  });
});

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The emulator's core takes time from an injected clock and never from the wall clock or a random
// source, so that tests (and people) can step through expiry and propagation deterministically.
const EMULATOR = resolve(import.meta.dirname, "../../src/emulator");
const FORBIDDEN = [/\bDate\.now\s*\(/, /\bnew Date\s*\(\s*\)/, /\bsetTimeout\s*\(/, /\bsetInterval\s*\(/, /\bMath\.random\s*\(/, /\bperformance\.now\s*\(/];

describe("emulator determinism", () => {
  const files = readdirSync(EMULATOR).filter((f) => f.endsWith(".ts"));

  it("has source files to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s reads no wall clock and no randomness", (file) => {
    const text = readFileSync(join(EMULATOR, file), "utf8");
    for (const pattern of FORBIDDEN) expect(text, `${file} uses ${pattern}`).not.toMatch(pattern);
  });
});

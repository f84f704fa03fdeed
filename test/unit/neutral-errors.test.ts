import { describe, expect, it } from "vitest";
import { withCliAdvice } from "../../src/cli/advice.js";
import { catalogueSamples } from "../support/error-samples.js";

/**
 * The catalogue's texts reach people through the HTTP API and the edge SDK, who have no CLI: they
 * never name a flag. The CLI's flag-specific advice is its own (src/cli/advice.ts).
 */
describe("the error catalogue's texts", () => {
  const samples = catalogueSamples();

  it.each(samples.map((s) => [s.name, s] as const))("%s names no CLI flag", (_name, { error }) => {
    expect(error.message).not.toMatch(/--[a-z]/i);
    expect(error.hint ?? "").not.toMatch(/--[a-z]/i);
  });

  it("the CLI keeps its own advice: the flags that do what the platform's hint says", () => {
    const advised = samples.map((s) => withCliAdvice(s.error));
    expect(advised.some((e) => e.hint?.includes('--metadata \'{"owner":"web"}\''))).toBe(true);
    expect(advised[samples.findIndex((s) => s.name === "limitInvalid")]!.hint).toBe("Use --all to walk every page.");
    expect(advised[samples.findIndex((s) => s.name === "namespaceProtected")]!.hint).toBe(
      'It always exists. To empty it, run: yourspace kv rm --prefix "" -n x',
    );
    // The message and the code stay the catalogue's.
    for (const [i, e] of advised.entries()) {
      expect(e.message).toBe(samples[i]!.error.message);
      expect(e.code).toBe(samples[i]!.error.code);
      expect(e.exitCode).toBe(samples[i]!.error.exitCode);
    }
  });
});

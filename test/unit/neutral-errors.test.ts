import { describe, expect, it } from "vitest";
import { withCliAdvice } from "../../src/cli/advice.js";
import { catalogueSamples } from "../support/error-samples.js";

/**
 * The catalogue's texts reach people through the HTTP API and the edge SDK, who have no CLI: they
 * never name a flag (test/api/no-cli-flags.test.ts). The CLI's flag-specific advice is its own
 * (src/cli/advice.ts).
 */
describe("the error catalogue's texts", () => {
  const samples = catalogueSamples();

  it("the CLI keeps its own advice: the flags that do what the platform's hint says", () => {
    const advised = samples.map((s) => withCliAdvice(s.error));
    expect(advised.some((e) => e.hint?.includes('--metadata \'{"owner":"web"}\''))).toBe(true);
    expect(advised[samples.findIndex((s) => s.name === "limitInvalid")]!.hint).toBe("Use --all to walk every page.");
    expect(advised[samples.findIndex((s) => s.name === "namespaceProtected")]!.hint).toBe(
      'It always exists. To empty it, run: yourspace kv rm --prefix "" -n x',
    );
    const advisedAs = (name: string, i = 0) => advised[samples.map((s, at) => (s.name === name ? at : -1)).filter((at) => at >= 0)[i]!]!.hint;
    expect(advisedAs("keyNotFound")).toBe("List keys with: yourspace kv ls -n default");
    expect(advisedAs("namespaceNotFound", 1)).toBe("Create it with: yourspace kv namespace create flags");
    expect(advisedAs("namespaceNotFound", 0)).toBe(
      `Namespace names are lower-case letters, digits, '-' and '_': did you mean "default"? List them with: yourspace kv namespace ls`,
    );
    expect(advisedAs("portInUse")).toBe("Choose another with --port, or --port 0 for any free port.");
    expect(advisedAs("profileUnknown")).toBe("x Create it with: yourspace login --profile x");
    expect(advisedAs("tokenForOtherUrl", 1)).toBe("Profile home has a token for https://b.example: YOURSPACE_PROFILE=home.");
    expect(advisedAs("importEntriesFailed", 0)).toBe(
      "Run the same import again to retry only what is missing; --report <file> records the outcome of every entry.",
    );
    expect(advisedAs("importEntriesFailed", 1)).toBe("Run the same import again to retry only what is missing; report.ndjson has the outcome of every entry.");
    // The message and the code stay the catalogue's.
    for (const [i, e] of advised.entries()) {
      expect(e.message).toBe(samples[i]!.error.message);
      expect(e.code).toBe(samples[i]!.error.code);
      expect(e.exitCode).toBe(samples[i]!.error.exitCode);
    }
  });
});

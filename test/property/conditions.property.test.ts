/**
 * Conditions and counters (docs/consistency.md, "Conditions and counters"): random conditional
 * writes, increments and batches of absent keys only from two processes, with plain writes, reads,
 * time and partitions, in every profile; then the history checker must find nothing. And the same
 * property against engines with a deliberate defect each must fail, for the reason the defect breaks.
 *
 * Reproducible: the seed is fixed, and a failure prints `{ seed, path }` with the shrunk
 * counterexample (replay with `fc.assert(..., { seed, path })`).
 */
import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Bug } from "../../src/emulator/history/bugs.js";
import type { Rule } from "../../src/emulator/history/violations.js";
import { conditionsProperty } from "./conditions-harness.js";
import { ConsistencyViolation, PROFILE_NAMES } from "./harness.js";

const SEED = Number(process.env.CONSISTENCY_SEED ?? 42);
const NUM_RUNS = Number(process.env.CONSISTENCY_RUNS ?? 500);
/**
 * 500 runs take about 2.5 s of CPU per profile; on a 2-core machine shared with other builds the wall
 * time can be several times that. The limit only stops a hang: nothing here depends on speed.
 */
const TIMEOUT_MS = 180_000;

describe("conditions and counters (property)", () => {
  for (const profile of PROFILE_NAMES) {
    it(
      `${profile}: every history of conditional writes and increments passes the checker`,
      () => {
        const { property, close } = conditionsProperty(profile);
        onTestFinished(close);
        fc.assert(property, { seed: SEED, numRuns: NUM_RUNS, verbose: 1 });
      },
      TIMEOUT_MS,
    );
  }
});

const BUG_CASES: { bug: Bug; profile: string; caughtBy: Rule[] }[] = [
  // Decided on what the writing edge serves: an edge behind home meets a condition home does not, or
  // counts from an old value.
  { bug: "condition-at-edge", profile: "yourspace", caughtBy: ["condition-wrongly-met", "condition-wrongly-failed", "incr-sequence"] },
  { bug: "condition-at-edge", profile: "cloudflare", caughtBy: ["condition-wrongly-met", "condition-wrongly-failed", "incr-sequence"] },
  // Decided on the row this process saw before: the other process's write in between is missed.
  { bug: "check-outside-transaction", profile: "yourspace", caughtBy: ["condition-wrongly-met", "condition-wrongly-failed", "incr-sequence"] },
  { bug: "check-outside-transaction", profile: "strong", caughtBy: ["condition-wrongly-met", "condition-wrongly-failed", "incr-sequence"] },
];

describe("the conditions property catches every injected bug", () => {
  for (const { bug, profile, caughtBy } of BUG_CASES) {
    it(
      `${bug} (${profile}) → ${caughtBy.join(" | ")}`,
      () => {
        const { property, close } = conditionsProperty(profile, [bug]);
        onTestFinished(close);
        const details = fc.check(property, { seed: SEED, numRuns: NUM_RUNS });
        expect(details.failed, `${bug} survived ${NUM_RUNS} runs of the ${profile} property`).toBe(true);
        const error = details.errorInstance;
        // Anything else (a crash, an unexpected error) is a harness or engine failure, not a catch.
        expect(error, String(error)).toBeInstanceOf(ConsistencyViolation);
        const first = (error as ConsistencyViolation).violations[0]!;
        expect(caughtBy, `${first.message}\ncounterexample: ${fc.stringify(details.counterexample)}`).toContain(first.rule);
      },
      TIMEOUT_MS,
    );
  }
});

/**
 * Testing the tests (consistency model §2.3): the same property, run against engines with one
 * deliberate defect each, must fail — and fail for the reason the defect breaks. A suite that passes
 * a broken engine proves nothing about a correct one.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Rule } from "../../src/emulator/history/violations.js";
import type { Bug } from "../../src/emulator/history/bugs.js";
import { consistencyProperty, ConsistencyViolation } from "./harness.js";

const SEED = 42;
const NUM_RUNS = 500;

interface Case {
  bug: Bug;
  profile: string;
  /**
   * Rules that may report the defect first (the first violation in history order). Where the set
   * has more than one, another rule can legitimately see the same fault earlier in some history.
   */
  caughtBy: Rule[];
  /** Run the property with changes of settings among the commands. */
  configChanges?: boolean;
}

const CASES: Case[] = [
  // A reordered (jittered) older version overwrites a newer one: the region misses a write whose
  // deadline has passed; if it had already shown the newer one, the version also goes backwards.
  { bug: "apply-ignores-version", profile: "yourspace", caughtBy: ["stale-beyond-bound", "monotonic-reads"] },
  // The writing region does not see its own write.
  { bug: "no-local-apply", profile: "yourspace", caughtBy: ["read-your-writes"] },
  { bug: "no-local-apply", profile: "cloudflare", caughtBy: ["read-your-writes"] },
  { bug: "no-local-apply", profile: "edgeone", caughtBy: ["read-your-writes"] },
  { bug: "no-local-apply", profile: "esa", caughtBy: ["read-your-writes"] },
  // Messages due during a partition are dropped instead of held: the region never catches up.
  { bug: "partition-drops", profile: "yourspace", caughtBy: ["stale-beyond-bound"] },
  { bug: "partition-drops", profile: "esa", caughtBy: ["stale-beyond-bound"] },
  // A strong read answered from the edge's own copy (a strong list from it misses a key home has).
  { bug: "strong-read-local", profile: "yourspace", caughtBy: ["stale-strong-read", "list-missed-key"] },
  { bug: "strong-read-local", profile: "cloudflare", caughtBy: ["stale-strong-read", "list-missed-key"] },
  // Without read-repair, eventual after strong goes back in time (found by the Probe macro).
  { bug: "no-read-repair", profile: "yourspace", caughtBy: ["monotonic-reads"] },
  { bug: "no-read-repair", profile: "cloudflare", caughtBy: ["monotonic-reads"] },
  { bug: "no-read-repair", profile: "esa", caughtBy: ["monotonic-reads"] },
  // Edges evaluate expiry 20 ms late (found by ToDeadline(expiresAt, 0|+1)); a list in the window
  // shows it as a listed dead key rather than a get of an expired value.
  { bug: "expiry-skew", profile: "yourspace", caughtBy: ["read-expired-value", "listed-dead-key"] },
  { bug: "expiry-skew", profile: "cloudflare", caughtBy: ["read-expired-value", "listed-dead-key"] },
  // A change of settings recomputes the delivery of versions already committed: a region that had
  // served a version no longer has it (found by Config's reads just before and after the change).
  { bug: "recompute-past", profile: "yourspace", caughtBy: ["monotonic-reads", "stale-beyond-bound"], configChanges: true },
  // A page with exactly one key after it claims to be the last: a scan from home misses that key.
  { bug: "list-drops-cursor", profile: "yourspace", caughtBy: ["list-missed-key"] },
  { bug: "list-drops-cursor", profile: "edgeone", caughtBy: ["list-missed-key"] },
];

describe("the consistency property catches every injected bug", () => {
  for (const { bug, profile, caughtBy, configChanges } of CASES) {
    it(`${bug} (${profile}) → ${caughtBy.join(" | ")}`, () => {
      const details = fc.check(consistencyProperty(profile, [bug], { configChanges }), { seed: SEED, numRuns: NUM_RUNS });
      expect(details.failed, `${bug} survived ${NUM_RUNS} runs of the ${profile} property`).toBe(true);
      const error = details.errorInstance;
      // Anything else (a crash, an unexpected error) is a harness or engine failure, not a catch.
      expect(error, String(error)).toBeInstanceOf(ConsistencyViolation);
      const first = (error as ConsistencyViolation).violations[0]!;
      expect(caughtBy, `${first.message}\ncounterexample: ${fc.stringify(details.counterexample)}`).toContain(first.rule);
      expect(first.message).toContain(first.rule);
    });
  }
});

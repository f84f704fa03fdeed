/**
 * The model-based consistency property (consistency model §2.3) for every profile: random commands
 * against a fresh emulator, then quiescence, then the history checker must find nothing.
 *
 * Reproducible: the seed is fixed, and a failure prints `{ seed, path }` with the shrunk
 * counterexample (replay with `fc.assert(..., { seed, path })`). Nightly runs can widen the search
 * with CONSISTENCY_SEED and CONSISTENCY_RUNS; no wall-clock time limit is ever used.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { consistencyProperty, PROFILE_NAMES } from "./harness.js";

const SEED = Number(process.env.CONSISTENCY_SEED ?? 42);
const NUM_RUNS = Number(process.env.CONSISTENCY_RUNS ?? 500);

describe("consistency model (property, §2.3)", () => {
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: every history passes the checker and converges after quiescence`, () => {
      fc.assert(consistencyProperty(profile), { seed: SEED, numRuns: NUM_RUNS, verbose: 1 });
    });
  }
});

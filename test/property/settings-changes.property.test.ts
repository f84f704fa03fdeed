/**
 * A change of settings applies to the writes after it; what a region has served stays served. The
 * consistency property of §2.3 with `kv emulator config` changes (delay, jitter, seed, the order of
 * the edges, the profile) among the writes, reads, faults and advances, judged by the history checker,
 * which takes each write's model from the recorded changes: no region's observed version goes
 * backwards (monotonic-reads), no served value vanishes, every write is visible within its own Δ.
 *
 * Reproducible: fixed seed; a failure prints `{ seed, path }` and the shrunk commands.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { consistencyProperty } from "./harness.js";

const SEED = Number(process.env.CONSISTENCY_SEED ?? 42);
const NUM_RUNS = Number(process.env.CONSISTENCY_RUNS ?? 300);

describe("changes of settings never rewrite the past (property)", () => {
  for (const profile of ["yourspace", "esa"]) {
    it(`starting from ${profile}: every history with config changes passes the checker`, () => {
      fc.assert(consistencyProperty(profile, [], { configChanges: true }), { seed: SEED, numRuns: NUM_RUNS, verbose: 1 });
    });
  }
});

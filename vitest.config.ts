import { accessSync, constants } from "node:fs";
import { defineConfig } from "vitest/config";
import LongestFirst from "./test/support/sequencer.js";

/**
 * Where the tests' temporary directories go: a memory file system where the machine has one and
 * TMPDIR does not say otherwise. The suite makes thousands of short-lived stores, and on a disk
 * each pays for the file system's journal (test/cli took 16% less CPU on /dev/shm). The stores are
 * the same SQLite files either way.
 */
function testTmpDir(): Record<string, string> {
  if (process.env.TMPDIR) return {};
  try {
    accessSync("/dev/shm", constants.W_OK);
    return { TMPDIR: "/dev/shm" };
  } catch {
    return {};
  }
}

/**
 * Node reads the file NODE_EXTRA_CA_CERTS names at every start, whether or not the process makes a
 * TLS connection: where it names the system's bundle, as on the machine CI runs on, that is 40 ms of
 * CPU for each of the hundreds of processes the suite spawns (a bare `node -e 0`: 62 ms without it,
 * 101 ms with it). The suite's processes talk only to servers on the loopback, over plain HTTP, so
 * they start without it; an empty value is what Node takes as none.
 */
const NO_EXTRA_CA_CERTS = { NODE_EXTRA_CA_CERTS: "" };

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Processes, not threads: test/support/in-dir.ts changes the working directory, which a worker thread cannot.
    pool: "forks",
    // Two cores: one file per core. The spawned-binary tests start processes of their own besides.
    maxWorkers: 2,
    // Each worker keeps the modules it has imported from one test file to the next: importing the CLI,
    // the emulator and the server afresh for every file took most of the in-process layers' time
    // (docs/testing.md). Every test makes its own directories, stores and servers, so nothing a test
    // checks is carried over.
    isolate: false,
    // The longest files first, in every run: test/support/sequencer.ts.
    sequence: { sequencer: LongestFirst },
    env: { ...testTmpDir(), ...NO_EXTRA_CA_CERTS },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

import { defineConfig } from "vitest/config";

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
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

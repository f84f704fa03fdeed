import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/cli.js";
import { expectEnvironmentFailure } from "../support/environment.js";

/**
 * A process out of file descriptors (EMFILE). This file has a test process of its own (vitest runs
 * each file in its own worker), so using up its descriptors for a moment troubles no other test.
 */
describe("too many open files", () => {
  it.each([false, true])("is RESOURCE_LIMIT with a hint, not a bug (--json %s)", async (json) => {
    const cwd = tempDir();
    const dataDir = join(cwd, "store");
    // Loads every module the command needs, so that what fails below is the command, not the loader.
    expect((await runCli(["--data-dir", dataDir, "kv", "set", "k", "v"], { cwd })).code).toBe(0);
    expect((await runCli(["--data-dir", dataDir, "kv", "get", "k"], { cwd })).code).toBe(0);
    const held: number[] = [];
    let result;
    try {
      for (;;) {
        try {
          held.push(openSync("/dev/null", "r"));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "EMFILE") break;
          throw e;
        }
      }
      result = await runCli(["--data-dir", dataDir, "kv", "get", "k", ...(json ? ["--json"] : [])], { cwd });
    } finally {
      for (const fd of held) closeSync(fd);
    }
    expectEnvironmentFailure(result, json, "RESOURCE_LIMIT", /too many open files/);
  });
});

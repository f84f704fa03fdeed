import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin, tempDir } from "../support/cli.js";

/**
 * What a fresh process loads to run a command that needs none of these Node modules. Each costs every
 * start-up milliseconds (bench/startup.sh measures the whole), so they are loaded on first use.
 */
const LOADED_ON_FIRST_USE = ["NativeModule crypto", "NativeModule child_process", "NativeModule internal/fs/promises"];

/** Runs the built binary with a preload that writes, as the process exits, the Node modules it loaded. */
async function modulesLoadedBy(argv: string[], dir: string): Promise<string[]> {
  const list = join(dir, "modules.txt");
  const preload = join(dir, "record-modules.cjs");
  writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
  const result = await runBin(argv, { cwd: dir, env: { YOURSPACE_DATA_DIR: join(dir, "data"), NODE_OPTIONS: `--require ${preload}` } });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return readFileSync(list, "utf8").split("\n");
}

describe("start-up", () => {
  it("kv get on the embedded store loads neither crypto, child processes nor the promise file API", async () => {
    const dir = tempDir();
    await runBin(["kv", "set", "flags/a", "on", "--quiet"], { cwd: dir, env: { YOURSPACE_DATA_DIR: join(dir, "data") } });
    const loaded = await modulesLoadedBy(["kv", "get", "flags/a", "--quiet"], dir);
    // The preload itself ran: the list is Node's, not empty.
    expect(loaded).toContain("NativeModule vm");
    expect(loaded.filter((m) => LOADED_ON_FIRST_USE.includes(m))).toEqual([]);
  });

  it("--version loads none of them either", async () => {
    const loaded = await modulesLoadedBy(["--version"], tempDir());
    expect(loaded.filter((m) => LOADED_ON_FIRST_USE.includes(m))).toEqual([]);
  });
});

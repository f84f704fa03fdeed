import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli, tempDir } from "../support/cli.js";

afterEach(() => vi.restoreAllMocks());

describe("numbers in what the CLI prints", () => {
  // The first locale-aware call loads ICU's number formatting, 12–20 ms; src/core/numbers.ts spares it.
  it("an error formats none through ICU: the CLI's advice builds entries of the catalogue to recognise it", async () => {
    const cwd = tempDir();
    const localeFormat = vi.spyOn(Number.prototype, "toLocaleString");
    const result = await runCli(["kv", "get", "flags/missing"], { cwd, env: { YOURSPACE_DATA_DIR: join(cwd, "data") } });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain("was not found");
    expect(localeFormat).not.toHaveBeenCalled();
  });

  it("a count is grouped as before", async () => {
    const cwd = tempDir();
    const env = { YOURSPACE_DATA_DIR: join(cwd, "data") };
    const lines = Array.from({ length: 1_200 }, (_, i) => JSON.stringify({ key: `k/${i}`, value: "v" })).join("\n");
    expect((await runCli(["kv", "import", "-", "--format", "ndjson", "--quiet"], { cwd, env, stdin: lines })).code).toBe(0);
    const localeFormat = vi.spyOn(Number.prototype, "toLocaleString");
    const removed = await runCli(["kv", "rm", "--prefix", "k/", "--yes"], { cwd, env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain("1,200 keys");
    expect(localeFormat).not.toHaveBeenCalled();
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin, tempDir, type RunResult } from "../support/cli.js";
import { ok } from "../support/kv.js";

/**
 * A data directory on the manual clock, driven only through the built binary: one process per command,
 * each recorded as a client of its own. What the commands do to regions and the clock, in process, is
 * test/cli/consistency.test.ts.
 */
function emulator() {
  const cwd = tempDir();
  const env = { YOURSPACE_DATA_DIR: `${cwd}/data` };
  const kv = (...argv: string[]): Promise<RunResult> => runBin(["kv", ...argv, "--quiet"], { cwd, env });
  return { kv, cwd };
}

describe("consistency through the built binary, on the manual clock", () => {
  it("records every process's operations to a JSONL history", async () => {
    const { kv, cwd } = emulator();
    await ok(kv("emulator", "clock", "manual"));
    await ok(kv("emulator", "record", "history.jsonl"));
    await ok(kv("set", "k", "v1", "--region", "fra"));
    expect((await kv("get", "k", "--region", "sin", "--consistency", "eventual")).code).toBe(3);
    expect((await kv("set", "k", "v2", "--region", "sin", "--ttl", "1s")).code).toBe(2);
    await ok(kv("emulator", "partition", "sin"));
    expect((await kv("set", "k", "v3", "--region", "sin")).code).toBe(5);
    await ok(kv("emulator", "record", "off"));
    await ok(kv("set", "k", "v4"));
    const ops = readFileSync(join(cwd, "history.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(ops.map((o) => o.seq)).toEqual([1, 2, 3, 4]);
    expect(ops[0]).toMatchObject({ f: "put", region: "fra", key: "k", value: "v1", type: "ok", version: 1, expiresAt: null });
    expect(ops[1]).toMatchObject({ f: "get", region: "sin", key: "k", consistency: "eventual", type: "ok", value: null, version: null });
    expect(ops[2]).toMatchObject({ f: "fault", type: "info", fault: { kind: "partition", region: "sin" } });
    expect(ops[3]).toMatchObject({ f: "put", region: "sin", key: "k", value: "v3", type: "fail" });
    for (const op of ops) expect(typeof op.t).toBe("number");
    expect(new Set(ops.map((o) => o.client)).size).toBe(4);
  });
});

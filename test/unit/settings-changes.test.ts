/**
 * `kv emulator config` applies to the writes after it: what a region has served stays served, and a
 * version compacted away because a newer one had reached every edge stays unneeded. Examples through
 * the CLI in process, each followed by the history checker over what was recorded.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { check } from "../../src/emulator/history/checker.js";
import { formatViolations } from "../../src/emulator/history/violations.js";
import type { HistoryOp } from "../../src/emulator/history/recorder.js";
import { DEFAULT_PARAMS } from "../../src/emulator/regions/model.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

function emulator() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const env = { YOURSPACE_DATA_DIR: join(cwd, "data"), YOURSPACE_CONFIG_DIR: join(cwd, "config") };
  const kv = async (...argv: string[]) => {
    const r = await runCli(["kv", ...argv], { cwd, env, clock });
    return r;
  };
  const ok = async (...argv: string[]) => {
    const r = await kv(...argv);
    expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
    return r;
  };
  /** What an eventual read in `region` serves: the value, or the exit code. */
  const read = async (key: string, region: string) => {
    const r = await kv("get", key, "--region", region, "--consistency", "eventual", "--json");
    return r.code === 0 ? (JSON.parse(r.out) as { value: string }).value : r.code;
  };
  const history = () =>
    readFileSync(join(cwd, "h.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as HistoryOp);
  const expectClean = () => expect(formatViolations(check(history(), DEFAULT_PARAMS))).toBe("");
  return { kv, ok, read, expectClean };
}

describe("a change of settings applies to the writes after it", () => {
  it("--delay: a value an edge has served stays served", async () => {
    const { ok, read, expectClean } = emulator();
    await ok("emulator", "clock", "manual");
    await ok("emulator", "record", "h.jsonl");
    await ok("set", "k", "v1");
    await ok("emulator", "advance", "300ms");
    expect(await read("k", "sin")).toBe("v1");
    await ok("emulator", "config", "--delay", "10s", "--jitter", "0");
    expect(await read("k", "sin")).toBe("v1");
    // Writes after the change take the new delay.
    await ok("set", "k", "v2");
    await ok("emulator", "advance", "9s");
    expect(await read("k", "sin")).toBe("v1");
    await ok("emulator", "advance", "1s");
    expect(await read("k", "sin")).toBe("v2");
    expectClean();
  });

  it("--jitter, --seed, --profile: a compacted version is not needed again", async () => {
    const { ok, read, expectClean } = emulator();
    await ok("emulator", "clock", "manual");
    await ok("emulator", "record", "h.jsonl");
    await ok("set", "k", "v1");
    await ok("emulator", "advance", "300ms");
    // v2 reaches every edge; v1 is compacted away with the next write.
    await ok("set", "k", "v2");
    await ok("emulator", "advance", "300ms");
    await ok("set", "other", "x");
    for (const region of ["fra", "sin"]) expect(await read("k", region)).toBe("v2");
    for (const change of [
      ["--jitter", "1h"],
      ["--seed", "99"],
      ["--profile", "yourspace", "--delay", "1h"],
    ]) {
      await ok("emulator", "config", ...change);
      for (const region of ["fra", "sin"]) expect(await read("k", region)).toBe("v2");
    }
    expectClean();
  });

  it("--profile from replicas to caches and back: every region keeps at least what it served", async () => {
    const { ok, read, expectClean } = emulator();
    await ok("emulator", "clock", "manual");
    await ok("emulator", "record", "h.jsonl");
    await ok("set", "k", "v1");
    await ok("emulator", "advance", "300ms");
    await ok("set", "k", "v2");
    expect(await read("k", "sin")).toBe("v1");
    await ok("emulator", "config", "--profile", "cloudflare");
    expect(await read("k", "sin")).toBe("v2");
    await ok("set", "k", "v3");
    expect(await read("k", "sin")).toBe("v2"); // cached for 60 s
    await ok("emulator", "config", "--profile", "yourspace");
    expect(await read("k", "sin")).toBe("v3"); // the switch delivers everything
    expectClean();
  });

  it("a change of edge store needs every link up", async () => {
    const { kv, ok } = emulator();
    await ok("emulator", "partition", "sin");
    const r = await kv("emulator", "config", "--profile", "esa");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sin cannot receive them now");
    expect(r.stderr).toContain("heal");
    // Within one edge store, a fault is no obstacle.
    await ok("emulator", "config", "--profile", "strong");
  });

  it("a new edge starts with everything; a removed edge's faults end with it", async () => {
    const { ok, read, expectClean } = emulator();
    await ok("emulator", "clock", "manual");
    await ok("emulator", "record", "h.jsonl");
    await ok("set", "k", "v1");
    await ok("emulator", "partition", "sin");
    await ok("emulator", "config", "--regions", "iad*,fra,syd");
    expect(await read("k", "syd")).toBe("v1");
    await ok("emulator", "config", "--regions", "iad*,fra,syd,sin");
    expect(await read("k", "sin")).toBe("v1");
    const status = JSON.parse((await ok("emulator", "status", "--json")).out) as { regions: { region: string; partitioned: boolean }[] };
    expect(status.regions.find((r) => r.region === "sin")!.partitioned).toBe(false);
    expectClean();
  });
});

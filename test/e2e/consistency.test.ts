import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin, tempDir, type RunResult } from "../support/cli.js";

/** A data directory on the manual clock, driven only through the built binary. */
function emulator() {
  const cwd = tempDir();
  const env = { YOURSPACE_DATA_DIR: `${cwd}/data` };
  const kv = (...argv: string[]): Promise<RunResult> => runBin(["kv", ...argv, "--quiet"], { cwd, env });
  const read = async (key: string, region: string) => {
    const r = await kv("get", key, "--region", region, "--consistency", "eventual", "--json");
    return r.code === 0 ? (JSON.parse(r.out) as { value: string; version: string; servedFrom: string }) : r.code;
  };
  return { kv, read, cwd };
}

async function ok(result: Promise<RunResult>): Promise<RunResult> {
  const r = await result;
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("consistency through the CLI, on the manual clock", () => {
  it("a write in fra is read in fra at once and reaches sin within 300 ms", async () => {
    const { kv, read } = emulator();
    await ok(kv("emulator", "config", "--profile", "yourspace", "--regions", "iad*,fra,sin", "--delay", "100ms", "--jitter", "200ms"));
    await ok(kv("emulator", "clock", "manual"));
    await ok(kv("set", "flags/homepage-v2", "on", "--region", "fra"));
    expect(await read("flags/homepage-v2", "fra")).toMatchObject({ value: "on", servedFrom: "replica" });
    expect(await read("flags/homepage-v2", "sin")).toBe(3);
    const strong = await ok(kv("get", "flags/homepage-v2", "--region", "sin", "--json"));
    expect(JSON.parse(strong.out)).toMatchObject({ value: "on", servedFrom: "home" });
    await ok(kv("emulator", "advance", "300ms"));
    expect(await read("flags/homepage-v2", "sin")).toMatchObject({ value: "on" });
  });

  it("a partitioned region refuses writes with exit 5, serves stale reads, and converges after heal", async () => {
    const { kv, read } = emulator();
    await ok(kv("emulator", "clock", "manual"));
    await ok(kv("set", "k", "v1"));
    await ok(kv("emulator", "settle"));
    await ok(kv("emulator", "partition", "sin"));
    const refused = await kv("set", "k", "from-sin", "--region", "sin");
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("cannot reach the home region iad");
    expect(refused.stderr).toContain("emulator heal sin");
    await ok(kv("set", "k", "v2"));
    await ok(kv("emulator", "advance", "10m"));
    expect(await read("k", "sin")).toMatchObject({ value: "v1" });
    expect((await kv("get", "k", "--region", "sin")).code).toBe(5);
    const status = JSON.parse((await ok(kv("emulator", "status", "--json"))).out);
    expect(status.regions.find((r: { region: string }) => r.region === "sin")).toMatchObject({ partitioned: true, pending: 1, held: true });
    await ok(kv("emulator", "heal", "sin"));
    await ok(kv("emulator", "advance", "300ms"));
    expect(await read("k", "sin")).toMatchObject({ value: "v2" });
    // The refused write was never committed anywhere.
    expect(JSON.parse((await ok(kv("get", "k", "--json"))).out).value).toBe("v2");
  });

  it("a delete travels as a tombstone, and an older write arriving late never brings the key back", async () => {
    const { kv, read } = emulator();
    await ok(kv("emulator", "clock", "manual"));
    await ok(kv("emulator", "pause", "sin"));
    await ok(kv("set", "k", "old"));
    await ok(kv("rm", "k"));
    await ok(kv("emulator", "advance", "300ms"));
    expect(await read("k", "fra")).toBe(3);
    expect(await read("k", "sin")).toBe(3);
    // sin gets both held messages on resume, in whichever order their jitter gives; the tombstone wins.
    await ok(kv("emulator", "resume", "sin"));
    for (const step of ["50ms", "100ms", "100ms", "100ms", "1s"]) {
      await ok(kv("emulator", "advance", step));
      expect(await read("k", "sin")).toBe(3);
    }
    const inspect = JSON.parse((await ok(kv("inspect", "k", "--json"))).out);
    for (const r of inspect.regions) expect(r).toMatchObject({ live: false, behindHome: false });
  });

  it("an expired key disappears in every region at the same emulated instant", async () => {
    const { kv, read } = emulator();
    await ok(kv("emulator", "clock", "manual"));
    await ok(kv("set", "session", "s1", "--ttl", "60s"));
    await ok(kv("emulator", "advance", "59999ms"));
    for (const region of ["iad", "fra", "sin"]) expect(await read("session", region)).toMatchObject({ value: "s1" });
    await ok(kv("emulator", "advance", "1ms"));
    for (const region of ["iad", "fra", "sin"]) expect(await read("session", region)).toBe(3);
  });

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
    const ops = readFileSync(join(cwd, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(ops.map((o) => o.seq)).toEqual([1, 2, 3, 4]);
    expect(ops[0]).toMatchObject({ f: "put", region: "fra", key: "k", value: "v1", type: "ok", version: 1, expiresAt: null });
    expect(ops[1]).toMatchObject({ f: "get", region: "sin", key: "k", consistency: "eventual", type: "ok", value: null, version: null });
    expect(ops[2]).toMatchObject({ f: "fault", type: "info", fault: { kind: "partition", region: "sin" } });
    expect(ops[3]).toMatchObject({ f: "put", region: "sin", key: "k", value: "v3", type: "fail" });
    for (const op of ops) expect(typeof op.t).toBe("number");
    expect(new Set(ops.map((o) => o.client)).size).toBe(4);
  });
});

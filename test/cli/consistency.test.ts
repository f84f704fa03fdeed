import { describe, expect, it } from "vitest";
import { runCli, tempDir, type RunResult } from "../support/cli.js";
import { ok } from "../support/kv.js";

/**
 * A data directory on the manual clock, driven only through the CLI: each command the same main() the
 * binary runs, in this process, over what the commands before it left in the store (clock, regions,
 * faults, messages in flight). That every process records its own operations is test/e2e/consistency.
 */
function emulator() {
  const cwd = tempDir();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, YOURSPACE_DATA_DIR: `${cwd}/data` };
  const kv = (...argv: string[]): Promise<RunResult> => runCli(["kv", ...argv, "--quiet"], { cwd, env });
  const read = async (key: string, region: string) => {
    const r = await kv("get", key, "--region", region, "--consistency", "eventual", "--json");
    return r.code === 0 ? (JSON.parse(r.out) as { value: string; version: string; servedFrom: string }) : r.code;
  };
  return { kv, read };
}

describe("consistency through the CLI, on the manual clock", () => {
  it("advance names what it could not read as a duration", async () => {
    const { kv } = emulator();
    await ok(kv("emulator", "clock", "manual"));
    const r = await kv("emulator", "advance", "soon");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The time to advance by "soon" is not a duration.');
  });

  it("config refuses a region list with an empty name and a seed that is not a whole number, and changes nothing", async () => {
    const { kv } = emulator();
    const before = (await ok(kv("emulator", "config", "--json"))).out;
    for (const regions of ["iad*,fra,", "iad*,,fra"]) {
      const r = await kv("emulator", "config", "--regions", regions);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--regions "${regions}" has an empty name (a comma too many).`);
    }
    const seed = await kv("emulator", "config", "--seed", "-1");
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('--seed "-1" is not a whole number from 0 to 999,999,999.');
    expect((await ok(kv("emulator", "config", "--json"))).out).toBe(before);
    // With no region marked home, the first one named is.
    const model = JSON.parse((await ok(kv("emulator", "config", "--regions", "fra,sin", "--json"))).out) as { home: string; edges: string[] };
    expect([model.home, model.edges]).toEqual(["fra", ["sin"]]);
  });

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

  it("a partitioned cache edge with nothing cached refuses an eventual get and ls without advising an eventual read", async () => {
    const { kv } = emulator();
    await ok(kv("emulator", "config", "--profile", "cloudflare"));
    await ok(kv("set", "k", "v1"));
    await ok(kv("emulator", "partition", "sin"));
    for (const argv of [["get", "k"], ["ls"]]) {
      const r = await kv(...argv, "--region", "sin", "--consistency", "eventual");
      expect(r.code).toBe(5);
      expect(r.stderr).toContain("Region sin has no fresh cached copy for this read and cannot reach the home region iad");
      expect(r.stderr).toContain("Heal the link with: yourspace kv emulator heal sin");
      expect(r.stderr).not.toContain("--consistency eventual");
    }
  });

  it("a cloudflare cache TTL under its least is raised to it, so the model and Δ say what reads keep", async () => {
    const { kv, read } = emulator();
    const config = await ok(kv("emulator", "config", "--profile", "cloudflare", "--cache-ttl", "10s", "--json"));
    expect(JSON.parse(config.out)).toMatchObject({ cacheTtlMs: 30_000 });
    expect(JSON.parse((await ok(kv("emulator", "status", "--json"))).out)).toMatchObject({ cacheTtlMs: 30_000, deltaMs: 30_000 });
    await ok(kv("emulator", "clock", "manual"));
    await ok(kv("set", "k", "v1"));
    expect(await read("k", "sin")).toMatchObject({ value: "v1", servedFrom: "origin" });
    await ok(kv("set", "k", "v2"));
    await ok(kv("emulator", "advance", "29999"));
    expect(await read("k", "sin")).toMatchObject({ value: "v1", servedFrom: "cache" });
    await ok(kv("emulator", "advance", "1ms"));
    expect(await read("k", "sin")).toMatchObject({ value: "v2", servedFrom: "origin" });
  });

  it("get --cache-ttl warns when the read was served where nothing is cached, and only then", async () => {
    const { kv } = emulator();
    await ok(kv("set", "k", "v1"));
    await ok(kv("emulator", "settle"));
    for (const argv of [
      ["--region", "sin", "--consistency", "eventual"],
      ["--region", "sin"],
    ]) {
      const r = await ok(kv("get", "k", "--cache-ttl", "60s", ...argv));
      expect(r.stderr).toContain("--cache-ttl was ignored");
    }
    await ok(kv("emulator", "config", "--profile", "cloudflare"));
    const cached = await ok(kv("get", "k", "--cache-ttl", "60s", "--region", "sin", "--consistency", "eventual"));
    expect(cached.stderr).not.toContain("--cache-ttl was ignored");
    const home = await ok(kv("get", "k", "--cache-ttl", "60s"));
    expect(home.stderr).toContain("--cache-ttl was ignored: this read was served from home");
  });

  it.each(["partition", "heal", "pause", "resume"])("%s of the home region is refused, naming the edges, and changes nothing", async (command) => {
    const { kv } = emulator();
    const refused = await kv("emulator", command, "iad", "--json");
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr.trim().split("\n").at(-1)!).error).toEqual({
      code: "USAGE",
      message: "iad is the home region; faults apply to the link between an edge and home.",
      hint: "Name an edge: fra, sin.",
    });
    const status = JSON.parse((await ok(kv("emulator", "status", "--json"))).out);
    expect(status.regions.map((r: { partitioned: boolean; paused: boolean }) => [r.partitioned, r.paused])).toEqual([
      [false, false],
      [false, false],
      [false, false],
    ]);
    await ok(kv("set", "k", "v", "--region", "fra"));
    await ok(kv("set", "k", "v", "--region", "iad"));
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
});

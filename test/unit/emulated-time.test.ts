/**
 * Emulated time never runs backwards: not when the clock switches from manual back to real time after
 * running ahead, not when the system clock is stepped back, and not in a recorded history, where `seq`
 * order is time order even while other processes move the manual clock.
 */
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { request } from "undici";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { check } from "../../src/emulator/history/checker.js";
import { EmulatorControl } from "../../src/emulator/control.js";
import { Engine } from "../../src/emulator/kv/engine.js";
import { MemoryRecorder, type HistoryOp } from "../../src/emulator/history/recorder.js";
import { openStore } from "../../src/emulator/store/store.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/** The CLI in process over one data directory, its system clock a ManualClock the test moves. */
function cli() {
  const cwd = tempDir();
  const system = new ManualClock(T0);
  const env = { YOURSPACE_DATA_DIR: join(cwd, "data"), YOURSPACE_CONFIG_DIR: join(cwd, "config") };
  const kv = (...argv: string[]) => runCli(["kv", ...argv], { cwd, env, clock: system });
  const json = async (...argv: string[]) => {
    const r = await kv(...argv, "--json");
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.out) as Record<string, unknown>;
  };
  return { kv, json, system, cwd, dataDir: env.YOURSPACE_DATA_DIR };
}

describe("clock real after the manual clock ran ahead", () => {
  it("continues from the manual clock's time: an expired key stays expired and status shows no negative lag", async () => {
    const { kv, json, system } = cli();
    expect((await kv("emulator", "clock", "manual")).code).toBe(0);
    expect((await kv("set", "session", "s1", "--ttl", "60s")).code).toBe(0);
    expect((await kv("set", "k", "v1")).code).toBe(0);
    expect((await kv("emulator", "advance", "2h")).code).toBe(0);
    expect((await kv("get", "session")).code).toBe(3);
    const before = Date.parse(((await json("emulator", "status")).clock as { now: string }).now);
    const switched = await json("emulator", "clock", "real");
    expect(Date.parse(switched.now as string)).toBeGreaterThanOrEqual(before);
    // The expired key does not come back, now or as real time passes.
    expect((await kv("get", "session")).code).toBe(3);
    system.advance(1_000);
    expect((await kv("get", "session")).code).toBe(3);
    const status = await json("emulator", "status");
    const now = Date.parse((status.clock as { now: string }).now);
    expect(now).toBeGreaterThanOrEqual(before + 1_000);
    expect(status.clock).toMatchObject({ mode: "real", offsetMs: 2 * 3_600_000 });
    for (const region of status.regions as { lagMs: number }[]) expect(region.lagMs).toBeGreaterThanOrEqual(0);
    // A write now commits after the earlier ones in time, too.
    expect((await kv("set", "k", "v2")).code).toBe(0);
    const inspect = await json("inspect", "k");
    expect(Date.parse(inspect.now as string)).toBeGreaterThanOrEqual(now);
  });

  it("status on real time shows an offset of 0, never below it, while the system clock moves during the command", async () => {
    const cwd = tempDir();
    // A system clock that moves 1 ms every time it is read, as a busy machine's does between two reads.
    let t = T0;
    const clock = { now: () => t++ };
    const env = { YOURSPACE_DATA_DIR: join(cwd, "data"), YOURSPACE_CONFIG_DIR: join(cwd, "config") };
    const r = await runCli(["kv", "emulator", "status", "--json"], { cwd, env, clock });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.out).clock).toMatchObject({ mode: "real", offsetMs: 0 });
  });

  it("a system clock stepped back does not send emulated time back, in this process or the next", async () => {
    const { kv, json, system } = cli();
    expect((await kv("set", "session", "s1", "--ttl", "60s")).code).toBe(0);
    system.advance(61_000);
    expect((await kv("get", "session")).code).toBe(3);
    const seen = Date.parse(((await json("emulator", "status")).clock as { now: string }).now);
    system.advance(-30_000); // NTP steps the system clock back
    expect((await kv("get", "session")).code).toBe(3);
    expect(Date.parse(((await json("emulator", "status")).clock as { now: string }).now)).toBeGreaterThanOrEqual(seen);
  });
});

describe("seq order is time order in a recorded history", () => {
  /** The engine of a server (settings looked at once per turn) and another process's controls, over one directory. */
  function twoProcesses() {
    const dataDir = tempDir();
    const clock = new ManualClock(T0);
    const serverDb = openStore({ dataDir, now: T0 });
    const otherDb = openStore({ dataDir, now: T0 });
    onTestFinished(() => {
      serverDb.close();
      otherDb.close();
    });
    const recorder = new MemoryRecorder();
    const server = new Engine({ db: serverDb, dataDir, clock, recorder, client: "server" });
    server.settings.oncePerTurn = true;
    const other = new Engine({ db: otherDb, dataDir, clock, recorder, client: "cli" });
    new EmulatorControl(other).setClock("manual");
    return { server, other: new EmulatorControl(other), recorder };
  }

  it("a server's operation after another process's advance, in the same turn, carries the advanced time", () => {
    const { server, other, recorder } = twoProcesses();
    server.settings.pinned(() => server.get("local", "default", "k"));
    other.advance(5_000);
    // Still the same turn of the event loop: the server has looked at the settings already.
    server.settings.pinned(() => server.put("local", "default", "k", { value: Buffer.from("v1") }));
    server.settings.pinned(() => server.get("local", "default", "k"));
    const ops = recorder.ops.filter((o) => o.fault?.kind !== "clock");
    expect(ops.map((o) => o.f)).toEqual(["get", "fault", "put", "get"]);
    for (let i = 1; i < ops.length; i++) expect(ops[i]!.t, JSON.stringify(ops[i])).toBeGreaterThanOrEqual(ops[i - 1]!.t);
  });

  it("the checker flags an operation recorded with a time older than one before it", () => {
    const ops: HistoryOp[] = [
      { seq: 1, t: T0 + 5_000, client: "cli", region: "iad", f: "fault", type: "info", fault: { kind: "advance", ms: 5_000 } },
      {
        seq: 2,
        t: T0,
        client: "server",
        region: "iad",
        f: "get",
        key: "k",
        consistency: "strong",
        type: "ok",
        value: null,
        version: null,
        expiresAt: null,
        servedFrom: "home",
      },
    ];
    const violations = check(ops, new EmulatorControl(twoProcesses().server).status().model);
    expect(violations.map((v) => v.rule)).toEqual(["time-went-back"]);
    expect(violations[0]!.message).toContain("#1");
  });

  it("a server in process with recording on, and CLI advances between its requests: t never decreases in seq order", async () => {
    const cwd = tempDir();
    const dataDir = join(cwd, "data");
    const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(cwd, "config") };
    const clock = new ManualClock(T0);
    const kv = (...argv: string[]) => runCli(["kv", ...argv], { cwd, env, clock });
    expect((await kv("emulator", "clock", "manual")).code).toBe(0);
    expect((await kv("emulator", "record", "h.jsonl")).code).toBe(0);
    const server = await ApiServer.start({ dataDir, port: 0, clock });
    onTestFinished(() => server.stop());
    const { token } = server.tokens.create({ site: "local" });
    const call = (method: "GET" | "PUT", key: string, body?: string) =>
      request(`${server.url}/v1/sites/local/namespaces/default/values/${key}`, { method, body, headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.body.dump(),
      );
    // Requests and advances interleave on one event loop: many requests share a turn with an advance.
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      work.push(call("PUT", `k${i % 3}`, `v${i}`), call("GET", `k${(i + 1) % 3}`), call("GET", `k${i % 3}`));
      work.push(kv("emulator", "advance", "7ms"));
    }
    await Promise.all(work);
    const { readFileSync } = await import("node:fs");
    const ops = readFileSync(join(cwd, "h.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as HistoryOp);
    expect(ops.length).toBeGreaterThan(150);
    const back = ops.filter((op, i) => i > 0 && op.t < ops[i - 1]!.t);
    expect(back, JSON.stringify(back.slice(0, 3))).toEqual([]);
  });
});

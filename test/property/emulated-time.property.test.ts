/**
 * Emulated time never runs backwards, whatever the sequence of clock switches, advances, changes of
 * settings, process restarts and system clock steps (an NTP step back included), and in a recorded
 * history `seq` order is time order (the checker's time-went-back rule, with every other rule).
 *
 * Real parts: one SQLite store in a temporary directory, shared by a server-like process (settings
 * looked at once per turn of the event loop, operations run pinned, as ApiServer does) and two
 * CLI-like processes, each an EmulatorCore with its ledger. The system clock is one ManualClock for
 * the machine, which the commands step either way. Reproducible: fixed seed, printed on failure.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { KvError } from "../../src/core/errors.js";
import { check } from "../../src/emulator/history/checker.js";
import { EmulatorControl } from "../../src/emulator/control.js";
import { Engine } from "../../src/emulator/kv/engine.js";
import { MemoryRecorder } from "../../src/emulator/history/recorder.js";
import { DEFAULT_PARAMS } from "../../src/emulator/regions/model.js";
import type { Bug } from "../../src/emulator/history/bugs.js";
import type { Database } from "../../src/emulator/store/sqlite.js";
import { openStore } from "../../src/emulator/store/store.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { ConsistencyViolation } from "./harness.js";

const SEED = Number(process.env.CONSISTENCY_SEED ?? 42);
const NUM_RUNS = Number(process.env.CONSISTENCY_RUNS ?? 60);

const PROCESSES = ["server", "cli-a", "cli-b"] as const;
type ProcessName = (typeof PROCESSES)[number];

interface Process {
  db: Database;
  engine: Engine;
  control: EmulatorControl;
}

interface World {
  dataDir: string;
  system: ManualClock;
  recorder: MemoryRecorder;
  bugs: readonly Bug[];
  processes: Map<ProcessName, Process>;
  /** The latest emulated time anything has been observed at (an operation, status). */
  latest: number;
  /** Per process, the latest time its status showed. */
  seen: Map<ProcessName, number>;
  nextValue: number;
}

function open(world: World, name: ProcessName): Process {
  const db = openStore({ dataDir: world.dataDir, now: world.system.now() });
  const engine = new Engine({ db, dataDir: world.dataDir, clock: world.system, recorder: world.recorder, client: name, bugs: world.bugs });
  if (name === "server") engine.settings.oncePerTurn = true;
  const p = { db, engine, control: new EmulatorControl(engine) };
  world.processes.set(name, p);
  return p;
}

/** Runs an operation in a process, as it would: a server pinned to its turn's look, a CLI fresh. */
function inProcess<T>(world: World, name: ProcessName, fn: (p: Process) => T): T {
  const p = world.processes.get(name)!;
  return name === "server" ? p.engine.settings.pinned(() => fn(p)) : fn(p);
}

/**
 * Emulated time as a process's status shows it. A CLI process looks at the store as it starts an
 * operation, so it never shows a time earlier than anything observed before; the server answers the
 * requests of one turn as of that turn's look (they arrived before it), so its own times never
 * decrease, and its recorded operations are checked against everyone's by the checker.
 */
function observe(world: World, name: ProcessName): void {
  const now = inProcess(world, name, (p) => p.control.status().clock.now);
  const before = name === "server" ? (world.seen.get(name) ?? Number.NEGATIVE_INFINITY) : world.latest;
  expect(now, `${name}'s status went back in time`).toBeGreaterThanOrEqual(before);
  world.seen.set(name, now);
  world.latest = Math.max(world.latest, now);
}

type Cmd = fc.AsyncCommand<object, World>;

const command = (label: string, run: (w: World) => void | Promise<void>): Cmd => ({
  check: () => true,
  run: async (_m, w) => {
    try {
      await run(w);
    } catch (e) {
      // Advancing a real clock is refused, as the CLI refuses it; nothing else may fail.
      if (!(e instanceof KvError && e.code === "USAGE" && /cannot be advanced/.test(e.message))) throw e;
    }
  },
  toString: () => label,
});

const proc = fc.constantFrom(...PROCESSES);
const arbitraries: fc.Arbitrary<Cmd>[] = [
  fc
    .tuple(proc, fc.constantFrom("manual", "real" as const))
    .map(([p, mode]) => command(`Clock(${p}, ${mode})`, (w) => void inProcess(w, p, (x) => x.control.setClock(mode)))),
  fc
    .tuple(proc, fc.constantFrom(0, 1, 300, 60_000, 7_200_000))
    .map(([p, ms]) => command(`Advance(${p}, ${ms})`, (w) => void inProcess(w, p, (x) => x.control.advance(ms)))),
  fc
    .tuple(proc, fc.constantFrom({ delayMs: 1_000 }, { jitterMs: 0 }, { seed: 7 }, { profile: "strong" }, { profile: "yourspace" }))
    .map(([p, change]) => command(`Config(${p}, ${JSON.stringify(change)})`, (w) => void inProcess(w, p, (x) => x.control.configure(change)))),
  fc.constantFrom(-3_600_000, -60_000, -1, 1, 1_000, 60_000).map((ms) => command(`SystemClock(${ms > 0 ? "+" : ""}${ms})`, (w) => w.system.advance(ms))),
  fc
    .tuple(proc, fc.constantFrom("a", "b"), fc.option(fc.constant(60), { nil: undefined }))
    .map(([p, key, ttl]) =>
      command(
        `Put(${p}, ${key}${ttl ? `, ttl ${ttl}s` : ""})`,
        (w) => void inProcess(w, p, (x) => x.engine.put("local", "default", key, { value: Buffer.from(`v${++w.nextValue}`), ttlSeconds: ttl })),
      ),
    ),
  fc
    .tuple(proc, fc.constantFrom("a", "b"), fc.constantFrom("iad", "fra", "sin"), fc.constantFrom("strong", "eventual" as const))
    .map(([p, key, region, consistency]) =>
      command(
        `Get(${p}, ${key}, ${region}, ${consistency})`,
        (w) => void inProcess(w, p, (x) => x.engine.get("local", "default", key, { region, consistency })),
      ),
    ),
  proc.map((p) => command(`Status(${p})`, (w) => observe(w, p))),
  // A CLI process ends and another starts: nothing of the old one's memory survives.
  fc.constantFrom("cli-a", "cli-b" as const).map((p) =>
    command(`Restart(${p})`, (w) => {
      w.processes.get(p)!.db.close();
      open(w, p);
    }),
  ),
  // The server's turn of the event loop ends: its next request looks at the settings again.
  fc.constant(command("NextTurn", async () => void (await nextTurn()))),
];

function timeProperty(bugs: readonly Bug[] = []) {
  return fc.asyncProperty(fc.commands(arbitraries, { maxCommands: 30, size: "max" }), async (cmds) => {
    const world: World = {
      dataDir: tempDir(),
      system: new ManualClock(T0),
      recorder: new MemoryRecorder(),
      bugs,
      processes: new Map(),
      latest: Number.NEGATIVE_INFINITY,
      seen: new Map(),
      nextValue: 0,
    };
    for (const p of PROCESSES) open(world, p);
    try {
      await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
      for (const p of PROCESSES) observe(world, p);
      const violations = check(world.recorder.ops, DEFAULT_PARAMS);
      if (violations.length > 0) throw new ConsistencyViolation(violations);
    } finally {
      for (const p of world.processes.values()) p.db.close();
    }
  });
}

describe("emulated time never runs backwards (property)", () => {
  it("across clock switches, advances, config changes, processes and system clock steps", async () => {
    await fc.assert(timeProperty(), { seed: SEED, numRuns: NUM_RUNS, verbose: 1 });
  });

  it("the property catches a server that reads the time from its turn's look, not inside the transaction (stale-time)", async () => {
    const details = await fc.check(timeProperty(["stale-time"]), { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true });
    expect(details.failed, "stale-time survived").toBe(true);
    expect(details.errorInstance).toBeInstanceOf(ConsistencyViolation);
    expect((details.errorInstance as ConsistencyViolation).violations[0]!.rule).toBe("time-went-back");
  });
});

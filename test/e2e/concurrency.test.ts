import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { runBin, tempDir, type RunResult } from "../support/cli.js";
import { inProcess, pool, spawned, type ListJson } from "../support/kv.js";

const { kv } = spawned;
/** What the writers left is read back by the CLI in this process: the processes under test are the writers. */
const { kvJson } = inProcess;

/**
 * Several processes writing to one fresh data directory at once, and others listing and reading it:
 * the first ones race to create and migrate the store, and every write races for SQLite's write lock.
 * None may fail, lose a write or share a version, and no reader may meet a lock.
 */
const WORKERS = 4;
/** Processes that list and read while the writers write: they must never meet a lock error. */
const READERS = 2;
const WRITES_PER_WORKER = 6;

interface SetJson {
  key: string;
  namespace: string;
  version: string;
  size: number;
}

/**
 * Starts `workers` workers at once; each runs its `WRITES_PER_WORKER` commands one after another, as
 * separate processes.
 */
function startWorkers(workers: number, commands: (worker: number, i: number) => { args: string[]; input?: string }, dir: string): Promise<RunResult[][]> {
  return Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const results: RunResult[] = [];
      for (let i = 0; i < WRITES_PER_WORKER; i++) {
        const { args, input } = commands(w, i);
        results.push(await kv(dir, args, { input }));
      }
      return results;
    }),
  );
}

function expectAllClean(results: RunResult[]): void {
  for (const r of results) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/locked/i);
    expect(r.stderr).not.toMatch(/SQLITE/);
  }
}

describe("concurrent writers on one data directory", () => {
  it("keeps every write of 4 parallel processes, each with its own version, and the last version of a shared key wins, while 2 more read without lock errors", async () => {
    const dir = tempDir();
    // Each writer alternates between a key of its own (from its arguments) and one key every writer writes (from stdin).
    const own = (w: number, i: number) => `w${w}/k${String(i).padStart(2, "0")}`;
    const value = (w: number, i: number) => `worker ${w} write ${i}`;
    const isShared = (i: number) => i % 2 === 1;
    // The readers race these writers rather than a race of their own: the same contention, with fewer processes spawned.
    const [byWorker, byReader] = await Promise.all([
      startWorkers(
        WORKERS,
        (w, i) => (isShared(i) ? { args: ["set", "shared", "-", "--json"], input: value(w, i) } : { args: ["set", own(w, i), value(w, i), "--json"] }),
        dir,
      ),
      startWorkers(READERS, (_r, i) => ({ args: i % 2 === 0 ? ["ls", "--json"] : ["get", "shared"] }), dir),
    ]);
    const results = byWorker.flat();
    expect(results.length).toBe(WORKERS * WRITES_PER_WORKER);
    expectAllClean(results);
    // A read that comes before the first write of the shared key misses it (exit 3); any other answers a write.
    const reads = byReader.flat();
    expect(reads.length).toBe(READERS * WRITES_PER_WORKER);
    for (const [n, r] of reads.entries()) {
      expect(r.stderr).not.toMatch(/locked/i);
      expect(r.stderr).not.toMatch(/SQLITE/);
      const isGet = n % 2 === 1;
      if (isGet && r.code === 3) continue;
      expect(r.code, r.stderr).toBe(0);
      if (isGet) expect(r.out).toMatch(/^worker \d write \d$/);
      else expect(JSON.parse(r.out)).toMatchObject({ keys: expect.any(Array) });
    }

    const printed = byWorker.flatMap((worker, w) => worker.map((r, i) => ({ ...(JSON.parse(r.out) as SetJson), value: value(w, i), shared: isShared(i) })));
    expect(new Set(printed.map((p) => p.version)).size).toBe(results.length);
    // Within one worker, later writes committed later, so their versions sort higher.
    for (const worker of byWorker) {
      const versions = worker.map((r) => (JSON.parse(r.out) as SetJson).version);
      expect(versions).toEqual([...versions].sort());
    }

    const ownWrites = printed.filter((p) => !p.shared);
    const all = await kvJson<ListJson>(dir, ["ls", "--all"]);
    expect(all.complete).toBe(true);
    expect(all.keys.map((k) => k.key)).toEqual([...ownWrites.map((p) => p.key), "shared"].sort());

    // Read every key of its own back: right value, and the version `set` printed for it.
    const got = await pool(ownWrites, WORKERS, (p) => kvJson<{ key: string; value: string; version: string }>(dir, ["get", p.key]));
    for (const [n, g] of got.entries()) expect(g).toMatchObject({ key: ownWrites[n]!.key, value: ownWrites[n]!.value, version: ownWrites[n]!.version });

    // The shared key holds the write with the highest version, whichever process made it.
    const sharedWrites = printed.filter((p) => p.shared);
    expect(sharedWrites.every((p) => p.key === "shared" && p.namespace === "default")).toBe(true);
    const newest = [...sharedWrites].sort((a, b) => (a.version < b.version ? -1 : 1)).at(-1)!;
    const final = await kvJson<{ value: string; version: string }>(dir, ["get", "shared"]);
    expect(final).toMatchObject({ value: newest.value, version: newest.version });
  });

  /**
   * Opt-in stress test (YOURSPACE_STRESS=1), kept out of the default run because it is probabilistic:
   * processes that open a new store at once race to switch it to WAL, and SQLite answers the loser
   * BUSY at once, without its busy handler; openStore() (src/emulator/store/store.ts) retries the
   * switch, and this checks that no process fails for it.
   */
  it.runIf(process.env.YOURSPACE_STRESS === "1")(
    "stress: 16 processes using a new data directory at once all succeed",
    async () => {
      for (let round = 0; round < 100; round++) {
        const parent = tempDir();
        const dir = join(parent, "new-store");
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, w) => runBin(["--data-dir", dir, "kv", ...(w % 2 === 0 ? ["set", `k${w}`, "v"] : ["ls", "--json"])], { cwd: parent })),
        );
        expectAllClean(results);
      }
    },
    300_000,
  );
});

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runCli, type RunResult } from "../support/cli.js";
import { benchEntry as expectedEntry, writeBenchImportFile } from "../support/import-file.js";
import { whenStoreShows } from "../support/store-watch.js";

/**
 * A `kv import` killed with SIGKILL, several times over, then run to the end: after every kill the
 * store holds whole batches only, in file order, and opens cleanly (integrity_check); the run that
 * finishes ends in exactly the state of an import that was never interrupted (the same export bytes).
 *
 * Why 6,000 entries in batches of 20 suffice: the property is about batches, not about volume. What
 * could break it is a batch written as more than one transaction, versions drawn outside the batch's
 * transaction, or a re-run that rewrites or skips what a killed run committed; each shows at the
 * first kill that lands inside a batch, whatever the file's size. 300 batches give every kill a
 * batch to land in and leave most of the file for the re-runs; the file's entries cycle through
 * every shape it has (binary one in 16, metadata one in 5, values of 7 to 120 bytes) every 80
 * entries. Nothing in the write path depends on the total (no ceiling applies under the free
 * tier's 100,000 keys), so a million entries only made each kill slower to reach; the import of a
 * million entries is measured by bench/ instead.
 *
 * The kills are placed by what the store shows, never by time: the test reads the store's version
 * counter (a committed transaction's, as any reader sees it) after each write to the store's files
 * and kills the import as soon as it reaches the point chosen for that run. (The import's --report is no
 * signal here: the import reads its file a mebibyte at a time and does not yield in between, so the
 * report reaches a reader in one piece at the end.) The points are drawn from a fixed seed, printed
 * in every failure message, over the first 60% of the file, so every run is caught with batches
 * left to write.
 */

const SEED = 17;
const TOTAL = 6_000;
const BATCH = 20;
const KILLS = 3;

/** mulberry32: a small generator whose numbers depend only on the seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Summary {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failed: number;
}

interface Store {
  dir: string;
  dataDir: string;
  /** The CLI in this process against the store (reads only: the store opens as any command opens it). */
  kv(args: readonly string[]): Promise<RunResult>;
}

function store(root: string, name: string): Store {
  const dir = join(root, name);
  mkdirSync(dir);
  const dataDir = join(dir, "data");
  const env = { YOURSPACE_CONFIG_DIR: join(dir, "config") };
  return { dir, dataDir, kv: (args) => runCli(["--data-dir", dataDir, "kv", ...args], { cwd: dir, env }) };
}

function ok(r: RunResult, what: string): RunResult {
  expect(r.code, `${what} exited ${r.code} (seed ${SEED}); stderr: ${r.stderr}`).toBe(0);
  return r;
}

/** Keys stored in the default namespace, as `kv namespace ls --json` counts them. */
async function keyCount(s: Store): Promise<number> {
  const r = ok(await s.kv(["namespace", "ls", "--json"]), "namespace ls");
  return (JSON.parse(r.out) as { namespaces: { name: string; keys: number }[] }).namespaces.find((n) => n.name === "default")!.keys;
}

/** The built binary importing `file` into `s`; `exit` resolves with how the process ended and what it printed. */
function importRun(s: Store, file: string) {
  const child = spawn(process.execPath, [BIN, "--data-dir", s.dataDir, "kv", "import", file, "--batch-size", String(BATCH), "--json"], {
    cwd: s.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, YOURSPACE_CONFIG_DIR: join(s.dir, "config") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((done) =>
    child.once("close", (code, signal) => done({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

/**
 * Resolves once the store has committed at least `entries` entries, as its version counter shows (one
 * row read after each write to the store's files, so the import is caught within a batch or two of the
 * point); rejects if the import ends first.
 */
async function committedAtLeast(s: Store, entries: number, run: ReturnType<typeof importRun>): Promise<void> {
  const db = new Database(join(s.dataDir, "kv.sqlite"), { fileMustExist: true });
  try {
    const seq = db.prepare("SELECT value FROM counters WHERE name = 'home_seq'").pluck();
    if (!(await whenStoreShows(s.dataDir, run.child, () => (seq.get() as number) >= entries))) {
      const e = await run.exit;
      throw new Error(`the import ended (${e.code ?? e.signal}) before ${entries} entries were committed (seed ${SEED}); stderr: ${e.stderr}`);
    }
  } finally {
    db.close();
  }
}

/** Checks the store a kill left: clean, whole batches in file order; answers how many entries it holds. */
async function checkAfterKill(s: Store, atLeast: number, kill: number): Promise<number> {
  const what = `after kill ${kill} (seed ${SEED})`;
  const page = JSON.parse(ok(await s.kv(["ls", "--limit", "3", "--json"]), `ls ${what}`).out) as { keys: { key: string }[] };
  expect(page.keys.map((k) => k.key)).toEqual(["flags/00000000", "flags/00000001", "flags/00000002"]);
  const db = new Database(join(s.dataDir, "kv.sqlite"));
  let committed: number;
  try {
    expect(db.pragma("integrity_check", { simple: true }), what).toBe("ok");
    committed = (db.prepare("SELECT count(*) AS n FROM entries WHERE tombstone = 0").get() as { n: number }).n;
    // Each batch draws its versions in its own transaction, and an unchanged entry draws none: a torn
    // batch would leave a gap here.
    const seq = (db.prepare("SELECT value FROM counters WHERE name = 'home_seq'").get() as { value: number }).value;
    expect(seq, what).toBe(committed);
    // Whole batches only, in file order: the last committed key is the end of a batch.
    const last = (db.prepare("SELECT CAST(max(key) AS TEXT) AS k FROM entries").get() as { k: string }).k;
    expect(last, what).toBe(expectedEntry(committed - 1).key);
  } finally {
    db.close();
  }
  expect(committed, `${what}: the store had shown ${atLeast} entries`).toBeGreaterThanOrEqual(atLeast);
  expect(committed, what).toBeLessThan(TOTAL);
  expect(committed % BATCH, `${what}: ${committed} keys is not a whole number of ${BATCH}-entry batches`).toBe(0);
  expect(await keyCount(s), what).toBe(committed);
  return committed;
}

/** `kv export` of a store: its digest, and its lines parsed. */
async function exported(s: Store): Promise<{ sha256: string; lines: { key: string; value: string; base64?: boolean; metadata?: unknown }[] }> {
  const r = ok(await s.kv(["export"]), "export");
  const lines = r.out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { key: string; value: string; base64?: boolean; metadata?: unknown });
  return { sha256: createHash("sha256").update(r.stdout).digest("hex"), lines };
}

describe(`an import killed with SIGKILL ${KILLS} times (seed ${SEED})`, () => {
  let root: string;
  let file: string;
  let crashed: Store;
  let clean: Store;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "yourspace-import-crash-"));
    file = join(root, "import.ndjson");
    // bench/make-import-file.mjs's file, written in this process.
    writeBenchImportFile(file, TOTAL);
    crashed = store(root, "crashed");
    clean = store(root, "clean");
    // The store exists before the first run, for the test to watch it from the start.
    ok(await crashed.kv(["namespace", "ls"]), "namespace ls");
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("leaves whole batches each time, opens cleanly, and the run that finishes ends where an uninterrupted import does", async () => {
    // The kill points: committed entries, increasing, within the first 60% of the file.
    const random = seededRandom(SEED);
    const points = Array.from({ length: KILLS }, () => Math.floor(random() * 0.6 * TOTAL)).sort((a, b) => a - b);

    let committed = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      // A re-run first finds what is there unchanged: its point is past that.
      const target = Math.max(points[kill - 1]!, committed + BATCH);
      const run = importRun(crashed, file);
      await committedAtLeast(crashed, target, run);
      run.child.kill("SIGKILL");
      expect(await run.exit, `kill ${kill} at ${target} entries (seed ${SEED})`).toMatchObject({ code: null, signal: "SIGKILL" });
      const before = committed;
      committed = await checkAfterKill(crashed, target, kill);
      expect(committed, `kill ${kill} (seed ${SEED})`).toBeGreaterThan(before);
    }

    // Run the same import again, to the end (the CLI in this process: the processes under test are the
    // ones killed): what was committed is unchanged, the rest created.
    const finished = ok(await crashed.kv(["import", file, "--batch-size", String(BATCH), "--json"]), "the last run");
    expect(JSON.parse(finished.out) as Summary).toMatchObject({
      total: TOTAL,
      created: TOTAL - committed,
      updated: 0,
      unchanged: committed,
      deleted: 0,
      failed: 0,
    });

    // The reference: the same file imported in one go, by the same main() in this process.
    const reference = JSON.parse(ok(await clean.kv(["import", file, "--batch-size", String(BATCH), "--json"]), "the uninterrupted import").out) as Summary;
    expect(reference).toMatchObject({ total: TOTAL, created: TOTAL, failed: 0 });
    expect(await keyCount(crashed)).toBe(TOTAL);
    expect(await keyCount(clean)).toBe(TOTAL);

    // Reads around the last crash point, then every entry through the export, which is the same bytes.
    for (const i of [0, 1, 5, 16, committed - 1, committed, committed + 1, TOTAL - 1]) {
      const e = expectedEntry(i);
      const got = JSON.parse(ok(await crashed.kv(["get", e.key, "--json"]), `get ${e.key}`).out) as {
        value: string;
        encoding: "utf8" | "base64";
        metadata: unknown;
      };
      expect(Buffer.from(got.value, got.encoding).equals(e.value), `value of ${e.key}`).toBe(true);
      expect(got.metadata, `metadata of ${e.key}`).toEqual(e.metadata);
    }
    const [a, b] = [await exported(crashed), await exported(clean)];
    expect(a.lines.length).toBe(TOTAL);
    expect(a.sha256, `the exports differ (seed ${SEED})`).toBe(b.sha256);
    a.lines.forEach((line, i) => {
      const e = expectedEntry(i);
      expect(line.key).toBe(e.key);
      expect(Buffer.from(line.value, line.base64 ? "base64" : "utf8").equals(e.value), `value of ${e.key}`).toBe(true);
      expect(line.metadata ?? null, `metadata of ${e.key}`).toEqual(e.metadata);
    });
  });
});

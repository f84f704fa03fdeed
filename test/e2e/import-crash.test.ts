import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, type RunResult } from "../support/cli.js";

/**
 * A `kv import` of 1,000,000 entries killed with SIGKILL part-way: the store must hold whole batches
 * only, open cleanly, and a second run of the same import must end in exactly the state of an import
 * that was never interrupted. Slow by nature (two 1M imports); in a file of its own so it runs in
 * parallel with the other tests. Requires a fresh build (node scripts/build.mjs).
 */

const TOTAL = 1_000_000;
const BATCH = 1_000;
const MAKE_FILE = resolve(import.meta.dirname, "../../bench/make-import-file.mjs");

type Env = Record<string, string>;

interface Store {
  dir: string;
  dataDir: string;
  env: Env;
  kv(args: readonly string[]): Promise<RunResult>;
}

function store(root: string, name: string): Store {
  const dir = join(root, name);
  mkdirSync(dir);
  const dataDir = join(dir, "data");
  const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(dir, "config") };
  return { dir, dataDir, env, kv: (args) => runBin(["kv", ...args], { cwd: dir, env }) };
}

function spawnBin(args: readonly string[], s: Store): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: s.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...s.env }, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end();
  return child;
}

function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

function ok(r: RunResult, what: string): RunResult {
  expect(r.code, `${what} exited ${r.code}; stderr: ${r.stderr}`).toBe(0);
  return r;
}

/** Live keys in the default namespace, as `kv namespace ls --json` counts them (a read-only command). */
async function keyCount(s: Store): Promise<number> {
  const r = ok(await s.kv(["namespace", "ls", "--json"]), "namespace ls");
  return (JSON.parse(r.out) as { namespaces: { name: string; keys: number }[] }).namespaces.find((n) => n.name === "default")!.keys;
}

/** What bench/make-import-file.mjs writes for entry i (kept in step with it). */
function expectedEntry(i: number): { key: string; value: Buffer; metadata: Record<string, unknown> | null } {
  const key = `flags/${String(i).padStart(8, "0")}`;
  if (i % 16 === 0) return { key, value: Buffer.from(Array.from({ length: 48 }, (_, j) => (i + j * 7) % 256)), metadata: null };
  return { key, value: Buffer.from(`value-${i}-${"x".repeat(i % 100)}`), metadata: i % 5 === 0 ? { owner: "web", n: i } : null };
}

interface ExportDigest {
  sha256: string;
  lines: number;
  bytes: number;
}

/** `kv export` of a store, hashed as it streams (never held in memory). */
async function exportDigest(s: Store): Promise<ExportDigest> {
  const hash = createHash("sha256");
  let lines = 0;
  let bytes = 0;
  const child = spawnBin(["kv", "export"], s);
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdout.on("data", (c: Buffer) => {
    hash.update(c);
    bytes += c.length;
    for (const byte of c) if (byte === 0x0a) lines++;
  });
  expect(await exited(child), `kv export: ${stderr}`).toEqual({ code: 0, signal: null });
  return { sha256: hash.digest("hex"), lines, bytes };
}

describe("an import killed with SIGKILL", () => {
  let root: string;
  let file: string;
  let crashed: Store;
  let clean: Store;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "yourspace-import-crash-"));
    file = join(root, "import.ndjson");
    const maker = spawn(process.execPath, [MAKE_FILE, String(TOTAL), file], { stdio: ["ignore", "ignore", "inherit"] });
    const done = await new Promise<number | null>((resolve) => maker.once("exit", resolve));
    expect(done).toBe(0);
    crashed = store(root, "crashed");
    clean = store(root, "clean");
    // A million keys is over the free tier's ceilings (100,000 keys, 50 MB); enterprise has none, so the
    // import goes straight to writing (no ceiling pass).
    for (const s of [crashed, clean]) ok(await s.kv(["site", "--tier", "enterprise"]), "site --tier enterprise");
  }, 120_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("leaves whole batches, opens cleanly, and a second run ends where an uninterrupted import does", { timeout: 600_000 }, async () => {
    const importArgs = ["kv", "import", file, "--batch-size", String(BATCH), "--json"];
    // The reference: the same file imported in one go into another store, meanwhile.
    const cleanRun = new Promise<RunResult>((resolve, reject) => {
      const child = spawnBin(importArgs, clean);
      const out: Buffer[] = [];
      let err = "";
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.once("error", reject);
      child.once("close", (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), out: Buffer.concat(out).toString("utf8"), stderr: err }));
    });

    // Start the import, and poll the store (each poll a separate read-only process, awaited) until a few
    // batches have committed; then kill it at once.
    const child = spawnBin(importArgs, crashed);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    let seen = 0;
    while (seen < 3 * BATCH) {
      expect(child.exitCode, `the import ended before it could be killed (${seen} keys seen); stderr: ${stderr}`).toBeNull();
      seen = await keyCount(crashed);
    }
    child.kill("SIGKILL");
    expect(await exited(child)).toEqual({ code: null, signal: "SIGKILL" });

    // The store opens cleanly, through the CLI and directly.
    const page = JSON.parse(ok(await crashed.kv(["ls", "--limit", "3", "--json"]), "ls after the crash").out) as { keys: { key: string }[] };
    expect(page.keys.map((k) => k.key)).toEqual(["flags/00000000", "flags/00000001", "flags/00000002"]);
    const db = new Database(join(crashed.dataDir, "kv.sqlite"));
    let committed: number;
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      committed = (db.prepare("SELECT count(*) AS n FROM entries WHERE tombstone = 0").get() as { n: number }).n;
      // Each batch draws its versions in its own transaction: a torn batch would leave a gap here.
      const seq = (db.prepare("SELECT value FROM counters WHERE name = 'home_seq'").get() as { value: number }).value;
      expect(seq).toBe(committed);
      // Whole batches only, in file order: the last committed key is the end of a batch.
      const last = (db.prepare("SELECT CAST(max(key) AS TEXT) AS k FROM entries").get() as { k: string }).k;
      expect(last).toBe(expectedEntry(committed - 1).key);
    } finally {
      db.close();
    }
    expect(committed).toBeGreaterThanOrEqual(3 * BATCH);
    expect(committed).toBeLessThan(TOTAL);
    expect(committed % BATCH, `${committed} keys is not a whole number of ${BATCH}-entry batches`).toBe(0);
    expect(await keyCount(crashed)).toBe(committed);

    // Run the same import again, to the end: what was committed is unchanged, the rest created.
    const resumed = JSON.parse(ok(await runBin(importArgs, { cwd: crashed.dir, env: crashed.env }), "the second import").out) as Record<string, number>;
    expect(resumed).toMatchObject({ total: TOTAL, created: TOTAL - committed, updated: 0, unchanged: committed, deleted: 0, failed: 0 });
    const reference = JSON.parse(ok(await cleanRun, "the uninterrupted import").out) as Record<string, number>;
    expect(reference).toMatchObject({ total: TOTAL, created: TOTAL, failed: 0 });
    expect(await keyCount(crashed)).toBe(TOTAL);
    expect(await keyCount(clean)).toBe(TOTAL);

    // Spot checks, around the crash point too.
    for (const i of [0, 1, 5, 16, committed - 1, committed, committed + 1, 500_000, TOTAL - 1]) {
      const e = expectedEntry(i);
      const got = JSON.parse(ok(await crashed.kv(["get", e.key, "--json"]), `get ${e.key}`).out) as { value: string; encoding: "utf8" | "base64"; metadata: unknown };
      expect(Buffer.from(got.value, got.encoding).equals(e.value), `value of ${e.key}`).toBe(true);
      expect(got.metadata, `metadata of ${e.key}`).toEqual(e.metadata);
    }

    // The exports are the same bytes.
    const [a, b] = await Promise.all([exportDigest(crashed), exportDigest(clean)]);
    expect(a.lines).toBe(TOTAL);
    expect(a).toEqual(b);
  });
});

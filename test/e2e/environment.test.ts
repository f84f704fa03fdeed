import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, onTestFinished } from "vitest";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import { BIN, runCli, tempDir, type RunResult } from "../support/cli.js";
import { commandsOver, expectEnvironmentFailure } from "../support/environment.js";

/**
 * Broken environments that need a real process: another user (permission bits do not stop root, and
 * CI runs as root), a resource limit, a standard output that fails, a kernel file system, and, where
 * the system lets a test mount one, a tiny or read-only file system.
 */

const AS_ROOT = process.getuid?.() === 0;
/** Root runs the CLI as nobody, for whom the store is read-only; anyone else is read-only by mode. */
const OTHER = AS_ROOT ? { uid: 65534, gid: 65534 } : {};

interface Spawned {
  cwd: string;
  env?: Record<string, string>;
  input?: string | Buffer;
  uid?: number;
  gid?: number;
  /** A file descriptor to give the process as its standard output. */
  stdout?: number;
  /** Safety net only: a process still running after this is killed and the test fails. */
  timeoutMs?: number;
}

function run(command: string, args: string[], options: Spawned): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: options.cwd, ...options.env },
      stdio: ["pipe", options.stdout ?? "pipe", "pipe"],
      uid: options.uid,
      gid: options.gid,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`${command} ${args.join(" ")} was still running after ${options.timeoutMs} ms: it hangs`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      done({ code: code ?? -1, stdout, out: stdout.toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(options.input ?? "");
  });
}

const cli = (argv: string[], options: Spawned) => run(process.execPath, [BIN, ...argv], options);

/** A directory that another user may enter (tempDir() makes 0700 ones). */
function sharedDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  return dir;
}

/** A store with two keys, made by the test's own user. */
async function storeWithKeys(dataDir: string, cwd: string): Promise<void> {
  for (const [key, value] of [
    ["a", "alpha"],
    ["b", "beta"],
  ]) {
    const r = await runCli(["--data-dir", dataDir, "kv", "set", key!, value!], { cwd });
    expect(r.code, r.stderr).toBe(0);
  }
}

/** Takes write access away from the CLI's user: as root the files stay root's; otherwise modes do it. */
function makeReadOnly(dataDir: string): void {
  for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), AS_ROOT ? 0o644 : 0o444);
  chmodSync(dataDir, AS_ROOT ? 0o755 : 0o555);
  // Its owner (not root) needs write access back to remove it.
  if (!AS_ROOT) onTestFinished(() => chmodSync(dataDir, 0o755));
}

function fingerprint(dataDir: string): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(dataDir).sort()) hash.update(name).update(readFileSync(join(dataDir, name)));
  return hash.digest("hex");
}

describe("a read-only data directory", () => {
  const READS: [string[], (r: RunResult) => void][] = [
    [["kv", "get", "a"], (r) => expect(r.out).toBe("alpha")],
    [["kv", "ls", "--json"], (r) => expect(JSON.parse(r.out).keys.map((k: { key: string }) => k.key)).toEqual(["a", "b"])],
    [["kv", "export"], (r) => expect(r.out).toBe('{"key":"a","value":"alpha"}\n{"key":"b","value":"beta"}\n')],
    [["kv", "usage", "--json"], (r) => expect(JSON.parse(r.out).storage.keys).toBe(2)],
    [["kv", "inspect", "a"], (r) => expect(r.out).toContain("alpha")],
    [["kv", "namespace", "ls"], (r) => expect(r.out).toContain("default")],
    [["kv", "emulator", "status"], (r) => expect(r.out).toContain("home")],
  ];

  async function readOnlyStore(prepare?: (dataDir: string) => void | Promise<void>) {
    const dir = sharedDir();
    const dataDir = join(dir, "store");
    await storeWithKeys(dataDir, dir);
    await prepare?.(dataDir);
    makeReadOnly(dataDir);
    const importFile = join(dir, "entries.ndjson");
    writeFileSync(importFile, '{"key":"c","value":"gamma"}\n');
    chmodSync(importFile, 0o644);
    return { dir, dataDir, importFile, before: fingerprint(dataDir) };
  }

  async function expectServesReadsAndRefusesWrites(store: Awaited<ReturnType<typeof readOnlyStore>>, reason: RegExp) {
    const { dir, dataDir, importFile, before } = store;
    for (const [argv, check] of READS) {
      const r = await cli(["--data-dir", dataDir, ...argv], { cwd: dir, ...OTHER });
      expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toContain("read-only)");
      check(r);
    }
    const writes = [
      ["kv", "set", "c", "x"],
      ["kv", "rm", "a"],
      ["kv", "import", importFile],
      ["kv", "namespace", "create", "other"],
      ["kv", "emulator", "clock", "manual"],
    ];
    for (const argv of writes) {
      for (const json of [false, true]) {
        const r = await cli(["--data-dir", dataDir, ...argv, ...(json ? ["--json"] : [])], { cwd: dir, ...OTHER });
        try {
          expectEnvironmentFailure(
            r,
            json,
            "STORE_READ_ONLY",
            new RegExp(`${dataDir} is read-only \\(${reason.source}\\); this command writes to it, so nothing was changed`),
          );
        } catch (e) {
          (e as Error).message = `${argv.join(" ")}: ${(e as Error).message}`;
          throw e;
        }
      }
    }
    expect(fingerprint(dataDir), "the store's files changed").toBe(before);
  }

  it("serves every read and refuses every write, naming the directory, and changes nothing", async () => {
    await expectServesReadsAndRefusesWrites(await readOnlyStore(), /you may not write to kv\.sqlite/);
  });

  it("serves the writes a process left in the -wal file when it was killed", async () => {
    const store = await readOnlyStore((dataDir) => {
      // A writer that dies before its last connection closes leaves -wal and -shm behind, unmerged.
      const script = `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve("better-sqlite3"))}); const db = new D(${JSON.stringify(join(dataDir, STORE_FILE))}); db.pragma("wal_autocheckpoint = 0"); db.prepare("UPDATE entries SET value = CAST('after the crash' AS BLOB) WHERE key = CAST('a' AS BLOB)").run(); process.kill(process.pid, "SIGKILL");`;
      spawnSync(process.execPath, ["-e", script]);
      expect(existsSync(join(dataDir, `${STORE_FILE}-wal`))).toBe(true);
    });
    const r = await cli(["--data-dir", store.dataDir, "kv", "get", "a"], { cwd: store.dir, ...OTHER });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe("after the crash");
    expect(fingerprint(store.dataDir)).toBe(store.before);
  });

  it("serves a store made by an older version, migrating only its private copy", async () => {
    const store = await readOnlyStore((dataDir) => {
      const db = new BetterSqlite3(join(dataDir, STORE_FILE));
      // As the fourth schema left it: before the idempotency index, cached entries' TTLs and namespaces' stored keys.
      db.exec("DROP INDEX idempotency_by_time; ALTER TABLE cache_entries DROP COLUMN ttl_ms; ALTER TABLE namespaces DROP COLUMN stored_keys");
      db.pragma("user_version = 3");
      db.close();
    });
    const listed = await cli(["--data-dir", store.dataDir, "kv", "ls", "--json"], { cwd: store.dir, ...OTHER });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.out).keys).toHaveLength(2);
    expectEnvironmentFailure(await cli(["--data-dir", store.dataDir, "kv", "set", "c", "x"], { cwd: store.dir, ...OTHER }), false, "STORE_READ_ONLY");
    expect(fingerprint(store.dataDir)).toBe(store.before);
    // The schema version is in the file's header (bytes 60–63), readable without SQLite, which would
    // need to make -wal and -shm files in the read-only directory.
    expect(readFileSync(join(store.dataDir, STORE_FILE)).readUInt32BE(60)).toBe(3);
  });

  it("with a writable directory but a read-only kv.sqlite, still serves reads and refuses writes", async () => {
    const store = await readOnlyStore();
    // Writable by the CLI's user (nobody, when the test runs as root): only the file refuses.
    chmodSync(store.dataDir, AS_ROOT ? 0o777 : 0o755);
    const r = await cli(["--data-dir", store.dataDir, "kv", "get", "b"], { cwd: store.dir, ...OTHER });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe("beta");
    expectEnvironmentFailure(await cli(["--data-dir", store.dataDir, "kv", "set", "b", "x"], { cwd: store.dir, ...OTHER }), false, "STORE_READ_ONLY");
  });

  it("says so when its private copy cannot be made in TMPDIR", async () => {
    const store = await readOnlyStore();
    const r = await cli(["--data-dir", store.dataDir, "kv", "get", "a", "--json"], { cwd: store.dir, env: { TMPDIR: join(store.dir, "missing") }, ...OTHER });
    expectEnvironmentFailure(r, true, "DATA_DIR_UNUSABLE", /needs a private copy in .*missing, which could not be made/);
  });

  it("refuses to start the emulator's server, which writes its token, and says why", async () => {
    const store = await readOnlyStore();
    const r = await cli(["--data-dir", store.dataDir, "kv", "emulator", "start", "--port", "0"], { cwd: store.dir, timeoutMs: 20_000, ...OTHER });
    expectEnvironmentFailure(r, false, "STORE_READ_ONLY");
    expect(fingerprint(store.dataDir)).toBe(store.before);
  });

  it("being recorded refuses reads too, saying that recording is what writes", async () => {
    const store = await readOnlyStore(async (dataDir) => {
      const history = join(dataDir, "..", "history.jsonl");
      // Recording is set up by the owner, who may write (the CLI in this process); the history file is left writable by anyone.
      const recording = await runCli(["--data-dir", dataDir, "kv", "emulator", "record", history], { cwd: join(dataDir, "..") });
      expect(recording.code, recording.stderr).toBe(0);
      writeFileSync(history, "");
      chmodSync(history, 0o666);
    });
    const r = await cli(["--data-dir", store.dataDir, "kv", "get", "a", "--json"], { cwd: store.dir, ...OTHER });
    expectEnvironmentFailure(r, true, "STORE_READ_ONLY", /its operations are being recorded, which writes to it/);
    expect(readFileSync(join(store.dataDir, "..", "history.jsonl"), "utf8")).toBe("");
    expect(fingerprint(store.dataDir)).toBe(store.before);
  });

  it("that holds no store, or cannot be created under its parent, is DATA_DIR_UNUSABLE", async () => {
    const dir = sharedDir();
    const empty = join(dir, "empty");
    mkdirSync(empty);
    makeReadOnly(empty);
    const locked = join(dir, "locked");
    mkdirSync(locked);
    makeReadOnly(locked);
    for (const json of [false, true]) {
      const flag = json ? ["--json"] : [];
      expectEnvironmentFailure(
        await cli(["--data-dir", empty, "kv", "get", "a", ...flag], { cwd: dir, ...OTHER }),
        json,
        "DATA_DIR_UNUSABLE",
        /holds no store yet, and one cannot be created there/,
      );
      expectEnvironmentFailure(
        await cli(["--data-dir", join(locked, "a", "b"), "kv", "ls", ...flag], { cwd: dir, ...OTHER }),
        json,
        "DATA_DIR_UNUSABLE",
        /you may not create a in .*locked/,
      );
    }
  });
});

describe("a data directory under /proc", () => {
  it("is refused at once (Node's recursive mkdir loops forever there), for every command", async () => {
    const dir = tempDir();
    for (const argv of [
      ["kv", "get", "k"],
      ["kv", "set", "k", "v"],
      ["kv", "ls", "--json"],
    ]) {
      const r = await cli(["--data-dir", "/proc/yourspace-e2e/.yourspace", ...argv], { cwd: dir, timeoutMs: 20_000 });
      expectEnvironmentFailure(r, argv.includes("--json"), "DATA_DIR_UNUSABLE", /procfs/);
    }
  });
});

describe("a file size limit (RLIMIT_FSIZE) that a write runs into", () => {
  /** Runs the CLI under `ulimit -f 512` (256 or 512 KiB, by the shell's unit): smaller than any 1 MiB write. */
  const limited = (argv: string[], options: Spawned) => run("/bin/sh", ["-c", 'ulimit -f 512 && exec "$0" "$@"', process.execPath, BIN, ...argv], options);

  it("refuses the write with a catalogued error, keeps the store as it was, and still serves reads", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "store");
    await storeWithKeys(dataDir, dir);
    const big = Buffer.alloc(1_000_000, "x");
    for (const json of [false, true]) {
      const r = await limited(["--data-dir", dataDir, "kv", "set", "big", ...(json ? ["--json"] : [])], { cwd: dir, input: big });
      // SQLite reports a write cut short by the limit as SQLITE_IOERR_WRITE (EFBIG), a full disk as SQLITE_FULL.
      expectEnvironmentFailure(r, json, "IO_ERROR", /SQLITE_IOERR_WRITE/);
      // Standard input is copied to a temporary file first: that copy runs into the limit.
      const entries = ["k1", "k2", "k3"].map((key) => JSON.stringify({ key, value: big.toString() })).join("\n");
      const imported = await limited(["--data-dir", dataDir, "kv", "import", "-", ...(json ? ["--json"] : [])], { cwd: dir, input: entries });
      expectEnvironmentFailure(imported, json, "DISK_FULL", /EFBIG/);
    }
    const read = await limited(["--data-dir", dataDir, "kv", "get", "a"], { cwd: dir });
    expect(read.code, read.stderr).toBe(0);
    expect(read.out).toBe("alpha");
    // Read back by the CLI in this process, without the limit: the limited processes are the ones under test.
    const missing = await runCli(["--data-dir", dataDir, "kv", "get", "big"], { cwd: dir });
    expect(missing.code).toBe(3);
  });

  /** A store holding "big", a value past the limit, written by the CLI in this process, without the limit. */
  async function storeWithBigValue(): Promise<{ dir: string; dataDir: string }> {
    const dir = tempDir();
    const dataDir = join(dir, "store");
    const stored = await runCli(["--data-dir", dataDir, "kv", "set", "big"], { cwd: dir, stdin: Buffer.alloc(1_000_000, "x") });
    expect(stored.code, stored.stderr).toBe(0);
    return { dir, dataDir };
  }

  it("an output file that runs into it is named, as DISK_FULL, in export and get --output; nothing is left and the store is untouched", async () => {
    const { dir, dataDir } = await storeWithBigValue();
    for (const json of [false, true]) {
      for (const argv of [
        ["kv", "export", "out.ndjson", "--force"],
        ["kv", "export", "out.ndjson", "--format", "json"],
        ["kv", "get", "big", "--output", "out.ndjson", "--force"],
      ]) {
        if (json && argv.includes("--output")) continue; // --json and --output do not go together
        const r = await limited(["--data-dir", dataDir, ...argv, ...(json ? ["--json"] : [])], { cwd: dir });
        expectEnvironmentFailure(r, json, "DISK_FULL", /^There is no room to write out\.ndjson \(EFBIG/);
        expect(r.stderr).not.toContain(dataDir);
        expect(readdirSync(dir).sort()).toEqual(["store"]);
      }
    }
    const read = await runCli(["--data-dir", dataDir, "kv", "get", "big"], { cwd: dir });
    expect([read.code, read.out.length]).toEqual([0, 1_000_000]);
  });

  it("standard output redirected to a file that runs into it fails the command with DISK_FULL naming standard output", async () => {
    const { dir, dataDir } = await storeWithBigValue();
    for (const json of [false, true]) {
      const file = openSync(join(dir, "out"), "w");
      try {
        const r = await limited(["--data-dir", dataDir, "kv", "get", "big", ...(json ? ["--json"] : [])], { cwd: dir, stdout: file });
        expectEnvironmentFailure(r, json, "DISK_FULL", /standard output \(EFBIG/);
      } finally {
        closeSync(file);
      }
    }
  });
});

describe.skipIf(!existsSync("/dev/full"))("a standard output that is full (/dev/full)", () => {
  it("fails each command with DISK_FULL naming standard output, not a crash", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "store");
    await storeWithKeys(dataDir, dir);
    for (const argv of [
      ["kv", "get", "a"],
      ["kv", "ls"],
      ["kv", "ls", "--json"],
      ["kv", "export"],
      ["kv", "usage", "--json"],
    ]) {
      const full = openSync("/dev/full", "w");
      try {
        const r = await cli(["--data-dir", dataDir, ...argv], { cwd: dir, stdout: full });
        expectEnvironmentFailure(r, argv.includes("--json"), "DISK_FULL", /standard output \(ENOSPC/);
      } finally {
        closeSync(full);
      }
    }
  });
});

/**
 * A real small or read-only file system, mounted in a mount namespace of the command's own
 * (unshare): where the system allows it (root with CAP_SYS_ADMIN, or unprivileged user namespaces).
 */
const UNSHARE = AS_ROOT ? ["unshare", "--mount"] : ["unshare", "--map-root-user", "--mount"];
const canMount = (() => {
  const probe = spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp && mount -o remount,ro /tmp"], {
    encoding: "utf8",
  });
  return probe.status === 0;
})();
const inNamespace = (script: string, args: string[], options: Spawned) =>
  run(UNSHARE[0]!, [...UNSHARE.slice(1), "sh", "-c", script, "sh", process.execPath, BIN, ...args], options);

describe.skipIf(!canMount)("file systems a test mounts (skipped where mounting is not allowed)", () => {
  it("a full disk (SQLITE_FULL) is DISK_FULL; the store keeps what it had, and reads still work", async () => {
    const dir = tempDir();
    const mountPoint = join(dir, "small");
    mkdirSync(mountPoint);
    const data = join(mountPoint, "store");
    // One shell in one namespace: the tmpfs lives as long as the script.
    const script = `mount -t tmpfs -o size=400k tmpfs "${mountPoint}" || exit 99
      "$1" "$2" --data-dir "${data}" kv set a alpha 2>/dev/null || exit 98
      head -c 600000 /dev/zero | "$1" "$2" --data-dir "${data}" kv set big --json; echo "exit:$?" >&2
      "$1" "$2" --data-dir "${data}" kv get a
      cat /dev/zero > "${mountPoint}/filler" 2>/dev/null
      "$1" "$2" --data-dir "${data}" kv get a --json; echo "exit:$?" >&2`;
    const r = await inNamespace(script, [], { cwd: dir });
    const failures = r.stderr
      .split("\n")
      .filter((l) => l.startsWith('{"error"'))
      .map((l) => JSON.parse(l).error);
    // The write that does not fit; then, with the disk filled to the last byte, even SQLite's -shm
    // cannot be made (an I/O error to SQLite, found to be a full disk).
    expect(
      failures.map((f) => f.code),
      r.stderr,
    ).toEqual(["DISK_FULL", "DISK_FULL"]);
    expect(failures[1].message).toContain("no space is left on its disk");
    expect(r.stderr.match(/exit:\d/g)).toEqual(["exit:5", "exit:5"]);
    expect(r.stderr).not.toMatch(/This is a bug|\n\s+at /);
    expect(r.out).toBe("alpha");
  });

  it("a read-only file system (EROFS) serves reads and refuses writes with STORE_READ_ONLY", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "store");
    await storeWithKeys(dataDir, dir);
    const script = `mount --bind "${dataDir}" "${dataDir}" && mount -o remount,ro,bind "${dataDir}" || exit 99
      "$1" "$2" --data-dir "${dataDir}" kv get a; echo "exit:$?" >&2
      "$1" "$2" --data-dir "${dataDir}" kv set a x --json; echo "exit:$?" >&2`;
    const r = await inNamespace(script, [], { cwd: dir });
    expect(r.out, r.stderr).toBe("alpha");
    expect(r.stderr).toContain("exit:0");
    expect(r.stderr).toContain("exit:5");
    const [failure] = r.stderr.split("\n").filter((l) => l.startsWith('{"error"'));
    expect(JSON.parse(failure!).error).toMatchObject({ code: "STORE_READ_ONLY", message: expect.stringContaining("its file system is read-only") });
  });
});

// The class of commands run against an unusable target in a real process as well, once, so the
// built binary's boundary is the one tested (in-process runs: test/cli/environment.test.ts).
describe("the built binary", () => {
  it("reports a data directory that is a file with exit 5 for every command", async () => {
    const dir = tempDir();
    const file = join(dir, "file");
    writeFileSync(file, "x");
    for (const argv of commandsOver(file).slice(0, 4))
      expectEnvironmentFailure(await cli(["--data-dir", file, ...argv], { cwd: dir }), false, "DATA_DIR_UNUSABLE");
  });
});

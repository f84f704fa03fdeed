import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../support/cli.js";
import { commandsOver, corruptAllButTheHeader, corruptAuditLog, corruptLastEntriesPage, expectEnvironmentFailure } from "../support/environment.js";

/**
 * The class of defect: a failure of the environment reported as "This is a bug", with a stack, or
 * after output on stdout. Every command meets every broken environment that a test can make without
 * privileges, in both output modes. (Read-only directories, full disks and /proc hangs need a real
 * process: test/e2e/environment.test.ts.)
 */

interface Environment {
  name: string;
  /** Makes the environment in a fresh directory; returns the data directory to pass. */
  make(dir: string): Promise<string> | string;
  code: ErrorCode;
  message: RegExp;
}

async function storeWithKeys(dataDir: string, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ key: `k${String(i).padStart(5, "0")}`, value: "v".repeat(100) })).join("\n");
  const file = join(dataDir, "..", "seed.ndjson");
  writeFileSync(file, lines);
  const r = await runCli(["--data-dir", dataDir, "kv", "import", file], { cwd: join(dataDir, "..") });
  expect(r.code, r.stderr).toBe(0);
}

const ENVIRONMENTS: Environment[] = [
  {
    name: "a store damaged after it was written",
    async make(dir) {
      const dataDir = join(dir, "store");
      await storeWithKeys(dataDir, 200);
      corruptAllButTheHeader(dataDir);
      return dataDir;
    },
    code: "STORE_CORRUPT",
    message: /is damaged \(SQLITE_CORRUPT/,
  },
  {
    name: "a store that is not SQLite",
    make(dir) {
      mkdirSync(join(dir, "store"));
      writeFileSync(join(dir, "store", "kv.sqlite"), "this is not a database, but it is long enough to have a header: ".repeat(100));
      return join(dir, "store");
    },
    code: "STORE_CORRUPT",
    message: /is damaged \(SQLITE_NOTADB/,
  },
  {
    name: "a data directory that is a file",
    make: (dir) => (writeFileSync(join(dir, "file"), "x"), join(dir, "file")),
    code: "DATA_DIR_UNUSABLE",
    message: /is a file, not a directory/,
  },
  {
    name: "a data directory under a file",
    make: (dir) => (writeFileSync(join(dir, "file"), "x"), join(dir, "file", "sub")),
    code: "DATA_DIR_UNUSABLE",
    message: /is a file, not a directory/,
  },
  {
    name: "a dangling symbolic link",
    make: (dir) => (symlinkSync(join(dir, "gone"), join(dir, "link")), join(dir, "link")),
    code: "DATA_DIR_UNUSABLE",
    message: /which does not exist/,
  },
  {
    name: "a path too long for SQLite",
    make: (dir) => join(dir, ...Array.from({ length: 4 }, () => "p".repeat(150))),
    code: "DATA_DIR_UNUSABLE",
    message: /SQLite opens paths of at most/,
  },
  {
    name: "a name too long for the file system",
    make: (dir) => join(dir, "n".repeat(300)),
    code: "DATA_DIR_UNUSABLE",
    message: /longer than the file system allows/,
  },
  { name: "a directory in /proc", make: () => "/proc/yourspace-test", code: "DATA_DIR_UNUSABLE", message: /procfs/ },
  { name: "a kernel file system that exists (/sys/kernel)", make: () => "/sys/kernel", code: "DATA_DIR_UNUSABLE", message: /sysfs/ },
];

describe.each(ENVIRONMENTS)("$name", (environment) => {
  describe.each([false, true])("--json %s", (json) => {
    it("fails every command with its catalogued error, a hint, no stack and nothing on stdout", async () => {
      const dir = tempDir();
      const dataDir = await environment.make(dir);
      const importFile = join(dir, "entries.ndjson");
      writeFileSync(importFile, '{"key":"k","value":"v"}\n');
      for (const argv of commandsOver(importFile)) {
        const r = await runCli(["--data-dir", dataDir, ...argv, ...(json ? ["--json"] : [])], { cwd: dir });
        try {
          expectEnvironmentFailure(r, json, environment.code, environment.message);
        } catch (e) {
          (e as Error).message = `${argv.join(" ")}${json ? " --json" : ""}: ${(e as Error).message}`;
          throw e;
        }
      }
    });
  });
});

describe("damage found in the middle of a command", () => {
  it("a read that reaches the damaged page fails with STORE_CORRUPT; one that does not is served", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "store");
    await storeWithKeys(dataDir, 2000);
    // Opening a store reads its newest version (emulated time never runs back past it): that one is
    // written last and sorts first, so it lives away from the page damaged here, with the last keys.
    expect((await runCli(["--data-dir", dataDir, "kv", "set", "a-newest", "x"], { cwd: dir })).code).toBe(0);
    corruptLastEntriesPage(dataDir);
    const first = await runCli(["--data-dir", dataDir, "kv", "get", "k00000"], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.out).toBe("v".repeat(100));
    for (const json of [false, true]) {
      const last = await runCli(["--data-dir", dataDir, "kv", "get", "k01999", ...(json ? ["--json"] : [])], { cwd: dir });
      expectEnvironmentFailure(last, json, "STORE_CORRUPT");
      const write = await runCli(["--data-dir", dataDir, "kv", "set", "k01999", "x", ...(json ? ["--json"] : [])], { cwd: dir });
      expectEnvironmentFailure(write, json, "STORE_CORRUPT");
    }
    // A listing streams: what it printed before the damage stays printed, and it ends in the error.
    for (const argv of [
      ["kv", "ls", "--all"],
      ["kv", "export"],
    ]) {
      const r = await runCli(["--data-dir", dataDir, ...argv], { cwd: dir });
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(/✖ The local store in .* is damaged/);
      expect(r.stderr).not.toMatch(/This is a bug|\n\s+at /);
    }
  });
});

describe("a failure while closing the store, after the command did its work", () => {
  it("keeps the command's result and exit code, and warns that the audit records were not written", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "store");
    await storeWithKeys(dataDir, 300);
    corruptAuditLog(dataDir);
    const r = await runCli(["--data-dir", dataDir, "kv", "get", "k00001"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe("v".repeat(100));
    expect(r.stderr).toMatch(/! The command completed, but closing the store failed: The local store in .* is damaged/);
    expect(r.stderr).not.toMatch(/This is a bug|\n\s+at /);
  });
});

describe("import files the environment makes unusable", () => {
  const dataDirIn = (dir: string) => join(dir, "store");

  it.each([false, true])("a directory given as the file is refused with FILE_ERROR (--json %s)", async (json) => {
    const dir = tempDir();
    mkdirSync(join(dir, "a-directory"));
    const r = await runCli(["--data-dir", dataDirIn(dir), "kv", "import", join(dir, "a-directory"), ...(json ? ["--json"] : [])], { cwd: dir });
    expectEnvironmentFailure(r, json, "FILE_ERROR", /is a directory/);
  });

  it("a 600 MB line (past V8's longest string) is refused with exit 2 naming the line and the limit, not a RangeError", async () => {
    const dir = tempDir();
    const file = join(dir, "huge.ndjson");
    writeFileSync(file, '{"key":"ok","value":"1"}\n{"key":"a","value":"');
    // Sparse: the line costs no disk, and is read as zeros.
    truncateSync(file, 600 * 1_048_576);
    const r = await runCli(["--data-dir", dataDirIn(dir), "kv", "import", file], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("line 2 is 629,145,575 bytes; an entry takes at most 8,388,608 bytes of text");
    expect(r.stderr).toContain("nothing was written");
    expect(r.stderr).not.toMatch(/RangeError|This is a bug|\n\s+at /);
    expect(r.stdout.length).toBe(0);
  });

  it("a pipe given as the file (`<(command)`) is read once, and imported whole", async () => {
    const dir = tempDir();
    const fifo = join(dir, "pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // Opening a pipe to write waits for its reader; Node waits on its thread pool, not this thread.
    createWriteStream(fifo).end('{"key":"a","value":"1"}\n{"key":"b","value":"2"}\n');
    const r = await runCli(["--data-dir", dataDirIn(dir), "kv", "import", fifo], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const listed = await runCli(["--data-dir", dataDirIn(dir), "kv", "ls", "--json"], { cwd: dir });
    expect(JSON.parse(listed.out).keys.map((k: { key: string }) => k.key)).toEqual(["a", "b"]);
  });

  it.each([
    ["standard input of NUL bytes", "-", Buffer.alloc(100_000)],
    ["/dev/zero, which never ends", "/dev/zero", undefined],
  ])("%s is refused at its first byte, before it is copied anywhere", async (_name, file, stdin) => {
    const dir = tempDir();
    const r = await runCli(["--data-dir", dataDirIn(dir), "kv", "import", file], { cwd: dir, stdin });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is not NDJSON, a JSON array or a JSON object: line 1, byte 0 of the line \(byte 0 of the file\) is outside any entry/);
  });

  it("standard input may open with a byte order mark", async () => {
    const dir = tempDir();
    const r = await runCli(["--data-dir", dataDirIn(dir), "kv", "import", "-"], { cwd: dir, stdin: '\uFEFF{"key":"a","value":"1"}\n' });
    expect(r.code, r.stderr).toBe(0);
  });

  const badKey = Buffer.from([0x61, 0xff, 0x62]);
  it.each([
    [
      "ndjson",
      Buffer.concat([Buffer.from('{"key":"fine","value":"1"}\n{"key":"'), badKey, Buffer.from('","value":"2"}\n')]),
      /line 2, byte 9 of the line \(byte 36 of the file\)/,
    ],
    [
      "json",
      Buffer.concat([Buffer.from('[{"key":"fine","value":"1"},\n {"key":"'), badKey, Buffer.from('","value":"2"}]')]),
      /line 2, byte 10 of the line \(byte 39 of the file\)/,
    ],
    ["object", Buffer.concat([Buffer.from('{"fine":"1",\n "'), badKey, Buffer.from('":"2"}')]), /line 2, byte 3 of the line \(byte 16 of the file\)/],
  ])("invalid UTF-8 in a key (%s) is refused with its position, and nothing is stored as U+FFFD", async (format, content, position) => {
    const dir = tempDir();
    const file = join(dir, `bad.${format}`);
    writeFileSync(file, content);
    for (const json of [false, true]) {
      const r = await runCli(["--data-dir", dataDirIn(dir), "kv", "import", file, "--format", format, ...(json ? ["--json"] : [])], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(json ? r.stderr + r.out : r.stderr).toMatch(position);
      expect(r.stderr).not.toMatch(/This is a bug|\n\s+at /);
    }
    const listed = await runCli(["--data-dir", dataDirIn(dir), "kv", "ls", "--json"], { cwd: dir });
    expect(JSON.parse(listed.out).keys).toEqual([]);
  });
});

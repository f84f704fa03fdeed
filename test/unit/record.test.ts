/**
 * `kv emulator record <file>` is checked when it is given (FILE_ERROR, exit 2), and a recording that
 * can no longer be appended to never breaks a data command: the command succeeds or fails on its own
 * merits, recording stops for every process, each later command warns once, and status says why.
 * Paths are made unusable in ways that stop root too (a missing directory, a file where a directory
 * should be, a directory where the file should be), never by permission bits.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

function emulator() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const dataDir = join(cwd, "data");
  const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(cwd, "config") };
  const kv = (...argv: string[]) => runCli(["kv", ...argv], { cwd, env, clock });
  return { kv, cwd, dataDir };
}

const errorOf = (stderr: string) =>
  stderr
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { error?: { code: string; message: string } })
    .find((l) => l.error)!.error!;

describe("emulator record checks its file when given", () => {
  it("refuses a file whose directory does not exist, with exit 2, and data commands go on working", async () => {
    const { kv } = emulator();
    const r = await kv("emulator", "record", "/nonexistent/h.jsonl", "--json");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(errorOf(r.stderr)).toMatchObject({ code: "FILE_ERROR", message: expect.stringContaining("its directory /nonexistent does not exist") });
    expect((await kv("set", "k", "v")).code).toBe(0);
    expect((await kv("get", "k")).out).toBe("v");
    expect(JSON.parse((await kv("emulator", "status", "--json")).out)).toMatchObject({ recording: null, recordingStopped: null });
  });

  it("refuses a directory, a path under a file, and the store's own files", async () => {
    const { kv, cwd, dataDir } = emulator();
    expect((await kv("set", "k", "v")).code).toBe(0); // the store exists
    writeFileSync(join(cwd, "plain"), "x");
    mkdirSync(join(cwd, "dir"));
    symlinkSync(join(dataDir, "kv.sqlite"), join(cwd, "link.jsonl"));
    symlinkSync(dataDir, join(cwd, "data-link"));
    const cases: [string, string][] = [
      ["", "it is a directory"],
      [join(cwd, "dir"), "it is a directory"],
      ["link.jsonl", "own store files"],
      ["data-link/kv.sqlite-wal", "own store files"],
      [join(cwd, "plain", "h.jsonl"), "is not a directory"],
      [join(dataDir, "kv.sqlite"), "own store files"],
      [join(dataDir, "kv.sqlite-wal"), "own store files"],
      ["data/../data/kv.sqlite", "own store files"],
    ];
    for (const [path, reason] of cases) {
      const r = await kv("emulator", "record", path, "--json");
      expect(r.code, path).toBe(2);
      expect(errorOf(r.stderr), path).toMatchObject({ code: "FILE_ERROR", message: expect.stringContaining(reason) });
      expect(errorOf(r.stderr).message, path).not.toMatch(/Cannot use the file.*Cannot use the file|\.\.$/);
    }
    expect((await kv("get", "k")).out).toBe("v");
  });

  it("accepts a new file in an existing directory, relative to the working directory, and creates it", async () => {
    const { kv, cwd } = emulator();
    const r = await kv("emulator", "record", "h.jsonl", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ recording: join(cwd, "h.jsonl") });
    expect(readFileSync(join(cwd, "h.jsonl"), "utf8")).toBe("");
  });
});

describe("a recording that can no longer be appended to", () => {
  it("never breaks a data command: recording stops, each later command warns once, status says why, record starts it again", async () => {
    const { kv, cwd } = emulator();
    expect((await kv("emulator", "record", "h.jsonl")).code).toBe(0);
    expect((await kv("set", "k", "v1")).code).toBe(0);
    expect(readFileSync(join(cwd, "h.jsonl"), "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    // The file is replaced by a directory: appending fails, whoever runs this.
    rmSync(join(cwd, "h.jsonl"));
    mkdirSync(join(cwd, "h.jsonl"));
    const write = await kv("set", "k", "v2");
    expect(write.code, write.stderr).toBe(0);
    expect(write.stderr.match(/Recording to .*h\.jsonl stopped/g)).toHaveLength(1);
    expect(write.stderr).not.toContain("bug");
    // The write happened; later commands succeed or fail on their own merits, each warning once.
    const read = await kv("get", "k");
    expect(read.out).toBe("v2");
    expect(read.stderr.match(/Recording to .*stopped/g)).toHaveLength(1);
    const missing = await kv("get", "nope");
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("stopped");
    const status = JSON.parse((await kv("emulator", "status", "--json")).out) as { recording: unknown; recordingStopped: { path: string; reason: string } };
    expect(status.recording).toBe(null);
    expect(status.recordingStopped).toMatchObject({ path: join(cwd, "h.jsonl"), reason: expect.stringContaining("EISDIR") });
    expect((await kv("emulator", "status")).out).toContain("stopped");
    // Recording again: no warning about the old one, and operations are appended again.
    const again = await kv("emulator", "record", "h2.jsonl");
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("stopped");
    const after = await kv("set", "k", "v3");
    expect(after.stderr).not.toContain("stopped");
    expect(readFileSync(join(cwd, "h2.jsonl"), "utf8")).toContain('"v3"');
  });

  it("a data directory left recording to a path that does not exist (set before it was checked) still serves every command", async () => {
    const { kv, dataDir } = emulator();
    expect((await kv("set", "k", "v1")).code).toBe(0);
    const BetterSqlite3 = (await import("better-sqlite3")).default;
    const db = new BetterSqlite3(join(dataDir, "kv.sqlite"));
    db.prepare("INSERT INTO settings (name, value) VALUES ('record', ?)").run(JSON.stringify("/nonexistent/h.jsonl"));
    db.close();
    for (const argv of [["set", "k", "v2"], ["get", "k"], ["rm", "k"], ["ls"]]) {
      const r = await kv(...argv);
      expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toContain("bug");
    }
  });
});

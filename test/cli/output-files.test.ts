import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { Prompter } from "../../src/commands/context.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * Every command that writes a file the user names, and what a finished file of it holds. (The
 * import's input is named by its full path: the file is read relative to the process, not to the
 * in-process run's directory.)
 */
const WRITERS = [
  { name: "kv export FILE", argv: (file: string) => ["kv", "export", file], wrote: (text: string) => text === '{"key":"k","value":"v"}\n', json: true },
  // --json and --output <file> do not go together: get's JSON is the value.
  { name: "kv get --output FILE", argv: (file: string) => ["kv", "get", "k", "--output", file], wrote: (text: string) => text === "v", json: false },
  {
    name: "kv import --report FILE",
    argv: (file: string, cwd: string) => ["kv", "import", join(cwd, "in.ndjson"), "--report", file],
    wrote: (text: string) => text.includes('"key":"k"'),
    json: true,
  },
] as const;

const EARLIER = "earlier contents\n";
const isRoot = process.getuid?.() === 0;

function session() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const run = (argv: string[], extra: Partial<InProcessOptions> = {}) => runCli(argv, { cwd, clock, ...extra });
  writeFileSync(join(cwd, "in.ndjson"), '{"key":"k","value":"v"}\n');
  return { cwd, run };
}

function answering(answer: boolean, asked: string[]): Prompter {
  return { confirm: async (m) => (asked.push(m), answer), secret: async () => null, select: async () => null, text: async () => null };
}

/** A file that exists, with a mode (and, as root, an owner) a replacement must keep. */
function existing(cwd: string, name: string): string {
  const path = join(cwd, name);
  writeFileSync(path, EARLIER);
  chmodSync(path, 0o640);
  if (isRoot) chownSync(path, 1234, 2345);
  return path;
}

describe.each(WRITERS)("$name over a file that exists", ({ argv: words, wrote, json: hasJson }) => {
  it("without a terminal, refuses with exit 2 naming --force, and leaves the file as it was", async () => {
    const { cwd, run } = session();
    const argv = (file: string) => words(file, cwd);
    expect((await run(["kv", "set", "k", "v"])).code).toBe(0);
    const path = existing(cwd, "out");
    const r = await run(argv("out"));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("Refusing to replace the file out without confirmation");
    expect(r.stderr).toContain("--force");
    expect(readFileSync(path, "utf8")).toBe(EARLIER);
    if (hasJson) {
      const json = await run([...argv("out"), "--json"]);
      expect(JSON.parse(json.stderr.trimEnd().split("\n").at(-1)!).error.code).toBe("CONFIRMATION_REQUIRED");
      expect(json.out).toBe("");
    }
    expect(readdirSync(cwd).sort()).toEqual([".yourspace", "in.ndjson", "out"]);
  });

  it("at a terminal, asks; no leaves the file, yes replaces it keeping its mode and owner", async () => {
    const { cwd, run } = session();
    const argv = (file: string) => words(file, cwd);
    expect((await run(["kv", "set", "k", "v"])).code).toBe(0);
    const path = existing(cwd, "out");
    const asked: string[] = [];
    const declined = await run(argv("out"), { interactive: true, prompter: answering(false, asked) });
    expect(declined.code).toBe(1);
    expect(asked).toEqual(["Replace out?"]);
    expect(readFileSync(path, "utf8")).toBe(EARLIER);

    const accepted = await run(argv("out"), { interactive: true, prompter: answering(true, asked) });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(wrote(readFileSync(path, "utf8"))).toBe(true);
    const st = statSync(path);
    expect(st.mode & 0o7777).toBe(0o640);
    if (isRoot) expect([st.uid, st.gid]).toEqual([1234, 2345]);
  });

  it("with --force, replaces it without asking, keeping its mode and owner", async () => {
    const { cwd, run } = session();
    const argv = (file: string) => words(file, cwd);
    expect((await run(["kv", "set", "k", "v"])).code).toBe(0);
    const path = existing(cwd, "out");
    chmodSync(path, 0o600);
    const asked: string[] = [];
    const r = await run([...argv("out"), "--force"], { interactive: true, prompter: answering(false, asked) });
    expect(r.code, r.stderr).toBe(0);
    expect(asked).toEqual([]);
    expect(wrote(readFileSync(path, "utf8"))).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    if (isRoot) expect([statSync(path).uid, statSync(path).gid]).toEqual([1234, 2345]);
    expect(readdirSync(cwd).sort()).toEqual([".yourspace", "in.ndjson", "out"]);
  });

  it("writes a new file, and a device in place, without asking", async () => {
    const { cwd, run } = session();
    const argv = (file: string) => words(file, cwd);
    expect((await run(["kv", "set", "k", "v"])).code).toBe(0);
    const r = await run(argv("new"));
    expect(r.code, r.stderr).toBe(0);
    expect(wrote(readFileSync(join(cwd, "new"), "utf8"))).toBe(true);
    expect((await run(argv("/dev/null"))).code).toBe(0);
  });

  // /dev/shm is a file system of ordinary files, though under /dev: only a stream's own names
  // (/dev/stdout, /dev/fd/N, /proc/…) are written in place.
  it.skipIf(!existsSync("/dev/shm"))("treats a file under /dev/shm as any file: refused without --force, left as it was", async () => {
    const { cwd, run } = session();
    expect((await run(["kv", "set", "k", "v"])).code).toBe(0);
    const dir = mkdtempSync("/dev/shm/yourspace-output-");
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = existing(dir, "out");
    const r = await run(words(path, cwd));
    expect(r.code, r.stderr).toBe(2);
    expect(readFileSync(path, "utf8")).toBe(EARLIER);
  });
});

describe("a file that cannot be written", () => {
  it("is reported before any work, with the reason in words", async () => {
    const { cwd, run } = session();
    const missing = await run(["kv", "export", "missing/out.ndjson"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Cannot use the file missing/out.ndjson: its directory missing does not exist.");
    if (process.platform === "linux") {
      const proc = await run(["kv", "export", "/proc/out.ndjson"]);
      expect(proc.code).toBe(2);
      expect(proc.stderr).toContain("Cannot use the file /proc/out.ndjson: no file can be created in /proc.");
    }
    expect(readdirSync(cwd).sort()).toEqual([".yourspace", "in.ndjson"]);
  });
});

describe.each(WRITERS)("$name naming the store's own file", ({ argv: words, json: hasJson }) => {
  it("refuses before anything is written, however the file is named, and the store keeps working", async () => {
    const { cwd, run } = session();
    expect((await run(["kv", "set", "k", "v"])).code).toBe(0);
    const dataDir = join(cwd, ".yourspace");
    symlinkSync(dataDir, join(cwd, "data-link"));
    symlinkSync(join(dataDir, "kv.sqlite"), join(cwd, "link.out"));
    symlinkSync(join(dataDir, "kv.sqlite-journal"), join(cwd, "dangling.out"));
    for (const file of [
      ".yourspace/kv.sqlite",
      ".yourspace/kv.sqlite-wal",
      ".yourspace/kv.sqlite-shm",
      "data-link/kv.sqlite",
      "data-link/../.yourspace/kv.sqlite-wal",
      "link.out",
      "dangling.out",
      join(dataDir, "kv.sqlite"),
    ]) {
      const r = await run([...words(file, cwd), "--force", ...(hasJson ? ["--json"] : [])]);
      expect([file, r.code, r.out]).toEqual([file, 2, ""]);
      const error = {
        code: "FILE_ERROR",
        message: `Cannot use the file ${file}: it is one of the data directory's own store files (in ${dataDir}); writing it would destroy the store.`,
        hint: "Name a file outside the store: not kv.sqlite, nor the -wal, -shm or -journal file beside it.",
      };
      if (hasJson) expect(JSON.parse(r.stderr.trim().split("\n").at(-1)!).error).toEqual(error);
      else expect(r.stderr).toContain(`✖ ${error.message}\n  ${error.hint}\n`);
      expect((await run(["kv", "get", "k"])).out).toBe("v");
    }
    expect(readdirSync(dataDir).filter((f) => f.includes("partial") || f.endsWith("-journal"))).toEqual([]);
  });
});

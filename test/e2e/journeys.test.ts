import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, tempDir, type RunResult } from "../support/cli.js";
import { expectFailure, ok, spawned } from "../support/kv.js";

const { kv, kvJson } = spawned;

/**
 * A user's session through the built binary, command after command: what the in-process suite cannot
 * show is the process itself (its exit code, a pipe between two processes, /dev/stdout as a file).
 */

/** `yourspace --data-dir <dir> kv <from> | yourspace --data-dir <dir> kv <to>`, through a real pipe. */
function piped(dir: string, from: readonly string[], to: readonly string[]): Promise<[RunResult, RunResult]> {
  const start = (args: readonly string[]) =>
    spawn(process.execPath, [BIN, "--data-dir", dir, "kv", ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ["pipe", "pipe", "pipe"],
    });
  const collect = (child: ReturnType<typeof start>) =>
    new Promise<RunResult>((done, fail) => {
      const out: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", fail);
      child.on("close", (code) => done({ code: code ?? -1, stdout: Buffer.concat(out), out: Buffer.concat(out).toString("utf8"), stderr }));
    });
  const a = start(from);
  const b = start(to);
  a.stdin.end();
  b.stdin.on("error", () => {});
  a.stdout.pipe(b.stdin);
  return Promise.all([collect(a), collect(b)]);
}

describe("a session through the built binary", () => {
  it("writes, reads, lists, copies a namespace through a pipe, exports to /dev/stdout, removes; every exit code as a shell sees it", async () => {
    const dir = tempDir();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await ok(kv(dir, ["set", "bin/all", "-"], { input: bytes }));
    await ok(kv(dir, ["set", "text/hello", "héllo", "--metadata", '{"owner":"web"}']));
    expect((await ok(kv(dir, ["get", "bin/all"]))).stdout.equals(bytes)).toBe(true);
    expect((await ok(kv(dir, ["ls"]))).out).toBe("bin/all\ntext/hello\n");

    // export | import -n copy -, two processes and a pipe: the copy exports the same bytes.
    await ok(kv(dir, ["namespace", "create", "copy"]));
    const [exported, imported] = await piped(dir, ["export"], ["import", "-n", "copy", "-", "--json"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.out)).toMatchObject({ namespace: "copy", total: 2, created: 2, failed: 0 });
    expect((await ok(kv(dir, ["export", "-n", "copy"]))).out).toBe(exported.out);

    // /dev/stdout is written in place, as a shell's redirection would.
    expect((await ok(kv(dir, ["export", "/dev/stdout"]))).out).toBe(exported.out);

    // Exit codes of the process: not found 3, usage 2, and a refused removal writes nothing.
    expectFailure(await kv(dir, ["get", "missing"]), 3, /missing/);
    expectFailure(await kv(dir, ["ls", "--limit", "0"]), 2, /The limit "0" is not valid/);
    await ok(kv(dir, ["rm", "text/hello"]));
    expect((await kvJson<{ keys: { key: string }[] }>(dir, ["ls"])).keys.map((k) => k.key)).toEqual(["bin/all"]);
  });
});

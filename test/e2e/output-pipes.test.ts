import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runBin, tempDir } from "../support/cli.js";

/**
 * Output as a shell gives it: a pipe (a FIFO), a file. The CLI writes these to the descriptor itself
 * (src/terminal/standard-output.ts); what a script sees must be what it saw through Node's streams.
 */

/** Runs a bash script with $YS as the command `node <bin>`; its exit code, stdout and stderr. */
function bash(script: string, cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn("bash", ["-c", `set -u\nYS=("${process.execPath}" "${BIN}")\n${script}`], { cwd, env: { PATH: process.env.PATH, HOME: cwd } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
  });
}

/** A store in `dir`/store holding one key. */
async function storeWith(dir: string, key: string, value: string): Promise<void> {
  const r = await runBin(["--data-dir", join(dir, "store"), "kv", "set", key, "-", "--quiet"], { cwd: dir, input: value });
  expect(r.code, r.stderr).toBe(0);
}

describe("output to a pipe or a file, as a shell gives it", () => {
  it("a reader that stops early (head) ends the command with exit 0 and nothing on stderr", async () => {
    const dir = tempDir();
    // Larger than a pipe holds, so the command is still writing when head goes.
    await storeWith(dir, "big", "x".repeat(1_000_000));
    const r = await bash(
      `"\${YS[@]}" --data-dir store kv get big --quiet | head -c 5; echo " get:\${PIPESTATUS[0]}"
       "\${YS[@]}" --data-dir store kv export --quiet | head -c 1 >/dev/null; echo "export:\${PIPESTATUS[0]}"`,
      dir,
    );
    expect([r.out, r.err]).toEqual(["xxxxx get:0\nexport:0\n", ""]);
  });

  it("stdout and stderr sent into one pipe arrive in the order they were written", async () => {
    const dir = tempDir();
    await storeWith(dir, "flags/a", "on");
    const r = await bash(`"\${YS[@]}" --data-dir store kv get flags/a 2>&1 | cat; "\${YS[@]}" --data-dir store kv get flags/none 2>&1 | cat`, dir);
    const target = "target: embedded emulator at store (site local)\n";
    expect(r.out).toBe(`${target}on${target}✖ The key "flags/none" was not found in namespace "default".\n  List keys with: yourspace kv ls -n default\n`);
  });

  it("a redirection to a file holds exactly the value, stderr's lines in their own file", async () => {
    const dir = tempDir();
    const value = "é\u0000\n".repeat(10_000);
    await storeWith(dir, "k", value);
    const r = await bash(`"\${YS[@]}" --data-dir store kv get k > out 2> err; echo "exit:$?"`, dir);
    expect(r.out).toBe("exit:0\n");
    expect(readFileSync(join(dir, "out"), "utf8")).toBe(value);
    expect(readFileSync(join(dir, "err"), "utf8")).toBe("target: embedded emulator at store (site local)\n");
  });
});

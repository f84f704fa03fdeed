import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it, onTestFinished } from "vitest";
import { withCliAdvice } from "../../src/cli/advice.js";
import { listenFailure } from "../../src/core/listen-errors.js";
import { BIN, runBin, runCli, tempDir } from "../support/cli.js";

/**
 * `kv emulator start`: a --host other machines can reach needs --allow-remote, and every failure to
 * start is a catalogue error with a next step (never "[object Object]", never "This is a bug").
 * The refusals before the server starts run in process; what the server thread does is the built
 * binary's (build first: npm run build).
 */

const NOT_A_BUG = /\[object Object\]|This is a bug|Unexpected error/;

describe("kv emulator start --host", () => {
  it("refuses an address other machines can reach without --allow-remote: exit 2, nothing started", async () => {
    const cwd = tempDir();
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com", "10.0.0.1"]) {
      const r = await runCli(["kv", "emulator", "start", "--host", host, "--port", "0", "--data-dir", join(cwd, "data")], { cwd });
      expect(r.code, `${host}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--host ${host} would let other machines reach this emulator`);
      expect(r.stderr).toContain("Add --allow-remote");
      expect(r.stdout.length).toBe(0);
      const json = await runCli(["kv", "emulator", "start", "--host", host, "--port", "0", "--json"], { cwd });
      expect(json.code).toBe(2);
      for (const line of json.stderr.trim().split("\n")) expect(() => JSON.parse(line), line).not.toThrow();
    }
  });

  it("takes loopback addresses without it", async () => {
    // Refused for some other reason (the port), so no server starts: what matters is that --host passed.
    for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) {
      const r = await runCli(["kv", "emulator", "start", "--host", host, "--port", "70000"], { cwd: tempDir() });
      expect(r.stderr, host).toContain('--port "70000" is not a port number.');
    }
  });

  it("with --allow-remote, serves on 0.0.0.0 and says so once it listens", async () => {
    const cwd = tempDir();
    const child = spawn(
      process.execPath,
      [BIN, "kv", "emulator", "start", "--host", "0.0.0.0", "--allow-remote", "--port", "0", "--json", "--data-dir", join(cwd, "data")],
      { cwd, stdio: ["ignore", "pipe", "pipe"] },
    );
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const ready = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve))) as { apiUrl: string };
    expect(ready.apiUrl).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain("Listening on 0.0.0.0: other machines can reach this emulator");
  });
});

describe("kv emulator start failures", () => {
  it("each is a catalogue error with a next step, from the binary", async () => {
    const cwd = tempDir();
    const cases: [string[], number, string][] = [
      [["--host", "203.0.113.1", "--allow-remote"], 2, "203.0.113.1 is not an address of this machine"],
      [["--host", "no-such-host.invalid", "--allow-remote"], 2, "is neither an IP address nor a name this machine can resolve"],
      [["--data-dir", join(BIN, "data")], 5, "cannot be used"],
      [["--token", "a token with spaces"], 2, "A token must be 1 to 1024 characters"],
    ];
    for (const [args, code, message] of cases) {
      const r = await runBin(["kv", "emulator", "start", "--port", "0", ...args], { cwd, env: { YOURSPACE_DATA_DIR: join(cwd, "data") } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(NOT_A_BUG);
      expect(r.stdout.length).toBe(0);
      // The hint: a second line saying what to do.
      expect(r.stderr.trim().split("\n").length, r.stderr).toBeGreaterThanOrEqual(2);
    }
  });

  it("a port this user may not listen on: a usage error saying which ports it may use", () => {
    const err = listenFailure(
      Object.assign(new Error("listen EACCES: permission denied 127.0.0.1:80"), { code: "EACCES", syscall: "listen" }),
      "127.0.0.1",
      80,
    );
    expect(err.toJSON()).toEqual({
      code: "USAGE",
      message: "This user may not listen on port 80 of 127.0.0.1 (listen EACCES: permission denied 127.0.0.1:80).",
      hint: "Use a port from 1024 up, or port 0 for any free port.",
    });
    // The CLI names its flag.
    expect(withCliAdvice(err).hint).toBe("Use a port from 1024 up, or --port 0 for any free port.");
    const odd = listenFailure({ weird: true }, "127.0.0.1", 1234);
    expect(odd.message).toBe("The emulator could not listen on 127.0.0.1:1234: { weird: true }.");
  });
});

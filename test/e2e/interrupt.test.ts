import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { BIN, tempDir } from "../support/cli.js";
import { apiServer, gate } from "../support/gate.js";

/**
 * Real signals to the built binary (node scripts/build.mjs first). `kv import` writes to the real API
 * server through a gate that holds the second batch: the test knows then that one batch is committed
 * and the second is in flight, sends the signal, waits for the binary to say it is stopping, and lets
 * the batch through. No timing is involved. One test runs the import on a terminal (util-linux's
 * `script` gives it one) and types Ctrl-C, the case that used to print "Canceled" and exit 0.
 */

const FIVE = Array.from({ length: 5 }, (_, i) => `${JSON.stringify({ key: `k${i}`, value: `v${i}` })}\n`).join("");
const hasScript = spawnSync("script", ["--version"]).status === 0;

interface Held {
  /** Resolves when the second batch has arrived (and is held). */
  arrived: Promise<void>;
  release(): void;
}

async function importThroughGate() {
  const api = await apiServer();
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrivedNow = () => {};
  const held: Held = { arrived: new Promise<void>((resolve) => (arrivedNow = resolve)), release };
  let batches = 0;
  const g = await gate(api.url, async (req) => {
    if (!req.path.includes("/bulk/put")) return;
    if (++batches === 2) {
      arrivedNow();
      await released;
    }
  });
  onTestFinished(() => release());
  const cwd = tempDir();
  const file = join(cwd, "five.ndjson");
  writeFileSync(file, FIVE);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    YOURSPACE_API_URL: g.url,
    YOURSPACE_TOKEN: api.token,
    YOURSPACE_CONFIG_DIR: join(cwd, "config"),
  };
  const args = [BIN, "kv", "import", file, "--batch-size", "1", "--concurrency", "1"];
  const stored = () => api.server.engine.list("local", "default", { prefix: "", limit: 1000 }).keys.map((k) => k.key);
  return { held, env, args, cwd, stored };
}

/** Spawns a process; resolves its exit; gathers its output; killed if still running when the test ends. */
function launch(command: string, args: string[], options: { cwd: string; env: Record<string, string | undefined> }) {
  const child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiting: { text: string; resolve: () => void }[] = [];
  const seen = () => {
    for (const w of [...waiting]) {
      if (!(out + err).includes(w.text)) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.setEncoding("utf8").on("data", (c: string) => ((out += c), seen()));
  child.stderr.setEncoding("utf8").on("data", (c: string) => ((err += c), seen()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    /** Resolves once the output holds `text`. */
    says: (text: string) => new Promise<void>((resolve) => (waiting.push({ text, resolve }), seen())),
  };
}

describe("a real signal during kv import (no terminal)", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal}: the batch in flight finishes, the import stops, exits ${code} and says what it wrote`, async () => {
      const { held, env, args, cwd, stored } = await importThroughGate();
      const p = launch(process.execPath, args, { cwd, env });
      await held.arrived;
      p.child.kill(signal);
      await p.says(`${signal}: stopping after the step in progress`);
      held.release();
      expect(await p.exited).toEqual({ code, signal: null });
      expect(p.out()).toBe("");
      expect(p.err()).toContain(`✖ Import interrupted by ${signal} after 2 of 5 batches: 2 of 5 entries written (2 created, 0 updated, 0 unchanged).`);
      expect(p.err()).toContain("Run the same command again to finish");
      expect(p.err()).not.toContain("✔");
      expect(stored()).toEqual(["k0", "k1"]);
    });
  }

  it("a second SIGINT stops at once, saying the step in flight may or may not have been applied", async () => {
    const { held, env, args, cwd } = await importThroughGate();
    const p = launch(process.execPath, [...args, "--json"], { cwd, env });
    await held.arrived;
    p.child.kill("SIGINT");
    await p.says("SIGINT: stopping");
    p.child.kill("SIGINT");
    expect(await p.exited).toEqual({ code: 130, signal: null });
    expect(p.out()).toBe("");
    const last = JSON.parse(p.err().trim().split("\n").at(-1)!);
    expect(last.error).toMatchObject({
      code: "INTERRUPTED",
      message: "Stopped at once by a second SIGINT; a step in progress may or may not have been applied.",
    });
  });
});

describe.skipIf(!hasScript)("Ctrl-C typed at a terminal during kv import", () => {
  it("exits 130 and says what was written (it printed Canceled and exited 0)", async () => {
    const { held, env, args, cwd, stored } = await importThroughGate();
    const command = [process.execPath, ...args].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
    // script runs the import on a pseudo-terminal, passes what the test writes to it, and exits with its status.
    const p = launch("script", ["-qfec", command, "/dev/null"], { cwd, env: { ...env, TERM: "xterm" } });
    await held.arrived;
    // Ctrl-C, as typed: the terminal turns it into SIGINT unless someone has put it in raw mode.
    p.child.stdin.write("\u0003");
    await p.says("SIGINT: stopping after the step in progress");
    held.release();
    expect(await p.exited).toMatchObject({ code: 130 });
    expect(p.out()).toContain("Import interrupted by SIGINT after 2 of 5 batches: 2 of 5 entries written");
    expect(p.out()).not.toContain("Canceled");
    expect(stored()).toEqual(["k0", "k1"]);
  });
});

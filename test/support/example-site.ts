import { spawn } from "node:child_process";
import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { onTestFinished } from "vitest";
import { BIN, runCli, tempDir, type RunResult } from "./cli.js";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");

export interface ExampleSite {
  /** The copy of the example the test runs in. */
  dir: string;
  /** Its data directory, shared by the CLI and `yourspace dev`. */
  dataDir: string;
  /** The CLI in process on the site's data directory, as a second terminal would run it. */
  cli(argv: string[]): Promise<RunResult>;
  /** Like cli, and fails the test unless the command exits 0. */
  ok(argv: string[]): Promise<RunResult>;
  /** Starts `yourspace dev` (the built binary, port 0) in the site; stopped when the test finishes. */
  serve(): Promise<DevProcess>;
}

/**
 * A copy of examples/<name> in a fresh directory, so a test never writes into the repository and
 * every test starts from an empty store.
 */
export function exampleSite(name: string): ExampleSite {
  const dir = join(tempDir(), name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true, filter: (source) => !source.endsWith(".yourspace") });
  const dataDir = join(dir, ".yourspace");
  const cli = (argv: string[]) => runCli(["--data-dir", dataDir, ...argv], { cwd: dir });
  return {
    dir,
    dataDir,
    cli,
    async ok(argv) {
      const result = await cli(argv);
      if (result.code !== 0) throw new Error(`yourspace ${argv.join(" ")} exited ${result.code}: ${result.stderr}`);
      return result;
    },
    serve: () => startDev(dir, dataDir),
  };
}

export interface DevProcess {
  url: string;
}

/** `yourspace dev --port 0 --json`, ready once its first stdout line (the JSON with the URL) is out. */
function startDev(cwd: string, dataDir: string): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, "--data-dir", dataDir, "dev", "--port", "0", "--json"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((done) => child.once("exit", done));
  onTestFinished(async () => {
    child.kill("SIGTERM");
    await exited;
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((ready, fail) => {
    createInterface({ input: child.stdout }).once("line", (line) => ready(JSON.parse(line) as DevProcess));
    void exited.then(() => fail(new Error(`yourspace dev exited before it was ready:\n${stderr}`)));
  });
}

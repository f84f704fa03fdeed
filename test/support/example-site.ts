import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, tempDir, type RunResult } from "./cli.js";
import { startDevProcess, type DevProcess } from "./dev-process.js";

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
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, YOURSPACE_DATA_DIR: dataDir };
  const cli = (argv: string[]) => runCli(argv, { cwd: dir, env });
  return {
    dir,
    dataDir,
    cli,
    async ok(argv) {
      const result = await cli(argv);
      if (result.code !== 0) throw new Error(`yourspace ${argv.join(" ")} exited ${result.code}: ${result.stderr}`);
      return result;
    },
    serve: () => startDevProcess({ dir, env }),
  };
}

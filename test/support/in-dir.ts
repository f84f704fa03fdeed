import { runCli, type InProcessOptions, type RunResult } from "./cli.js";

let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs the CLI in process with `options.cwd` as the process's working directory too, one run at a
 * time. The commands read the files they are named (`kv import in.ndjson`, `kv set --file v.bin`)
 * relative to the process's directory, as a spawned CLI reads them relative to its own; the tests
 * name them relative to their sandbox. The environment starts from PATH and HOME, as a spawned one's.
 */
export function runInDir(argv: readonly string[], options: InProcessOptions): Promise<RunResult> {
  const run = turn.then(async () => {
    const before = process.cwd();
    process.chdir(options.cwd);
    try {
      return await runCli([...argv], { ...options, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env } });
    } finally {
      process.chdir(before);
    }
  });
  turn = run.catch(() => {});
  return run;
}

import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { devNull, tmpdir } from "node:os";
import { join } from "node:path";
import { DescriptorOutput } from "../terminal/standard-output.js";
import { main } from "./run.js";

/** The commands people run most, in order, on a store of their own. */
const WARM_UP: readonly string[][] = [
  ["kv", "set", "flags/homepage-v2", "on"],
  ["kv", "get", "flags/homepage-v2"],
  ["kv", "get", "flags/homepage-v2", "--json"],
  ["kv", "ls"],
  ["kv", "ls", "--json"],
  ["kv", "incr", "hits"],
  ["kv", "rm", "flags/homepage-v2", "hits"],
];

/**
 * Runs the commands people run most in this one process, on a store made for them and removed
 * after, so that the V8 code cache bin/compile-cache.cjs writes as the process exits holds their
 * compiled code. The build runs it (scripts/build.mjs); otherwise the cache holds whatever the first
 * command after an install compiled: a `kv get` took 52.6 ms after a cache written by `--version`,
 * 46.5 ms after one written by `kv get` (docs/benchmarks.md). Resolves to the first failing
 * command's exit code, or 0.
 */
export async function warmCodeCache(): Promise<number> {
  // Loaded here, not by every command: they write to no stream of Node's unless at a terminal.
  const { Readable, Writable } = await import("node:stream");
  const dir = mkdtempSync(join(tmpdir(), "yourspace-code-cache-"));
  // Written as a command's output to a pipe or a file is written, so that code is in the cache too.
  const nowhere = openSync(devNull, "w");
  try {
    const discard = () => new DescriptorOutput(nowhere, () => new Writable({ write: (_chunk, _encoding, done) => done() }));
    const io = {
      stdin: Readable.from([]),
      stdout: discard(),
      stderr: discard(),
      // Nothing of the user's: no profile, no project, no target chosen by the environment.
      env: { YOURSPACE_DATA_DIR: join(dir, "data"), YOURSPACE_CONFIG_DIR: join(dir, "config") },
      cwd: dir,
    };
    for (const argv of WARM_UP) {
      const code = await main(argv, io);
      if (code !== 0) return code;
    }
    return 0;
  } finally {
    closeSync(nowhere);
    rmSync(dir, { recursive: true, force: true });
  }
}

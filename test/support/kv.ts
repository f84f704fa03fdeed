import { expect } from "vitest";
import { runBin, runCli, type RunResult } from "./cli.js";

/**
 * `yourspace --data-dir <dataDir> kv <args…>` with no terminal, and what the tests assert about its
 * answers. `kvIn(runner)` gives the commands for one way of running the CLI: `inProcess` (the same
 * main() the binary runs, with captured streams) or `spawned` (the built binary).
 */

interface KvOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
}

type Runner = (argv: string[], options: { cwd: string; input?: string | Buffer; env?: Record<string, string | undefined> }) => Promise<RunResult>;

/** The in-process CLI sees the same environment a spawned one gets (PATH and HOME, then `env`). */
const inProcessRunner: Runner = (argv, { cwd, input, env }) => runCli(argv, { cwd, stdin: input, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });

interface ListedKey {
  key: string;
  size: number;
  expiresAt: string | null;
  metadata: Record<string, unknown> | null;
}

export interface ListJson {
  keys: ListedKey[];
  cursor: string | null;
  complete: boolean;
}

function kvIn(runner: Runner) {
  /** Runs `yourspace --data-dir <dataDir> kv <args…>` in `dataDir`. */
  const kv = (dataDir: string, args: readonly string[], options: KvOptions = {}): Promise<RunResult> =>
    runner(["--data-dir", dataDir, "kv", ...args], { cwd: dataDir, input: options.input, env: options.env });

  /** Runs a command with `--json` and parses stdout, failing loudly (with stderr) when it did not succeed. */
  const kvJson = async <T = any>(dataDir: string, args: readonly string[], options: KvOptions = {}): Promise<T> => {
    const r = await kv(dataDir, [...args, "--json"], options);
    expect(r.code, `kv ${args.join(" ")} failed: ${r.stderr}`).toBe(0);
    return JSON.parse(r.out) as T;
  };

  /** Every key in a namespace (or under a prefix), via `ls --all --json`. */
  const allKeys = async (dataDir: string, args: readonly string[] = []): Promise<string[]> => {
    const page = await kvJson<ListJson>(dataDir, ["ls", "--all", ...args]);
    return page.keys.map((k) => k.key);
  };

  return { kv, kvJson, allKeys };
}

export const inProcess = kvIn(inProcessRunner);
export const spawned = kvIn(runBin);

/** Awaits a command and asserts it succeeded, showing its stderr when it did not. */
export async function ok(run: Promise<RunResult>): Promise<RunResult> {
  const r = await run;
  expect(r.code, `exit ${r.code}, stderr: ${r.stderr}`).toBe(0);
  return r;
}

/**
 * Asserts a failed command in human mode: the exit code, nothing on stdout, and on stderr an error line
 * (`✖ message`) matching `message`, followed by an indented hint line.
 */
export function expectFailure(r: RunResult, code: number, message: RegExp): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(code);
  expect(r.stdout.length, `stdout should be empty, got: ${r.out}`).toBe(0);
  const lines = r.stderr.split("\n");
  const at = lines.findIndex((l) => l.startsWith("✖ "));
  expect(at, `no error line in stderr: ${r.stderr}`).toBeGreaterThanOrEqual(0);
  expect(lines[at]).toMatch(message);
  const hint = lines[at + 1] ?? "";
  expect(hint, `no hint after the error line in stderr: ${r.stderr}`).toMatch(/^ {2}\S/);
  expect(r.stderr).not.toMatch(/at .+\.js:\d+|SQLITE|TypeError|ReferenceError/);
}

/** Sorts strings by their UTF-8 bytes, the order the store promises for listings. */
export function utf8Sort(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
}

/** Runs async jobs with at most `limit` in flight, keeping results in order. */
export async function pool<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { onTestFinished } from "vitest";
import { ManualClock, type Clock } from "../../src/core/clock.js";
import type { Prompter } from "../../src/commands/context.js";
import { main } from "../../src/cli/run.js";
import { T0 } from "./engine.js";

export const BIN = resolve(import.meta.dirname, "../../bin/yourspace");

/** A fresh directory, removed when the current test finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "yourspace-test-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** stdout as UTF-8 text. */
  out: string;
}

export interface InProcessOptions {
  cwd: string;
  /** Text, or a stream the test feeds (and may never end). */
  stdin?: string | Buffer | Readable;
  /** Which streams claim to be terminals. */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  env?: Record<string, string | undefined>;
  clock?: Clock;
  prompter?: Prompter;
  interactive?: boolean;
  /** Stands for SIGINT/SIGTERM: abort it with the signal's name, as src/main.ts does. */
  signal?: AbortSignal;
  /** Sees every chunk written to stderr as it is written, before the command goes on (to act on a progress line, say). */
  onStderr?: (chunk: string) => void;
  /** Sees every chunk written to stdout as it is written (a server's ready line, say). */
  onStdout?: (chunk: string) => void;
}

/**
 * A working directory with a manual clock at T0: `run` runs the CLI there in process, `write` puts a
 * file there and answers its path.
 */
export function cliSession() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const run = (argv: string[], extra: Partial<InProcessOptions> = {}) => runCli(argv, { cwd, clock, ...extra });
  const write = (name: string, text: string) => {
    const path = join(cwd, name);
    writeFileSync(path, text);
    return path;
  };
  return { cwd, clock, run, write };
}

/** Runs the CLI in this process with captured streams: the same main() the binary runs. */
export async function runCli(argv: string[], options: InProcessOptions): Promise<RunResult> {
  const given = options.stdin;
  const stdin = Object.assign(given instanceof Readable ? given : Readable.from(given === undefined ? [] : [Buffer.from(given)]), {
    isTTY: options.tty?.stdin ?? false,
  });
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty?.stdout ?? false, columns: 120 });
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  // stderr is seen as it is written, synchronously, so a test can act between two steps of a command.
  const stderr = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        errChunks.push(chunk);
        options.onStderr?.(chunk.toString("utf8"));
        done();
      },
    }),
    { isTTY: options.tty?.stderr ?? false },
  );
  stdout.on("data", (c: Buffer) => {
    outChunks.push(c);
    options.onStdout?.(c.toString("utf8"));
  });
  const code = await main(
    argv,
    { stdin, stdout, stderr, env: { ...options.env }, cwd: options.cwd, signal: options.signal },
    { clock: options.clock, prompter: options.prompter, interactive: options.interactive },
  );
  const out = Buffer.concat(outChunks);
  return { code, stdout: out, out: out.toString("utf8"), stderr: Buffer.concat(errChunks).toString("utf8") };
}

export interface SpawnOptions {
  cwd: string;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  /** Another copy of the binary (bin/yourspace) to run. */
  bin?: string;
}

/** Spawns the built binary as a user would, with no terminal. */
export function runBin(argv: string[], options: SpawnOptions): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...argv], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", fail);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out);
      done({ code: code ?? -1, stdout, out: stdout.toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

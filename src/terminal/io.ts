import type { Readable } from "node:stream";
import { standardOutput, type OutputStream } from "./standard-output.js";

/** The process's streams and surroundings, passed in so tests can run the CLI in-process. */
export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted, with the signal's name as its reason, when the process is asked to stop (src/main.ts). */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): Io {
  return {
    // Made when a command first reads it: making it loads the stream classes for whatever stdin is
    // (a terminal, a pipe, a file), which most commands never need.
    get stdin() {
      return process.stdin;
    },
    stdout: standardOutput(1, () => process.stdout),
    stderr: standardOutput(2, () => process.stderr),
    env: process.env,
    cwd: process.cwd(),
    signal,
  };
}

/**
 * Writes and waits for the stream to accept more, so large outputs stream without piling up in memory.
 * It always resumes from the event loop, never straight from the write: a stream that writes
 * synchronously (stdout redirected to a file) defers its write callbacks to process.nextTick, and a
 * loop that only ever awaited resolved promises would hold every one of them, with its chunk, until
 * it ended.
 */
export function writeTo(stream: OutputStream, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(chunk, (err) => (err ? reject(err) : undefined));
    if (ok) setImmediate(resolve);
    else stream.once("drain", resolve);
  });
}

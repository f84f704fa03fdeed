import { describeThrown } from "../../../core/describe-thrown.js";
import { errors, KvError, type ErrorCode } from "../../../core/errors.js";

/**
 * From what size a file is checked and parsed in worker threads: where they pay for themselves. They
 * take a 5M-line file (3.7 GB) from 106 to 82–86 s of wall time; at 1M lines (107 MB) they saved
 * 1.3 of 14.6 s for 3 s more CPU and 163 MiB at the peak against 154. The tests lower it to run small
 * files through the threads.
 */
export const importThreads = { fromBytes: 256 * 1_048_576 };

/**
 * An import thread's heap. What it parses dies young, and a young generation of V8's default size
 * (tens of MiB) would be resident beside the main thread's: the peak RSS of the whole import counts.
 */
export const THREAD_HEAP = { maxYoungGenerationSizeMb: 3 };

/** An error thrown in an import thread, as its parts: the catalogue's, or the system's (a read that failed). */
export type Thrown =
  | { kv: true; code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> }
  | { kv: false; message: string; code?: string; errno?: number; syscall?: string; path?: string };

export function flatten(e: unknown): Thrown {
  if (e instanceof KvError) return { kv: true, code: e.code, message: e.message, hint: e.hint, details: e.details };
  const { code, errno, syscall, path } = e as NodeJS.ErrnoException;
  return { kv: false, message: e instanceof Error ? e.message : describeThrown(e), code, errno, syscall, path };
}

/** The error as the main thread would have had it had it read the file itself. */
export function revive(t: Thrown): Error {
  if (t.kv) return errors.relayed(t.code, t.message, t.hint, t.details);
  const e = new Error(t.message) as NodeJS.ErrnoException;
  if (t.code !== undefined) e.code = t.code;
  if (t.errno !== undefined) e.errno = t.errno;
  if (t.syscall !== undefined) e.syscall = t.syscall;
  if (t.path !== undefined) e.path = t.path;
  return e;
}

/** What ended a thread that was not asked to end: a bug, reported as one. */
export function threadEnded(name: string, why: string): KvError {
  return errors.internal(`The thread reading ${name} ended before the end of the file: ${why}.`);
}

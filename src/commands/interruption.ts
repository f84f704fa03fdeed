import type { Backend } from "../core/backend.js";
import { errors, KvError } from "../core/errors.js";
import { EXIT } from "../core/exit-codes.js";

/**
 * What SIGINT and SIGTERM do to a command. The process entry (src/main.ts) turns the first signal into
 * an aborted AbortSignal whose reason is the signal's name, and a second one into an exit at once.
 *
 * A long command (import, export, rm --prefix, ls --all, namespace rm, bind) says it stops between
 * its atomic steps: it checks the signal between them, finishes the step in flight, and fails with
 * INTERRUPTED saying what it did and what completes it. Every other command is short and is stopped
 * at once, as a process with no handler would be, but with a message and the same exit code.
 */
export type StopSignal = "SIGINT" | "SIGTERM";

/** The signal that asked the process to stop, or null while none has. */
export function stopSignal(signal: AbortSignal): StopSignal | null {
  if (!signal.aborted) return null;
  return signal.reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
}

/** 128 + the signal's number, as a shell reports a process that the signal ended. */
export function signalExitCode(by: StopSignal): number {
  return by === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
}

export function isInterruption(e: unknown): boolean {
  return e instanceof KvError && e.code === "INTERRUPTED";
}

/** Throws INTERRUPTED, with the command's own account of what it did, once a signal has arrived. */
export function throwIfStopped(signal: AbortSignal, account: (by: StopSignal) => KvError): void {
  const by = stopSignal(signal);
  if (by) throw account(by);
}

/** The error of a command stopped by a signal that gave no account of its own. */
export function stoppedAtOnce(by: StopSignal): KvError {
  return errors.interrupted(
    by,
    `Interrupted by ${by} before the command finished.`,
    "A change it was making when stopped may or may not have been applied: run the command again to be sure.",
  );
}

/**
 * The backend a command sees: a call made after a signal fails with INTERRUPTED before anything is
 * sent, so a command that goes on to its next step stops there even if it never checks the signal.
 * Calls already made finish: each one is atomic.
 */
export function guardBackend(backend: Backend, signal: AbortSignal): Backend {
  return new Proxy(backend, {
    get(target, property, receiver) {
      if (property === UNGUARDED) return target;
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) => {
        const by = stopSignal(signal);
        if (by) return STREAMS.has(property) ? stoppedEntries(by) : Promise.reject(stoppedAtOnce(by));
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        return STREAMS.has(property) ? pagesUntilStopped(result as AsyncIterable<unknown>, signal) : result;
      };
    },
  });
}

const UNGUARDED = Symbol("unguarded");
/** The calls that answer pages: they stop between two. */
const STREAMS = new Set<string | symbol>(["exportEntries", "exportLines"]);

/** The backend without the guard: for undoing a step whose effect must not be left half-done after a signal. */
export function unguarded(backend: Backend): Backend {
  return (backend as Backend & { [UNGUARDED]?: Backend })[UNGUARDED] ?? backend;
}

// biome-ignore lint/correctness/useYield: a stream method must return an iterable; this one fails on the first read, as a stopped stream does
async function* stoppedEntries(by: StopSignal): AsyncGenerator<never> {
  throw stoppedAtOnce(by);
}

/** An export stops between pages: the page being fetched is the step in flight. */
async function* pagesUntilStopped<T>(pages: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  for await (const page of pages) {
    yield page;
    const by = stopSignal(signal);
    if (by) throw stoppedAtOnce(by);
  }
}

/**
 * Runs a command to its end. A signal stops a command that does not stop between steps at once (the
 * promise rejects; the command's own work is abandoned, and the process exits); one that does is
 * waited for, and `stopping` says so on stderr.
 */
export function untilStopped(work: Promise<void>, signal: AbortSignal, stopsBetweenSteps: () => boolean, stopping: (by: StopSignal) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onSignal = () => {
      const by = stopSignal(signal)!;
      // Said once the command's own listeners have run: a progress line clears itself first.
      if (stopsBetweenSteps()) queueMicrotask(() => stopping(by));
      else {
        // What it was doing no longer matters; only its failure must not go unhandled.
        work.catch(() => {});
        reject(stoppedAtOnce(by));
      }
    };
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onSignal));
    if (signal.aborted) onSignal();
    else signal.addEventListener("abort", onSignal, { once: true });
  });
}

/** Said on stderr when a command that stops between steps gets a signal. */
export function stoppingNote(by: StopSignal): string {
  return `${by}: stopping after the step in progress (${by === "SIGINT" ? "press Ctrl-C again" : "send SIGTERM again"} to stop at once).`;
}

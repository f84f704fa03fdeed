import { processIo } from "./terminal/io.js";
import { signalExitCode, type StopSignal } from "./commands/interruption.js";
import { main } from "./cli/run.js";
import { CODE_CACHE_COMMAND, THREAD_ARGUMENT } from "./core/bundle-entry.js";
import { CHECKER_THREAD, PARSER_THREAD } from "./commands/kv/import/thread-kind.js";

if (process.argv[2] === THREAD_ARGUMENT) void startThread();
else if (process.argv[2] === CODE_CACHE_COMMAND) {
  void import("./cli/code-cache-warm-up.js")
    .then(({ warmCodeCache }) => warmCodeCache())
    .then((code) => {
      process.exitCode = code;
    });
} else runCommandLine();

function runCommandLine(): void {
  // The first SIGINT or SIGTERM asks the command to stop (src/commands/interruption.ts); a second one
  // stops the process at once.
  const stop = new AbortController();
  const io = processIo(stop.signal);
  // A reader that goes away (`yourspace kv ls | head -1`) is not an error. Any other failure of
  // stdout (a full disk behind a redirection) is reported by main(), as a catalogued error.
  io.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });

  const onSignal = (by: StopSignal) => {
    if (!stop.signal.aborted) return stop.abort(by);
    const json = process.argv.includes("--json");
    const message = `Stopped at once by a second ${by}; a step in progress may or may not have been applied.`;
    io.stderr.write(json ? `${JSON.stringify({ error: { code: "INTERRUPTED", message, hint: "Run the command again to finish it." } })}\n` : `✖ ${message}\n`);
    process.exit(signalExitCode(by));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  void main(process.argv.slice(2), io).then((code) => {
    // Once stopped, nothing the command left behind (a request in flight, stdin) holds the process.
    if (stop.signal.aborted) process.exit(code);
    process.exitCode = code;
  });
}

/** One of the worker threads this bundle starts (they are given THREAD_ARGUMENT), as its workerData says. */
async function startThread(): Promise<void> {
  const { isMainThread, workerData } = await import("node:worker_threads");
  // Typed at a shell, the argument is an unknown command, and the command line says so.
  if (isMainThread) return runCommandLine();
  const kind = (workerData as { kind?: string } | null)?.kind;
  // `kv import` parses the file in a thread while the main thread writes it,
  if (kind === PARSER_THREAD) return (await import("./commands/kv/import/parser-thread.js")).parseInThread();
  // and checks half of a large file in a thread while the main thread checks the other half.
  if (kind === CHECKER_THREAD) return (await import("./commands/kv/import/checker-thread.js")).checkPartInThread();
  // The other thread this bundle starts is `kv emulator start`'s server (src/server/server-thread.ts).
  return (await import("./server/server-thread.js")).serveInThread();
}

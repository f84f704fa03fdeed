import { isMainThread } from "node:worker_threads";
import { processIo } from "./cli/io.js";
import { main } from "./cli/run.js";

if (isMainThread) {
  // A reader that goes away (`yourspace kv ls | head -1`) is not an error. Any other failure of
  // stdout (a full disk behind a redirection) is reported by main(), as a catalogued error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });

  void main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
} else {
  // The only thread this bundle starts is `kv emulator start`'s server (src/api/server-thread.ts).
  void import("./api/server-thread.js").then((thread) => thread.serveInThread());
}

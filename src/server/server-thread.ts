import { setFlagsFromString } from "node:v8";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { apiErrors } from "../core/api-errors.js";
import { bundleEntry, THREAD_ARGUMENT } from "../core/bundle-entry.js";
import { describeThrown } from "../core/describe-thrown.js";
import { errors, KvError } from "../core/errors.js";
import { fromSystemError } from "../core/system-errors.js";
import { startFailure } from "./http/start-errors.js";

/**
 * `kv emulator start` serves the platform API from a worker thread, so that the server's V8 heap can
 * be set up for it. A server answering reads leaves almost nothing alive, and V8 then keeps its young
 * generation at the 1 MB it starts with, collecting every few hundred requests. The flag below sizes
 * it when the thread's heap is created, which cannot be done for the main thread once Node runs. A
 * GET then costs about 1.1 times the CPU of a bare node:http server's, against 1.3 times before
 * (docs/benchmarks.md, "Platform API server").
 */
const YOUNG_GENERATION_FLAG = "--min-semi-space-size=16";

export interface ServerThreadOptions {
  dataDir: string;
  host: string;
  port: number;
  site: string;
  /** A token of the user's choosing (global --token); otherwise one is made. */
  token?: string;
}

type FromThread =
  | { type: "upgrading" }
  | { type: "ready"; url: string; token: string }
  | { type: "refused"; code: KvError["code"]; message: string; hint: string | null };

export interface ServerThreadHooks {
  /** The thread's script; by default this bundle. */
  entry?: string;
  /** Called before the thread migrates a store an earlier version made (seconds at millions of keys). */
  onStoreUpgrade?: () => void;
}

export interface ServerThread {
  url: string;
  /** The token printed for the site. */
  token: string;
  /** Settles if the thread ends without being asked: it rejects with a KvError saying what ended it. */
  ended: Promise<never>;
  /** Lets requests in flight finish, writes everything out and ends the thread. */
  stop(): Promise<void>;
}

/** Starts the server in a worker thread running this same bundle (src/main.ts); resolves once it listens. */
export function startServerThread(options: ServerThreadOptions, { entry = bundleEntry(), onStoreUpgrade }: ServerThreadHooks = {}): Promise<ServerThread> {
  // Read when the worker's heap is created; the main thread's heap is already set up and keeps its size.
  setFlagsFromString(YOUNG_GENERATION_FLAG);
  let worker: Worker;
  try {
    worker = new Worker(entry, { workerData: options, argv: [THREAD_ARGUMENT], stdin: false });
  } catch (e) {
    return Promise.reject(startFailure(e, options.dataDir));
  }
  let stopping = false;
  let ready = false;
  // Whatever ends the thread reaches the main thread as a catalogue error: what crosses the thread's
  // boundary may be any value (an object thrown is a plain object here), never printed as such.
  const failed = (what: string) => apiErrors.serverEnded(ready, what);
  const ended = new Promise<never>((_, reject) => {
    worker.once("error", (e: unknown) => reject(e instanceof KvError ? e : failed(describeThrown(e))));
    // After an "error" event this changes nothing: the first rejection stands.
    worker.once("exit", (code) => {
      if (!stopping || code !== 0) reject(failed(`the server thread ended with exit code ${code}`));
    });
  });
  // Nobody may be listening yet; the rejection is still seen by whoever awaits `ended` later.
  ended.catch(() => {});
  return new Promise<ServerThread>((resolve, reject) => {
    ended.catch(reject);
    const answered = (m: FromThread) => {
      if (m.type === "upgrading") {
        onStoreUpgrade?.();
        return;
      }
      worker.off("message", answered);
      if (m.type === "refused") {
        stopping = true;
        reject(errors.relayed(m.code, m.message, m.hint ?? undefined));
        return;
      }
      ready = true;
      resolve({
        url: m.url,
        token: m.token,
        ended,
        stop: async () => {
          stopping = true;
          const exited = new Promise<number>((done) => worker.once("exit", done));
          worker.postMessage("stop");
          const code = await exited;
          if (code !== 0) await ended;
        },
      });
    };
    worker.on("message", answered);
  });
}

/** The worker's side: start the server, say where it listens, stop it when asked. */
export async function serveInThread(): Promise<void> {
  const data = workerData as ServerThreadOptions;
  const port = parentPort!;
  const { ApiServer } = await import("./server.js");
  let server: Awaited<ReturnType<typeof ApiServer.start>> | undefined;
  let token: string;
  try {
    const onStoreUpgrade = () => port.postMessage({ type: "upgrading" } satisfies FromThread);
    server = await ApiServer.start({ dataDir: data.dataDir, host: data.host, port: data.port, onStoreUpgrade });
    ({ token } = server.tokens.create({ site: data.site }, data.token));
  } catch (e) {
    await server?.stop().catch(() => {});
    // Every failure to start is a refusal the user can act on (a port in use, an address this machine
    // does not have, a data directory it cannot open, a full disk), passed on as the catalogue error it is.
    const refusal = e instanceof KvError ? e : (fromSystemError(e, { dataDir: data.dataDir }) ?? startFailure(e, data.dataDir));
    port.postMessage({ type: "refused", code: refusal.code, message: refusal.message, hint: refusal.hint ?? null } satisfies FromThread);
    port.close();
    return;
  }
  const running = server;
  port.once("message", () => {
    void running.stop().then(() => port.close());
  });
  port.postMessage({ type: "ready", url: running.url, token } satisfies FromThread);
}

import { fileURLToPath } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { describeThrown } from "../../../core/describe-thrown.js";
import { errors, KvError, type ErrorCode } from "../../../core/errors.js";
import { ImportSource } from "./import-source.js";
import { pack, unpack, type LineEntry, type PackedBatch, type Pending } from "./packed-batch.js";
import { PARSER_THREAD } from "./thread-kind.js";

/**
 * Batches handed over but not yet taken by the writer. It bounds the memory between the threads (a
 * batch is at most 1,000 entries) and keeps the parser a little ahead of the writer, never far.
 */
const WINDOW = 4;

interface ParserThreadData {
  kind: typeof PARSER_THREAD;
  path: string;
  name: string;
  size: number;
}

/** What crosses from the thread: any error is sent as its parts, the catalogue's or the system's. */
type Thrown = { kv: true; code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } | { kv: false; message: string; code?: string; errno?: number; syscall?: string; path?: string };
type FromParser = { type: "batch"; batch: PackedBatch } | { type: "done" } | { type: "failed"; error: Thrown } | { type: "ended"; why: string };

/** This bundle (dist/cli.cjs); run from source, as the tests run commands, the bundle built from it. */
function bundleEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? fileURLToPath(new URL("../../../../dist/cli.cjs", import.meta.url)) : here;
}

/**
 * The NDJSON file's valid entries in batches of `size`, in file order, parsed in a worker thread so
 * that the calling thread only writes. Stopping the iteration (a `break`) ends the thread.
 */
export async function* parsedInThread(path: string, name: string, size: number, entry = bundleEntry()): AsyncGenerator<Pending[]> {
  const data: ParserThreadData = { kind: PARSER_THREAD, path, name, size };
  const worker = new Worker(entry, { workerData: data, argv: [], stdin: false });
  const inbox: FromParser[] = [];
  let wake: (() => void) | undefined;
  const deliver = (m: FromParser) => {
    inbox.push(m);
    wake?.();
    wake = undefined;
  };
  worker.on("message", deliver);
  worker.on("error", (e: unknown) => deliver({ type: "ended", why: describeThrown(e) }));
  worker.on("exit", (code) => deliver({ type: "ended", why: `it exited with code ${code}` }));
  try {
    for (;;) {
      if (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = inbox.shift()!;
      if (m.type === "done") return;
      if (m.type === "failed") throw revive(m.error);
      if (m.type === "ended") throw errors.internal(`The thread reading ${name} ended before the end of the file: ${m.why}.`);
      // Taken: the parser may send one more.
      worker.postMessage(1);
      yield unpack(m.batch, name);
    }
  } finally {
    await worker.terminate();
  }
}

/** The thread's side (started by src/main.ts): reads and parses the file, a window of batches ahead. */
export async function parseInThread(): Promise<void> {
  const { path, name, size } = workerData as ParserThreadData;
  const port = parentPort!;
  let credit = WINDOW;
  let wake: (() => void) | undefined;
  port.on("message", () => {
    credit++;
    wake?.();
    wake = undefined;
  });
  const send = async (batch: LineEntry[]) => {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    const { packed, transfer } = pack(batch);
    port.postMessage({ type: "batch", batch: packed } satisfies FromParser, transfer);
  };
  try {
    let batch: LineEntry[] = [];
    for await (const item of ImportSource.opened(path, name).entries("ndjson")) {
      // Invalid entries were reported by the checking pass; one here means the file changed since,
      // which the writer finds by counting.
      if (!("entry" in item)) continue;
      batch.push({ entry: item.entry, line: item.line! });
      if (batch.length === size) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
    port.postMessage({ type: "done" } satisfies FromParser);
  } catch (e) {
    port.postMessage({ type: "failed", error: flatten(e) } satisfies FromParser);
  }
  // The writer ends the thread; until then it must not hold the process.
  port.unref();
}

function flatten(e: unknown): Thrown {
  if (e instanceof KvError) return { kv: true, code: e.code, message: e.message, hint: e.hint, details: e.details };
  const { code, errno, syscall, path } = e as NodeJS.ErrnoException;
  return { kv: false, message: e instanceof Error ? e.message : describeThrown(e), code, errno, syscall, path };
}

/** The error as the writing thread would have had it had it read the file itself. */
function revive(t: Thrown): Error {
  if (t.kv) return errors.relayed(t.code, t.message, t.hint, t.details);
  const e = new Error(t.message) as NodeJS.ErrnoException;
  if (t.code !== undefined) e.code = t.code;
  if (t.errno !== undefined) e.errno = t.errno;
  if (t.syscall !== undefined) e.syscall = t.syscall;
  if (t.path !== undefined) e.path = t.path;
  return e;
}

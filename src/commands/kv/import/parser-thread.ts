import { parentPort, Worker, workerData } from "node:worker_threads";
import { describeThrown } from "../../../core/describe-thrown.js";
import { ImportSource } from "./import-source.js";
import { pack, unpack, type LineEntry, type PackedBatch, type Pending } from "./packed-batch.js";
import { PARSER_THREAD } from "./thread-kind.js";
import { bundleEntry, THREAD_ARGUMENT } from "../../../core/bundle-entry.js";
import { flatten, revive, THREAD_HEAP, threadEnded, type Thrown } from "./thread-messages.js";

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

type FromParser = { type: "batch"; batch: PackedBatch } | { type: "done" } | { type: "failed"; error: Thrown } | { type: "ended"; why: string };

/**
 * The NDJSON file's valid entries in batches of `size`, in file order, parsed in a worker thread so
 * that the calling thread only writes. Stopping the iteration (a `break`) ends the thread.
 */
export async function* parsedInThread(path: string, name: string, size: number, entry = bundleEntry()): AsyncGenerator<Pending[]> {
  const data: ParserThreadData = { kind: PARSER_THREAD, path, name, size };
  const worker = new Worker(entry, { workerData: data, argv: [THREAD_ARGUMENT], stdin: false, resourceLimits: THREAD_HEAP });
  const inbox: FromParser[] = [];
  let wake: (() => void) | undefined;
  // The writer is woken in a turn of its own (setImmediate), never inside the message's callback: a
  // port delivers up to a thousand waiting messages in one callback, and a writer woken inside it
  // would write batch after batch there, with no turn of the event loop in which a signal is seen.
  const deliver = (m: FromParser) => {
    inbox.push(m);
    if (wake) setImmediate(wake);
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
      if (m.type === "ended") throw threadEnded(name, m.why);
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

import { open, stat } from "node:fs/promises";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { describeThrown } from "../../../core/describe-thrown.js";
import { KeyHashLog, type LoggedHashes } from "../../../core/key-hashes.js";
import { checkItems, type TargetTerms } from "./check-items.js";
import { ImportSource } from "./import-source.js";
import { CHECKER_THREAD } from "./thread-kind.js";
import { bundleEntry, THREAD_ARGUMENT } from "../../../core/bundle-entry.js";
import { flatten, importThreads, revive, THREAD_HEAP, threadEnded, type Thrown } from "./thread-messages.js";

/** How far past the middle a line's end is looked for (a line of the longest entry fits). */
const LOOK_BYTES = 4 * 1_048_576;

interface CheckerThreadData {
  kind: typeof CHECKER_THREAD;
  path: string;
  name: string;
  start: number;
  prefix: string;
  target: TargetTerms;
}

/** The second part's account: its problems only counted (any one sends the check back to one thread). */
interface PartChecked {
  total: number;
  totalBytes: number;
  problems: number;
  hashes: LoggedHashes;
}

type FromChecker = { type: "checked"; part: PartChecked } | { type: "failed"; error: Thrown };

/** Where the second half of the file starts: just after the first line end past its middle; none for a small file. */
export async function halfway(path: string, above = importThreads.fromBytes): Promise<number | undefined> {
  const { size } = await stat(path);
  if (size < above || size < 2) return undefined;
  const middle = Math.floor(size / 2);
  const handle = await open(path, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(LOOK_BYTES), 0, LOOK_BYTES, middle);
    // After a \n, a line has ended however it ended (\n, or the \n of \r\n).
    const lf = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return lf === -1 || middle + lf + 1 >= size ? undefined : middle + lf + 1;
  } finally {
    await handle.close();
  }
}

/** Checks the NDJSON file from `start` to its end in a worker thread; `stop` ends the thread. */
export function checkInThread(
  path: string,
  name: string,
  start: number,
  prefix: string,
  target: TargetTerms,
  entry = bundleEntry(),
): { result: Promise<PartChecked>; stop(): Promise<number> } {
  const data: CheckerThreadData = { kind: CHECKER_THREAD, path, name, start, prefix, target };
  const worker = new Worker(entry, { workerData: data, argv: [THREAD_ARGUMENT], stdin: false, resourceLimits: THREAD_HEAP });
  const result = new Promise<PartChecked>((resolve, reject) => {
    worker.once("message", (m: FromChecker) => (m.type === "checked" ? resolve(m.part) : reject(revive(m.error))));
    worker.once("error", (e: unknown) => reject(threadEnded(name, describeThrown(e))));
    worker.once("exit", (code) => reject(threadEnded(name, `it exited with code ${code}`)));
  });
  // Whoever stops early never awaits the result.
  result.catch(() => {});
  return { result, stop: () => worker.terminate() };
}

/** The thread's side (started by src/main.ts). */
export async function checkPartInThread(): Promise<void> {
  const { path, name, start, prefix, target } = workerData as CheckerThreadData;
  const port = parentPort!;
  try {
    const hashes = new KeyHashLog();
    const { total, totalBytes, problems } = await checkItems(ImportSource.opened(path, name).ndjson({ start }), prefix, target, hashes, undefined, () => {});
    const part: PartChecked = { total, totalBytes, problems: problems.length, hashes: hashes.take() };
    port.postMessage(
      { type: "checked", part } satisfies FromChecker,
      part.hashes.chunks.map((c) => c.buffer as ArrayBuffer),
    );
  } catch (e) {
    port.postMessage({ type: "failed", error: flatten(e) } satisfies FromChecker);
  }
}

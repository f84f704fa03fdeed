import { statSync } from "node:fs";
import type { Backend, BulkPutOptions } from "../../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../../core/bulk.js";
import { KvError } from "../../../core/errors.js";
import type { ImportFormat, ImportSource } from "./import-source.js";
import type { Pending } from "./packed-batch.js";
import { parsedInThread } from "./parser-thread.js";
import { importThreads } from "./thread-messages.js";

/**
 * The file's valid entries again, in batches of `size`. A large NDJSON file (standard input too: it
 * was copied to a file) is parsed in a worker thread, so that this thread only writes; smaller files
 * and the JSON forms are parsed here.
 */
export function readBatches(source: ImportSource, format: ImportFormat, size: number): AsyncGenerator<Pending[]> {
  return format === "ndjson" && statSync(source.path).size >= importThreads.fromBytes
    ? parsedInThread(source.path, source.name, size)
    : parsedHere(source, format, size);
}

/** The batches, parsed in this thread. */
export async function* parsedHere(source: ImportSource, format: ImportFormat, size: number): AsyncGenerator<Pending[]> {
  let batch: Pending[] = [];
  for await (const item of source.entries(format)) {
    if (!("entry" in item)) continue;
    batch.push({ entry: item.entry, where: item.where });
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Hands out the batches, at most `concurrency` in flight, outcomes recorded in file order. After a
 * batch fails (or a signal), no more are sent; every batch already sent is awaited and recorded, so
 * the account of what was written is whole; then the first failure is thrown.
 */
export async function writeBatches(
  batches: AsyncIterable<Pending[]>,
  concurrency: number,
  signal: AbortSignal | null,
  send: (batch: Pending[]) => Promise<BulkOutcome[]>,
  record: (batch: Pending[], outcomes: BulkOutcome[]) => Promise<void>,
): Promise<void> {
  let chain = Promise.resolve();
  let failure: { error: unknown } | undefined;
  let failed = false;
  const inFlight = new Set<Promise<void>>();
  const dispatch = async (batch: Pending[]) => {
    const outcomes = send(batch);
    outcomes.catch(() => (failed = true));
    // Outcomes are recorded in order even when batches finish out of order.
    const recorded = (chain = chain.then(async () => {
      try {
        await record(batch, await outcomes);
      } catch (e) {
        failed = true;
        failure ??= { error: e };
      }
    }));
    inFlight.add(recorded);
    void recorded.finally(() => inFlight.delete(recorded));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };
  const stop = () => failed || signal?.aborted === true;
  for await (const batch of batches) {
    if (stop()) break;
    await dispatch(batch);
  }
  await chain;
  if (failure) throw failure.error;
}

/**
 * One batch, retried a few times when the target is unavailable (a write is idempotent here: unchanged
 * entries are skipped). After that its entries are reported as failed, and the import goes on.
 */
export async function submit(backend: Backend, ns: string, batch: Pending[], options: BulkPutOptions): Promise<BulkOutcome[]> {
  const entries = batch.map((p) => p.entry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await backend.bulkPut(ns, entries, options);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      const transient = e.code === "UNAVAILABLE" || e.code === "REQUEST_TIMEOUT";
      if (transient && attempt < 3) continue;
      // Failures of the whole target (a missing namespace, a refused token) stop the import.
      if (!transient && e.code !== "QUOTA_EXCEEDED") throw e;
      return entries.map((entry) => ({ key: entry.key, outcome: "failed", error: { code: e.code, message: e.message } }));
    }
  }
}

export function footprintOf(entry: BulkEntry): number {
  return Buffer.byteLength(entry.key) + entry.value.length + (entry.metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(entry.metadata)));
}

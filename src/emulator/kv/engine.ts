import type {
  BulkPutOptions,
  DeleteOptions,
  DeleteResult,
  GetResult,
  IncrOptions,
  IncrResult,
  ListOptions,
  ListPage,
  NamespaceInfo,
  PutInput,
  PutOptions,
  ReadOptions,
  WriteResult,
} from "../../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../../core/bulk.js";
import { KvContext } from "./context.js";
import { planBulkPut, planDelete } from "./dry-run.js";
import { exportEntries, type ExportRow } from "./export.js";
import { exportText, type ExportTextPage } from "./export-text.js";
import { list } from "./list.js";
import { createNamespace, listNamespaces } from "./namespaces.js";
import { beginNamespaceRemoval, removeNamespaceStep } from "./namespace-removal.js";
import { get } from "./read.js";
import { deleteKeys, deletePrefixStep, incrOne, putBulk, putOne, type PrefixStep } from "./writes.js";

/**
 * The emulator's engine: the platform's semantics over one SQLite store, shared by every process
 * that opens the same data directory. Every write takes the store's write lock (BEGIN IMMEDIATE),
 * draws its version from home's counter and commits in the same transaction, so concurrent
 * processes never lose or duplicate a version. What each region sees is derived from the stored
 * versions, faults and clock (see regions/), never from timers.
 *
 * The engine holds what every operation shares (the store, the time, transactions, the cache of
 * home rows, recording); the operations are in this folder, one job to a file: reads (read.ts,
 * list.ts, export.ts), namespaces (namespaces.ts), and every write through one path (write.ts).
 */
export class Engine extends KvContext {
  get(site: string, namespace: string, key: string, options: ReadOptions = {}): GetResult {
    this.mode.ordinary();
    return get(this, site, namespace, key, options);
  }

  put(site: string, namespace: string, key: string, input: PutInput, options: PutOptions = {}): WriteResult {
    return putOne(this, site, namespace, key, input, options);
  }

  delete(site: string, namespace: string, keys: readonly string[], options: DeleteOptions): DeleteResult {
    // A dry run says what a delete would remove and what it would miss, and writes nothing.
    if (options.dryRun) return planDelete(this, site, namespace, keys, options);
    return deleteKeys(this, site, namespace, keys, options);
  }

  /**
   * Removes the next keys under a prefix, from `cursor` on (null: the first), each a tombstone as any
   * delete, looking at `limit` rows at most: one transaction, whose write lock is held about as long
   * as `limit` says (see range-delete.ts). Run again with the cursor it returns until that is null.
   */
  deletePrefixStep(
    site: string,
    namespace: string,
    prefix: string,
    options: { cursor: string | null; region?: string; limit: number; dryRun?: boolean },
  ): PrefixStep {
    this.mode.bulk();
    return deletePrefixStep(this, site, namespace, prefix, options);
  }

  /** Adds to the counter a key holds, at home (Backend.incr). */
  incr(site: string, namespace: string, key: string, options: IncrOptions = {}): IncrResult {
    return incrOne(this, site, namespace, key, options);
  }

  list(site: string, namespace: string, options: ListOptions): ListPage {
    this.mode.ordinary();
    return list(this, site, namespace, options);
  }

  /**
   * Writes a batch in one transaction, so a crash leaves whole batches only. An entry whose key already
   * holds the same value, metadata and expiry is left alone (not rewritten, no new version), so running
   * an import again changes nothing. A relative TTL counts as the same expiry when the stored version
   * has one. With `dryRun`, nothing is written and updates report what they would replace.
   */
  putMany(site: string, namespace: string, entries: readonly BulkEntry[], options: BulkPutOptions = {}): BulkOutcome[] {
    // A dry run reads every key of the batch once, as the writes would: bulk work either way (an
    // import's check of the tier's ceilings runs the whole file through it).
    this.mode.bulk();
    if (options.dryRun) return planBulkPut(this, site, namespace, entries, options);
    return putBulk(this, site, namespace, entries, options);
  }

  /** Every live entry under a prefix, in key order, a page at a time (each page one snapshot). */
  exportEntries(site: string, namespace: string, prefix: string, pageSize?: number): Generator<ExportRow[]> {
    return exportEntries(this, site, namespace, prefix, pageSize);
  }

  /** The same pages, each as the NDJSON an export writes where SQLite can write it exactly (export-text.ts). */
  exportText(site: string, namespace: string, prefix: string, pageSize?: number): Generator<ExportTextPage> {
    return exportText(this, site, namespace, prefix, pageSize);
  }

  createNamespace(site: string, name: string): NamespaceInfo {
    return createNamespace(this, site, name);
  }

  listNamespaces(site: string): NamespaceInfo[] {
    return listNamespaces(this, site);
  }

  /** Removes a namespace and its keys, step after step (see namespace-removal.ts). */
  removeNamespace(site: string, name: string): void {
    for (const id of this.beginNamespaceRemoval(site, name)) while (this.removeNamespaceStep(site, id) !== null);
  }

  /** Hides a namespace and returns the ids removeNamespaceStep() empties (see namespace-removal.ts). */
  beginNamespaceRemoval(site: string, name: string): number[] {
    return beginNamespaceRemoval(this, site, name);
  }

  /** Removes the next `keys` keys of a namespace being removed: how many, and how long it held the write lock; null once it is gone. */
  removeNamespaceStep(site: string, id: number, keys?: number): { removed: number; heldMs: number } | null {
    return removeNamespaceStep(this, site, id, keys);
  }
}

import { isUtf8 } from "node:buffer";
import { appendFileSync, closeSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { errors, KvError } from "../../core/errors.js";
import { isStoreFile } from "../../core/store-files.js";
import type { ModelParams } from "../regions/model.js";

/**
 * One operation in a recorded history (docs/history.md). Operations are instantaneous and `seq` is
 * their real-time order, so a checker can verify the guarantees in one pass.
 */
export interface HistoryOp {
  seq: number;
  /** Emulated time of the operation, epoch ms. */
  t: number;
  client: string;
  /** Who the operation was for: `local:<user>` (the CLI), `token:<id>` or `route:<pattern>` (the API). */
  actor?: string;
  region: string;
  f: "put" | "delete" | "incr" | "get" | "list" | "fault";
  key?: string;
  /** Written or read value as text (base64 with a "base64:" prefix when not UTF-8); null for none. */
  value?: string | null;
  consistency?: "strong" | "eventual";
  /** Reads that asked for their own cache TTL: what they asked for, ms. */
  cacheTtlMs?: number;
  /**
   * Cache profiles, eventual reads: the TTL the entry served was stored with (a cached entry), or is
   * stored with now (fetched from home), ms; null for "until invalidated".
   */
  cacheTtlUsedMs?: number | null;
  type: "ok" | "fail" | "info";
  /** The version written, or the version a read observed (null: none). */
  version?: number | null;
  expiresAt?: number | null;
  items?: HistoryItem[];
  /** `list`: the cursor the page was asked from (null: the first page), and the key it stands after. */
  cursor?: string | null;
  after?: string | null;
  /** `list`: the most keys the page could hold (what was asked, within the profile's most). */
  limit?: number;
  /** `list`: the cursor of the next page; null when the scan is complete. */
  nextCursor?: string | null;
  complete?: boolean;
  fault?: ControlOp;
  /** Namespace, for histories that span several. */
  ns?: string;
  servedFrom?: string;
  error?: string;
  /**
   * A conditional write: the version it expected home's live one to be (null: the key must be
   * absent). Present only on conditional writes, ok or failed.
   */
  expected?: number | null;
  /** A conditional write or an increment: home's live version of the key when it was decided (null: none). */
  current?: number | null;
  /** An increment: what it added, in decimal (its `value` is the counter's new value). */
  by?: string;
  /** A put of a batch of absent keys only, left alone because the key existed (recorded as a failed condition). */
  skipped?: boolean;
}

/**
 * An emulator control in a history (`f: "fault"`): a fault, settle, advance, a clock switch (with its
 * mode, and the offset real time resumed with) or a change of the model (with the new parameters).
 */
interface ControlOp {
  kind: "partition" | "heal" | "pause" | "resume" | "settle" | "advance" | "clock" | "config";
  region?: string;
  ms?: number;
  /** partition, heal, pause and resume: the edges whose link it acted on (the one named; a history written by an emulator that took home for every edge lists them all). */
  regions?: string[];
  mode?: "manual" | "real";
  offsetMs?: number;
  params?: ModelParams;
}

export interface HistoryItem {
  key: string;
  version: number;
  value: string | null;
  expiresAt: number | null;
}

export type OpInput = Omit<HistoryOp, "seq">;

export interface Recorder {
  record(op: OpInput, nextSeq: () => number): void;
}

export function historyValue(value: Buffer | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return isUtf8(value) ? value.toString("utf8") : `base64:${value.toString("base64")}`;
}

/**
 * Checks that operations can be appended to `path` (absolute), creating it if it does not exist:
 * its directory exists, it is not a directory, it can be opened for appending (whoever runs this,
 * root included), and it is not one of the store's own files in `dataDir`. Throws FILE_ERROR.
 */
export function checkHistoryFile(path: string, dataDir: string): void {
  const fail = (reason: string) => errors.file(path, reason);
  /** A system error's own words, without the trailing period errors.file adds. */
  const why = (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === undefined || e instanceof KvError) throw e;
    return (e as Error).message.replace(/\.$/, "");
  };
  const dir = dirname(path);
  let dirIsDirectory: boolean;
  try {
    dirIsDirectory = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw fail(`its directory ${dir} does not exist`);
    if (code === "ENOTDIR") throw fail(`part of ${dir} is not a directory`);
    throw fail(why(e));
  }
  if (!dirIsDirectory) throw fail(`${dir} is not a directory`);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fail(why(e));
  }
  if (existing?.isDirectory()) throw fail("it is a directory");
  if (dataDir !== ":memory:" && isStoreFile(path, dataDir)) throw errors.storeFileNamed(path, dataDir);
  try {
    closeSync(openSync(path, "a"));
  } catch (e) {
    throw fail(why(e));
  }
}

/** Appends to a JSONL file; called inside the operation's transaction, so file order is seq order. */
export class FileRecorder implements Recorder {
  constructor(private readonly path: string) {}
  record(op: OpInput, nextSeq: () => number): void {
    appendFileSync(this.path, `${JSON.stringify({ seq: nextSeq(), ...op })}\n`);
  }
}

/** Keeps the history in memory (tests). */
export class MemoryRecorder implements Recorder {
  readonly ops: HistoryOp[] = [];
  record(op: OpInput): void {
    this.ops.push({ seq: this.ops.length + 1, ...op });
  }
}

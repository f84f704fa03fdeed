import type { BulkEntry, BulkOutcome } from "./bulk.js";
import type { Condition } from "./condition.js";
import type { Tier } from "./tiers.js";
import type { Metadata } from "./validate.js";

/**
 * The interface every command is written against. The embedded emulator is one implementation;
 * the platform API client is another. No command knows which one it has.
 */
export interface Backend {
  readonly target: TargetInfo;
  get(ns: string, key: string, options?: ReadOptions): Promise<GetResult>;
  /** Writes one key; with `onlyIf`, only when home's state of the key meets it (else CONDITION_FAILED, nothing written). */
  put(ns: string, key: string, input: PutInput, options?: PutOptions): Promise<WriteResult>;
  /**
   * Removes keys atomically. Unless `force`, a missing key fails the whole call and nothing is removed.
   * `onlyIf` takes exactly one key (USAGE otherwise) and is decided at home like a put's.
   */
  delete(ns: string, keys: readonly string[], options: DeleteOptions): Promise<DeleteResult>;
  /**
   * Adds `by` (default 1) to the signed 64-bit decimal integer a key holds, at home, and answers the
   * new value; a missing key counts from 0. NOT_A_COUNTER when the value is anything else,
   * COUNTER_OVERFLOW when the sum leaves the range; either writes nothing.
   */
  incr(ns: string, key: string, options?: IncrOptions): Promise<IncrResult>;
  /**
   * One step of removing every key under a prefix: a bounded number of keys, in one transaction that
   * holds the write lock briefly, each removed as a delete removes it (a tombstone, metered, audited).
   * Run again with the cursor it answers until that is null; a step holds no lock past its answer.
   */
  deletePrefix(ns: string, prefix: string, options: PrefixDeleteOptions): Promise<PrefixDeleteStep>;
  list(ns: string, options: ListOptions): Promise<ListPage>;
  /**
   * Writes a batch atomically, skipping entries already stored as given; one outcome per entry.
   * `ifAbsent` leaves every key that exists at home alone (outcome "skipped"). An entry's own
   * `onlyIf` that fails fails the whole batch (CONDITION_FAILED, naming every failed key) and
   * nothing is written.
   */
  bulkPut(ns: string, entries: readonly BulkEntry[], options?: BulkPutOptions): Promise<BulkOutcome[]>;
  /** Every live entry under a prefix, in key order, page by page. */
  exportEntries(ns: string, options: { prefix: string }): AsyncIterable<ExportedEntry[]>;
  /** The same pages as NDJSON, the form `kv export` and the export route write (see ExportLines). */
  exportLines(ns: string, options: { prefix: string }): AsyncIterable<ExportLines>;
  /** The site's tier, what it stores and its meters for the current period. */
  usage(): Promise<UsageReport>;
  updateSite(change: SiteChange): Promise<SiteInfo>;
  listBindings(): Promise<Binding[]>;
  bind(binding: Omit<Binding, "createdAt">): Promise<Binding>;
  /** Removes a route's binding of a variable; resolves false when there was none. */
  unbind(route: string, variable: string): Promise<boolean>;
  audit(query: AuditQuery): Promise<AuditEntry[]>;
  createNamespace(name: string): Promise<NamespaceInfo>;
  listNamespaces(): Promise<NamespaceInfo[]>;
  /**
   * Removes a namespace and its keys. The embedded emulator removes them a few thousand at a time,
   * each step its own transaction, and tells `onProgress` how many each step removed.
   */
  removeNamespace(name: string, onProgress?: (removed: number) => void): Promise<void>;
  close(): Promise<void>;
}

export type Consistency = "strong" | "eventual";
export type ServedFrom = "home" | "replica" | "cache" | "origin";

export interface TargetInfo {
  kind: "embedded" | "remote";
  /** Where commands go, in words: printed on stderr by every command. */
  description: string;
  site: string;
}

interface WriteOptions {
  /** The region the write is issued in; it goes through to home. Default: home. */
  region?: string;
}

export interface PutOptions extends WriteOptions {
  onlyIf?: Condition;
}

export interface BulkPutOptions extends WriteOptions {
  dryRun?: boolean;
  /** Write only the keys that do not exist at home; the others are reported "skipped". */
  ifAbsent?: boolean;
}

export interface IncrOptions extends WriteOptions {
  /** A signed 64-bit integer other than 0 (core/int64.ts parseIncrement). Default 1. */
  by?: bigint;
  /**
   * Relative expiry in seconds, applied only when this increment creates the key (it was absent,
   * deleted or expired): a fixed window, as a rate limiter wants. Incrementing a live counter keeps
   * its expiry, whatever is given here.
   */
  ttlSeconds?: number;
}

export interface IncrResult extends WriteResult {
  /** The counter's new value, in decimal (a bigint does not survive JSON). */
  value: string;
}

export interface DeleteOptions extends WriteOptions {
  /** Remove the keys that exist and report the others as missing; without it, one missing key fails the whole delete. */
  force: boolean;
  /** Report what would be removed and what is missing, and remove nothing (a missing key is then not an error). */
  dryRun?: boolean;
  /** Remove only when home's state of the key meets it; only with exactly one key. */
  onlyIf?: Condition;
}

export interface PrefixDeleteOptions extends WriteOptions {
  cursor: string | null;
  /**
   * Make every check the step's removal makes (the namespace, the region's link to home, the token's
   * access) and remove nothing: the step answers the live keys it would remove, and the cursor on.
   */
  dryRun?: boolean;
}

export interface PrefixDeleteStep {
  /** Live keys this step removed. */
  removed: number;
  /** Where the next step starts; null once the prefix holds no key. */
  cursor: string | null;
}

export interface ReadOptions {
  /** The region that serves the read. Default: home. */
  region?: string;
  /** strong reads home; eventual reads what the region holds now. Default: strong. */
  consistency?: Consistency;
  /**
   * Cache profiles: how long the edge may serve its cached copy for this read, in ms (the profile's
   * TTL by default, never under its minimum). Replica profiles, the platform's own, have no cache.
   */
  cacheTtlMs?: number;
}

export interface PutInput {
  value: Uint8Array;
  /** Relative expiry in seconds; becomes an absolute time when the write commits. */
  ttlSeconds?: number;
  /** Absolute expiry, epoch milliseconds. */
  expiresAt?: number;
  metadata?: Metadata;
}

export interface WriteResult {
  /** The versionstamp the home region assigned: 20 hex digits, increasing in commit order. */
  version: string;
  region: string;
}

export interface DeleteResult {
  deleted: string[];
  missing: string[];
  version: string | null;
}

export interface Entry {
  key: string;
  value: Buffer;
  metadata: Metadata | null;
  /** Epoch milliseconds, or null for no expiry. */
  expiresAt: number | null;
  version: string;
}

/** How a read was served: which region, which version it saw, from where, and how stale. */
interface ReadInfo {
  region: string;
  /** The version the region served, even when it is a delete or has expired; null when it has none. */
  version: string | null;
  servedFrom: ServedFrom;
  /** Replicas: how long the served copy has been behind home (0 when current). Caches: age of the entry. */
  ageMs: number;
  /**
   * Replicas: whether home has a version the region lacks, even one committed this very moment (ageMs
   * is then 0). Home and strong reads: false. Caches cannot tell, and leave it out.
   */
  behind?: boolean;
}

export interface GetResult {
  /** Null when the key is absent, deleted or expired in the region that served the read. */
  entry: Entry | null;
  read: ReadInfo;
}

export interface ExportedEntry {
  key: string;
  value: Buffer;
  metadata: Metadata | null;
  expiresAt: number | null;
}

/**
 * A page of an export as NDJSON: for each entry, `JSON.stringify(toWireEntry(…))` and a newline,
 * as UTF-8 bytes or a string. The embedded emulator has SQLite write the bytes.
 */
export interface ExportLines {
  text: Buffer | string;
  count: number;
}

export interface KeyInfo {
  key: string;
  size: number;
  expiresAt: number | null;
  metadata: Metadata | null;
}

export interface ListOptions extends ReadOptions {
  prefix: string;
  cursor?: string | null;
  limit: number;
}

export interface ListPage {
  keys: KeyInfo[];
  /** Opaque; null when the listing is complete. */
  cursor: string | null;
}

export interface NamespaceInfo {
  name: string;
  createdAt: number;
  keys: number;
}

export interface SiteInfo {
  site: string;
  tier: Tier;
  auditRetentionDays: number;
}

export interface SiteChange {
  tier?: Tier;
  auditRetentionDays?: number;
}

export interface UsageReport extends SiteInfo {
  /** The target's time when it answered, ISO 8601: what the expiries of writes are measured against. */
  now: string;
  /** The billing period: a calendar month, UTC ("2027-01"). */
  period: string;
  reads: number;
  writes: number;
  /** Value bytes served to reads outside the home region. */
  egressBytes: number;
  storage: { keys: number; bytes: number; gbHours: number };
  ceilings: { keys: number | null; bytes: number | null; maxValueBytes: number };
}

/** A route's function reaching a namespace, as `variable` in its code. */
export interface Binding {
  route: string;
  variable: string;
  namespace: string;
  access: "read-only" | "read-write";
  createdAt: number;
}

export interface AuditQuery {
  key?: string;
  actor?: string;
  /** Only records from this far back, ms, measured on the target's clock. */
  withinMs?: number;
  /** Only records from this time on, epoch ms. */
  since?: number;
  limit?: number;
}

export interface AuditEntry {
  t: number;
  actor: string;
  /** `control`: the emulator's clock or faults changed through its API (namespace "": the whole emulator). */
  action: "read" | "list" | "write" | "delete" | "incr" | "control";
  namespace: string;
  key: string | null;
  region: string;
  outcome: string;
  /** How many operations this record stands for: identical reads in one flush of the log are one record, timed at the first. */
  count: number;
}

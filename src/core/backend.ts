import type { Metadata } from "./validate.js";

/**
 * The interface every command is written against. The embedded emulator is one implementation;
 * the platform API client is another. No command knows which one it has.
 */
export interface Backend {
  readonly target: TargetInfo;
  get(ns: string, key: string): Promise<Entry | null>;
  put(ns: string, key: string, input: PutInput): Promise<WriteResult>;
  /** Removes keys atomically. Unless `force`, a missing key fails the whole call and nothing is removed. */
  delete(ns: string, keys: readonly string[], options: { force: boolean }): Promise<DeleteResult>;
  list(ns: string, options: ListOptions): Promise<ListPage>;
  createNamespace(name: string): Promise<NamespaceInfo>;
  listNamespaces(): Promise<NamespaceInfo[]>;
  removeNamespace(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface TargetInfo {
  kind: "embedded" | "remote";
  /** Where commands go, in words: printed on stderr by every command. */
  description: string;
  site: string;
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

export interface KeyInfo {
  key: string;
  size: number;
  expiresAt: number | null;
  metadata: Metadata | null;
}

export interface ListOptions {
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

import type { ServedFrom } from "../core/backend.js";
import type { Condition } from "../core/condition.js";

/**
 * What the host offers the SDK: every KV operation by binding variable, never by namespace. The host
 * knows which route is running from the request's scope, which a function cannot reach or forge,
 * and refuses what that route's bindings do not allow. The SDK only converts values.
 */
export interface KvPort {
  get(variable: string, key: string, options: PortReadOptions): PortRead;
  put(variable: string, key: string, value: Uint8Array, options: PortWriteOptions): void;
  delete(variable: string, key: string, options: { onlyIf?: Condition }): void;
  /** Adds to the counter at home; its new value in decimal (a signed 64-bit integer). */
  incr(variable: string, key: string, options: PortIncrOptions): string;
  list(variable: string, options: { prefix: string; limit: number; cursor: string | null }): PortListPage;
}

export interface PortReadOptions {
  consistency: "strong" | "eventual";
  /** Seconds, as Cloudflare's cacheTtl; cache profiles only. */
  cacheTtl?: number;
}

export interface PortRead {
  value: Uint8Array | null;
  /** The metadata as stored, or null. */
  metadata: unknown;
  /** The version served, or null when the key is absent, deleted or expired there. */
  version: string | null;
  region: string;
  servedFrom: ServedFrom;
  ageMs: number;
}

export interface PortWriteOptions {
  /** Absolute expiry, epoch seconds. */
  expiration?: number;
  /** Relative expiry, seconds. */
  expirationTtl?: number;
  metadata?: unknown;
  /** Write only when home's state of the key meets it (core/condition.ts). */
  onlyIf?: Condition;
}

export interface PortIncrOptions {
  /** A signed 64-bit integer other than 0. */
  by: bigint;
  /** Relative expiry, seconds, set only when the increment creates the counter. */
  expirationTtl?: number;
}

export interface PortListPage {
  keys: { name: string; expiration?: number; metadata?: unknown }[];
  cursor: string | null;
}

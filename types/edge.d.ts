/**
 * Types of "yourspace:edge", the module an edge function imports under `yourspace dev` and on the
 * platform. Add them to a project with `"types": ["yourspace/edge"]` in tsconfig.json (or
 * `/// <reference types="yourspace/edge" />`), then type a handler so an editor completes `kv.`,
 * `req.` and `ctx.`:
 *
 *   import { kv, type Handler } from "yourspace:edge";
 *   const handler: Handler = async (req, ctx) => { … };
 *   export default handler;
 */
declare module "yourspace:edge" {
  /** How a read answers a value. */
  export type ValueType = "text" | "json" | "arrayBuffer" | "stream";

  export interface ReadOptions<T extends ValueType = ValueType> {
    type?: T;
    /** Cache profiles: how long, in seconds, the edge may serve its cached copy. */
    cacheTtl?: number;
    /** "eventual" (the default) reads what the request's region holds now; "strong" reads home. */
    consistency?: "strong" | "eventual";
  }

  type TextRead = "text" | ReadOptions<"text">;
  type JsonRead = "json" | (ReadOptions<"json"> & { type: "json" });
  type BufferRead = "arrayBuffer" | (ReadOptions<"arrayBuffer"> & { type: "arrayBuffer" });
  type StreamRead = "stream" | (ReadOptions<"stream"> & { type: "stream" });

  /** How a read was served: the region, the version it saw (null: none there), from where, and how far behind. */
  export interface ValueWithMetadata<V, M> {
    value: V | null;
    metadata: M | null;
    version: string | null;
    region: string;
    servedFrom: "home" | "replica" | "cache" | "origin";
    ageMs: number;
  }

  export interface PutOptions {
    /** Absolute expiry, epoch seconds (compared in whole seconds). */
    expiration?: number;
    /** Relative expiry, seconds (at least 60). */
    expirationTtl?: number;
    /** A JSON object of at most 1 KiB, returned by getWithMetadata and list; null, as undefined, is none. */
    metadata?: unknown;
    /** Write only if home's live version of the key is this one; `{ version: null }`: only if the key does not exist. */
    onlyIf?: { version: string | null };
  }

  export interface DeleteOptions {
    /** Remove the key only if home's live version of it is this one. */
    onlyIf?: { version: string };
  }

  export interface IncrOptions<By extends number | bigint = number | bigint> {
    /** A whole number other than 0 (default 1); a number within ±(2^53 − 1), a bigint for the full signed 64-bit range. */
    by?: By;
    /** Relative expiry, seconds (at least 60), set only when this increment creates the counter. */
    expirationTtl?: number;
  }

  export interface ListOptions {
    /** null, as undefined, lists every key (Cloudflare's types allow it). */
    prefix?: string | null;
    /** 1 to 1000; default 1000. */
    limit?: number;
    cursor?: string | null;
  }

  export interface ListResult<M = unknown> {
    keys: { name: string; expiration?: number; metadata?: M }[];
    list_complete: boolean;
    /** EdgeOne's name for list_complete. */
    complete: boolean;
    /** Present while the listing is not complete: pass it to the next list(). */
    cursor?: string;
  }

  /** A KV binding: the route's default `kv`, or one of `ctx.env`. Every method rejects with EdgeKvError. */
  export interface KvBinding {
    get(key: string, type?: TextRead): Promise<string | null>;
    get<T = unknown>(key: string, type: JsonRead): Promise<T | null>;
    get(key: string, type: BufferRead): Promise<ArrayBuffer | null>;
    get(key: string, type: StreamRead): Promise<ReadableStream | null>;
    /** Up to 100 keys at once; a missing key maps to null. */
    get(keys: string[], type?: TextRead): Promise<Map<string, string | null>>;
    get<T = unknown>(keys: string[], type: JsonRead): Promise<Map<string, T | null>>;
    getWithMetadata<M = unknown>(key: string, type?: TextRead): Promise<ValueWithMetadata<string, M>>;
    getWithMetadata<T = unknown, M = unknown>(key: string, type: JsonRead): Promise<ValueWithMetadata<T, M>>;
    getWithMetadata<M = unknown>(key: string, type: BufferRead): Promise<ValueWithMetadata<ArrayBuffer, M>>;
    getWithMetadata<M = unknown>(key: string, type: StreamRead): Promise<ValueWithMetadata<ReadableStream, M>>;
    /** CONDITION_FAILED when onlyIf does not hold at home; nothing is written then. */
    put(key: string, value: string | ArrayBuffer | ArrayBufferView | ReadableStream, options?: PutOptions): Promise<void>;
    /** CONDITION_FAILED when onlyIf does not hold at home; nothing is removed then. */
    delete(key: string, options?: DeleteOptions): Promise<void>;
    /**
     * Adds `by` to the counter at home and answers the new value: a number, or a bigint beyond
     * ±(2^53 − 1) where a number would be rounded; always a bigint when `by` is one.
     */
    incr(key: string, options: IncrOptions<bigint> & { by: bigint }): Promise<bigint>;
    incr(key: string, options?: IncrOptions<number>): Promise<number | bigint>;
    list<M = unknown>(options?: ListOptions): Promise<ListResult<M>>;
  }

  /** The route's default binding: the site's default namespace, as the route block's "kv" allows. */
  export const kv: KvBinding;

  /** A code of the error catalogue (docs/errors.md); those below are the ones a function meets most. */
  export type ErrorCode =
    | "PERMISSION_DENIED"
    | "UNAVAILABLE"
    | "INVALID_KEY"
    | "VALUE_TOO_LARGE"
    | "INVALID_METADATA"
    | "INVALID_EXPIRY"
    | "INVALID_LIMIT"
    | "INVALID_CURSOR"
    | "NAMESPACE_NOT_FOUND"
    | "QUOTA_EXCEEDED"
    | "CONDITION_FAILED"
    | "NOT_A_COUNTER"
    | "COUNTER_OVERFLOW"
    | "USAGE"
    | (string & {});

  /** What every KV operation rejects with. */
  export class EdgeKvError extends Error {
    readonly name: "EdgeKvError";
    readonly code: ErrorCode;
    /** What to do about it. */
    readonly hint: string | null;
    /** What the API's error body carries for this code (docs/errors.md), or null. */
    readonly details: Readonly<Record<string, unknown>> | null;
    /**
     * CONDITION_FAILED, NOT_A_COUNTER, COUNTER_OVERFLOW: the key's live version at home when the write
     * was refused (null: none), for a retry's onlyIf. Undefined for other codes.
     */
    readonly version: string | null | undefined;
  }

  /** The request a handler gets: a standard Request whose url is a URL. */
  export interface EdgeRequest extends Omit<Request, "url" | "clone"> {
    readonly url: URL;
    clone(): Request;
  }

  export interface EdgeContext<Env = Record<string, KvBinding>> {
    /** The next matching route, then a static file, then the origin, else a 404. */
    next(): Promise<Response>;
    redirect(location: string | URL, status?: 301 | 302 | 303 | 307 | 308): Response;
    /** The region serving this request. */
    region: string;
    /** The route's named bindings, by variable. */
    env: Env;
    /** Keeps work going after the answer is sent. */
    waitUntil(promise: Promise<unknown>): void;
  }

  export type Handler<Env = Record<string, KvBinding>> = (req: EdgeRequest, ctx: EdgeContext<Env>) => Response | Promise<Response>;
}

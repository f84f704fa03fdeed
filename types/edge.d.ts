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
    /** A JSON object of at most 1 KiB, returned by getWithMetadata and list. */
    metadata?: unknown;
  }

  export interface ListOptions {
    prefix?: string;
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
    put(key: string, value: string | ArrayBuffer | ArrayBufferView | ReadableStream, options?: PutOptions): Promise<void>;
    delete(key: string): Promise<void>;
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
    | "USAGE"
    | (string & {});

  /** What every KV operation rejects with. */
  export class EdgeKvError extends Error {
    readonly name: "EdgeKvError";
    readonly code: ErrorCode;
    /** What to do about it. */
    readonly hint: string | null;
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

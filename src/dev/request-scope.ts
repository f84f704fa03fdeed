import { AsyncLocalStorage } from "node:async_hooks";
import type { ServedFrom } from "../core/backend.js";
import type { DevRoute } from "./project-routes.js";

/** One KV operation a request's functions did, for its log line and its x-yourspace-kv header. */
export interface KvOp {
  op: "get" | "put" | "delete" | "incr" | "list";
  /** The binding's variable ("default" is the SDK's kv). */
  binding: string;
  key: string;
  /** The error code, when the operation failed. */
  error?: string;
  /** Reads only. */
  servedFrom?: ServedFrom;
  /** Reads only: the version served, or null when the key is absent, deleted or expired there. */
  version?: string | null;
  /** Reads: whether home has a newer version than the one served; undefined where that cannot be told (an edge cache). */
  stale?: boolean;
  ageMs?: number;
}

/** What one request shares across the routes it runs through (ctx.next()). */
export interface RequestRecord {
  region: string;
  ops: KvOp[];
  /**
   * Set once the request's log line is out: told of each operation made after that (work given to
   * ctx.waitUntil, a timer), which the line could not show.
   */
  afterLogged?: (op: KvOp) => void;
}

/** The running function's route and its request: held by the host, never handed to a function. */
export interface Scope {
  route: DevRoute;
  request: RequestRecord;
}

const scopes = new AsyncLocalStorage<Scope>();

/** Runs a route's function with its scope: every KV call it makes, however late, sees this route. */
export function inScope<T>(scope: Scope, run: () => T): T {
  return scopes.run(scope, run);
}

/** The running function's scope; undefined outside any request (a call from module top level, or a timer set at load). */
export function currentScope(): Scope | undefined {
  return scopes.getStore();
}

import { createBinding, type KvBinding } from "./binding.js";
import { EdgeKvError } from "./edge-error.js";
import type { KvPort } from "./protocol.js";

/** The variable of a route's default binding: the SDK's `kv`. */
export const DEFAULT_VARIABLE = "default";

/**
 * The module a function imports as "yourspace:edge": one per runtime, shared by every route. Its
 * `kv` is whichever default binding the running route has, as the host's port decides per request.
 */
export function edgeModule(port: KvPort): { kv: KvBinding; EdgeKvError: typeof EdgeKvError } {
  return Object.freeze({ kv: createBinding(port, DEFAULT_VARIABLE), EdgeKvError });
}

export { createBinding, EdgeKvError };
export type { KvBinding };
export type { KvPort, PortRead, PortListPage, PortWriteOptions, PortReadOptions, PortIncrOptions } from "./protocol.js";

import { createRequire } from "node:module";
import { HEADERS, MEDIA } from "../contract/index.js";

/** The headers of a request with a JSON body. */
export const JSON_BODY = { [HEADERS.contentType]: MEDIA.json };

let crypto: typeof import("node:crypto") | undefined;

/**
 * The header that makes a write safe to retry: the API does it once per key. node:crypto, which
 * makes the key, is loaded by the first write: a command that only reads never needs it.
 */
export const once = () => {
  crypto ??= createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  return { [HEADERS.idempotencyKey]: crypto.randomUUID() };
};

import { randomUUID } from "node:crypto";
import { HEADERS, MEDIA } from "../contract/index.js";

/** The headers of a request with a JSON body. */
export const JSON_BODY = { [HEADERS.contentType]: MEDIA.json };

/** The header that makes a write safe to retry: the API does it once per key. */
export const once = () => ({ [HEADERS.idempotencyKey]: randomUUID() });

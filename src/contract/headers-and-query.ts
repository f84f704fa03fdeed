/**
 * The names a request or an answer carries besides its path: headers, and the query parameters each
 * endpoint takes.
 */
import { inputErrors } from "../core/input-errors.js";
import type { Endpoint } from "./routes.js";

/** Every header the API reads or writes, by name (lower case, as Node gives them). */
export const HEADERS = {
  /** The version a write created or a read served: 20 hex digits. */
  version: "x-yourspace-version",
  /** Absolute expiry of the value served, ISO 8601. */
  expiresAt: "x-yourspace-expires-at",
  /** Metadata of a value: compact JSON, base64url-encoded so any character survives a header. */
  metadata: "x-yourspace-metadata",
  region: "x-yourspace-region",
  servedFrom: "x-yourspace-served-from",
  ageMs: "x-yourspace-age-ms",
  /**
   * A value's PUT and DELETE: write only if home's latest version of the key is this one, sent as an
   * entity tag (`"<version>"`); a failed condition answers 412 and writes nothing. PRECONDITIONS
   * says which endpoints take it.
   */
  ifMatch: "if-match",
  /** A value's PUT: `*` writes only if the key is absent at home (never written, deleted or expired). */
  ifNoneMatch: "if-none-match",
  /** Writes: a client-chosen id that makes a retried request return the first attempt's result. */
  idempotencyKey: "idempotency-key",
  requestId: "x-request-id",
  // The standard headers the API gives a meaning to.
  authorization: "authorization",
  contentType: "content-type",
  contentLength: "content-length",
  transferEncoding: "transfer-encoding",
  host: "host",
  expect: "expect",
  allow: "allow",
  connection: "connection",
  retryAfter: "retry-after",
  location: "location",
  userAgent: "user-agent",
} as const;

/** The one scheme of the Authorization header the API takes: `Bearer <token>`. */
export const AUTH_SCHEME = "Bearer";

/** The media types of bodies, sent and answered. */
export const MEDIA = {
  json: "application/json",
  jsonAnswer: "application/json; charset=utf-8",
  value: "application/octet-stream",
  export: "application/x-ndjson",
} as const;

/** Every query parameter of the API, by name; PARAMS says which endpoint takes which. */
export const QUERY = {
  region: "region",
  consistency: "consistency",
  /** Reads: how long an edge may serve its cached copy, seconds (the emulator's cache profiles). */
  cacheTtl: "cache_ttl",
  ttl: "ttl",
  expiresAt: "expires_at",
  prefix: "prefix",
  cursor: "cursor",
  limit: "limit",
  force: "force",
  /** The audit log: records of this key, of this actor, from this time on (epoch ms), from the last this many ms. */
  key: "key",
  actor: "actor",
  since: "since",
  withinMs: "within_ms",
  /** A binding to remove. */
  route: "route",
  variable: "variable",
} as const;

export type QueryName = (typeof QUERY)[keyof typeof QUERY];

/**
 * The query parameters each endpoint takes. Any other parameter is refused (`400` `USAGE`): a
 * misspelt filter must not widen what a request reads or removes.
 */
export const PARAMS: Record<Endpoint, readonly QueryName[]> = {
  "GET whoami": [],
  "GET namespaces": [],
  "POST namespaces": [],
  "DELETE namespace": [],
  "GET keys": [QUERY.prefix, QUERY.cursor, QUERY.limit, QUERY.region, QUERY.consistency],
  "GET value": [QUERY.region, QUERY.consistency, QUERY.cacheTtl],
  "PUT value": [QUERY.ttl, QUERY.expiresAt, QUERY.region],
  "DELETE value": [QUERY.force, QUERY.region],
  "POST bulkPut": [QUERY.region],
  "POST counter": [QUERY.region],
  "POST bulkDelete": [QUERY.region],
  "POST deletePrefix": [QUERY.region],
  "GET export": [QUERY.prefix],
  "GET site": [],
  "PATCH site": [],
  "GET bindings": [],
  "PUT bindings": [],
  "DELETE bindings": [QUERY.route, QUERY.variable],
  "GET usage": [],
  "GET audit": [QUERY.key, QUERY.actor, QUERY.since, QUERY.withinMs, QUERY.limit],
  "GET regions": [],
  "GET emulator": [],
  "POST emulatorClock": [],
  "POST emulatorAdvance": [],
  "POST emulatorSettle": [],
  "POST emulatorFaults": [],
};

/**
 * Whether each endpoint takes a precondition (`If-Match`, `If-None-Match`). One that does not refuses
 * a request carrying either (`400` `BAD_HEADER`) and does nothing, rather than ignore it: a dropped
 * condition would turn a compare-and-set into a blind write.
 */
export const PRECONDITIONS: Record<Endpoint, boolean> = {
  "GET whoami": false,
  "GET namespaces": false,
  "POST namespaces": false,
  "DELETE namespace": false,
  "GET keys": false,
  "GET value": false,
  "PUT value": true,
  "DELETE value": true,
  "POST bulkPut": false,
  "POST counter": false,
  "POST bulkDelete": false,
  "POST deletePrefix": false,
  "GET export": false,
  "GET site": false,
  "PATCH site": false,
  "GET bindings": false,
  "PUT bindings": false,
  "DELETE bindings": false,
  "GET usage": false,
  "GET audit": false,
  "GET regions": false,
  "GET emulator": false,
  "POST emulatorClock": false,
  "POST emulatorAdvance": false,
  "POST emulatorSettle": false,
  "POST emulatorFaults": false,
};

export function encodeMetadataHeader(metadata: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(metadata), "utf8").toString("base64url");
}

/** The header's JSON; bytes that are not UTF-8 are refused, not read as U+FFFD. */
export function decodeMetadataHeader(text: string): unknown {
  let json: string;
  try {
    // Fatal: bytes that are not UTF-8 throw. A byte order mark is kept, for JSON.parse to refuse as before.
    json = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Buffer.from(text, "base64url"));
  } catch {
    throw inputErrors.metadataNotUnicode("the header's bytes are not UTF-8");
  }
  return JSON.parse(json);
}

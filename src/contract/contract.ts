/**
 * The platform API contract, in one place: routes, headers, limits and error codes. The HTTP client
 * (client.ts) and the emulator's server (server.ts) both import this module, so they cannot disagree.
 * docs/api.md describes the same contract for people.
 */
import type { WireEntry } from "../core/bulk.js";
import type { ErrorCode } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";

export const API_VERSION = "v1";

/** Route patterns (find-my-way syntax) and builders for the client. */
export const ROUTES = {
  whoami: "/v1/whoami",
  namespaces: "/v1/sites/:site/namespaces",
  namespace: "/v1/sites/:site/namespaces/:ns",
  keys: "/v1/sites/:site/namespaces/:ns/keys",
  value: "/v1/sites/:site/namespaces/:ns/values/*",
  bulkPut: "/v1/sites/:site/namespaces/:ns/bulk/put",
  bulkDelete: "/v1/sites/:site/namespaces/:ns/bulk/delete",
  export: "/v1/sites/:site/namespaces/:ns/export",
  site: "/v1/sites/:site",
  bindings: "/v1/sites/:site/bindings",
  usage: "/v1/sites/:site/usage",
  audit: "/v1/sites/:site/audit",
} as const;

const seg = encodeURIComponent;
/** Keys may hold any character, '/' included; each is percent-encoded into the last path segment. */
export const paths = {
  whoami: () => ROUTES.whoami,
  namespaces: (site: string) => `/v1/sites/${seg(site)}/namespaces`,
  namespace: (site: string, ns: string) => `/v1/sites/${seg(site)}/namespaces/${seg(ns)}`,
  keys: (site: string, ns: string) => `/v1/sites/${seg(site)}/namespaces/${seg(ns)}/keys`,
  value: (site: string, ns: string, key: string) => `/v1/sites/${seg(site)}/namespaces/${seg(ns)}/values/${seg(key)}`,
  bulkPut: (site: string, ns: string) => `/v1/sites/${seg(site)}/namespaces/${seg(ns)}/bulk/put`,
  bulkDelete: (site: string, ns: string) => `/v1/sites/${seg(site)}/namespaces/${seg(ns)}/bulk/delete`,
  export: (site: string, ns: string) => `/v1/sites/${seg(site)}/namespaces/${seg(ns)}/export`,
  site: (site: string) => `/v1/sites/${seg(site)}`,
  bindings: (site: string) => `/v1/sites/${seg(site)}/bindings`,
  usage: (site: string) => `/v1/sites/${seg(site)}/usage`,
  audit: (site: string) => `/v1/sites/${seg(site)}/audit`,
};

/** Request and response headers beyond the standard ones. */
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
  /** Writes: a client-chosen id that makes a retried request return the first attempt's result. */
  idempotencyKey: "idempotency-key",
  requestId: "x-request-id",
} as const;

/** Every query parameter of the API, by name; PARAMS says which route takes which. */
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

type RouteName = keyof typeof ROUTES;
type QueryName = (typeof QUERY)[keyof typeof QUERY];

/** Every method of every route the API serves: the server serves exactly these, the others answer 405 or 404. */
export const ENDPOINTS = {
  whoami: ["GET"],
  namespaces: ["GET", "POST"],
  namespace: ["DELETE"],
  keys: ["GET"],
  value: ["GET", "PUT", "DELETE"],
  bulkPut: ["POST"],
  bulkDelete: ["POST"],
  export: ["GET"],
  site: ["GET", "PATCH"],
  bindings: ["GET", "PUT", "DELETE"],
  usage: ["GET"],
  audit: ["GET"],
} as const satisfies Record<RouteName, readonly ("GET" | "PUT" | "POST" | "PATCH" | "DELETE")[]>;

export type Endpoint = { [R in RouteName]: `${(typeof ENDPOINTS)[R][number]} ${R}` }[RouteName];

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
  "POST bulkDelete": [QUERY.region],
  "GET export": [QUERY.prefix],
  "GET site": [],
  "PATCH site": [],
  "GET bindings": [],
  "PUT bindings": [],
  "DELETE bindings": [QUERY.route, QUERY.variable],
  "GET usage": [],
  "GET audit": [QUERY.key, QUERY.actor, QUERY.since, QUERY.withinMs, QUERY.limit],
};

/** What a field of a JSON request body holds. `integer`: a safe integer; `strings`: an array of strings. */
export type FieldKind = "string" | "boolean" | "integer" | "strings" | "array";

/** A JSON request body: its fields (any other is refused), and how errors show its shape. */
export interface BodyShape {
  fields: Record<string, { kind: FieldKind; required?: true }>;
  example: string;
}

/** The JSON body of each endpoint that takes one. */
export const BODIES = {
  "POST namespaces": { fields: { name: { kind: "string", required: true } }, example: '{"name": "<namespace>"}' },
  "POST bulkDelete": { fields: { keys: { kind: "strings", required: true }, force: { kind: "boolean" }, dryRun: { kind: "boolean" } }, example: '{"keys": ["…"], "force": false, "dryRun": false}' },
  "POST bulkPut": { fields: { entries: { kind: "array", required: true }, dryRun: { kind: "boolean" } }, example: '{"entries": [{"key", "value", …}], "dryRun": false}' },
  "PATCH site": { fields: { tier: { kind: "string" }, auditRetentionDays: { kind: "integer" } }, example: '{"tier": "<tier>", "auditRetentionDays": <days>}' },
  "PUT bindings": {
    fields: { route: { kind: "string", required: true }, variable: { kind: "string", required: true }, namespace: { kind: "string", required: true }, access: { kind: "string", required: true } },
    example: '{"route", "variable", "namespace", "access": "read-only" | "read-write"}',
  },
} as const satisfies Partial<Record<Endpoint, BodyShape>>;

export const API_LIMITS = {
  ...LIMITS,
  /** A PUT body: one value. */
  maxValueBody: LIMITS.maxValueBytes,
  /** A JSON body (namespace creation, bulk delete). */
  maxJsonBody: 1_048_576,
  /**
   * A bulk write: at most this many entries and this many bytes per request. Sized so that one
   * request holds the store (and the server's event loop) for tens of milliseconds, not the better
   * part of a second, while other sites wait (docs/benchmarks.md, "Platform API server: bulk writes").
   * A body of one entry with the largest value (1 MiB, base64) still fits.
   */
  maxBulkEntries: LIMITS.maxBulkEntries,
  maxBulkBody: 2 * 1_048_576,
  /**
   * Request headers, all of them: a token (1 KiB at most), metadata (about 1.4 KiB base64url) and
   * the rest fit with room to spare; the parser holds no more than this per connection.
   */
  maxHeaderBytes: 8_192,
  /** An Idempotency-Key: a UUID is 36 characters. */
  maxIdempotencyKey: 255,
  /** The server gives up on a client that sends its request more slowly than this. */
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
} as const;

/** HTTP status for every error code in the catalogue (src/core/errors.ts). */
export const STATUS: Record<ErrorCode, number> = {
  USAGE: 400,
  INVALID_KEY: 400,
  VALUE_TOO_LARGE: 413,
  INVALID_METADATA: 400,
  INVALID_EXPIRY: 400,
  INVALID_LIMIT: 400,
  INVALID_CURSOR: 400,
  INVALID_NAMESPACE: 400,
  CONFIRMATION_REQUIRED: 400,
  FILE_ERROR: 400,
  BINARY_VALUE: 400,
  KEY_NOT_FOUND: 404,
  NAMESPACE_NOT_FOUND: 404,
  NAMESPACE_EXISTS: 409,
  NAMESPACE_PROTECTED: 409,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
  QUOTA_EXCEEDED: 507,
  DATA_DIR_UNUSABLE: 503,
  STORE_READ_ONLY: 503,
  STORE_CORRUPT: 503,
  DISK_FULL: 507,
  IO_ERROR: 503,
  RESOURCE_LIMIT: 503,
  CANCELLED: 400,
  // A client's own condition, never sent by the server.
  INTERRUPTED: 503,
  INTERNAL: 500,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  MALFORMED_BODY: 400,
  BAD_HEADER: 400,
  REQUEST_TIMEOUT: 408,
  NOT_IMPLEMENTED: 501,
  IDEMPOTENCY_KEY_REUSED: 422,
  PARTIALLY_APPLIED: 409,
  NOT_PLATFORM_API: 502,
};

/** Every error response body. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint: string | null;
}

/** Wire shapes. Times are ISO 8601 strings; versions are 20-hex-digit strings. */
export interface WireKey {
  key: string;
  size: number;
  expiresAt: string | null;
  metadata: Record<string, unknown> | null;
}

export interface WireListPage {
  keys: WireKey[];
  cursor: string | null;
  complete: boolean;
}

export interface WireNamespace {
  name: string;
  createdAt: string;
  keys: number;
}

export interface WireWrite {
  version: string;
  region: string;
}

export interface WireDelete {
  deleted: string[];
  missing: string[];
  version: string | null;
}

/** One result of a bulk write; `old` (dry runs) is the stored entry an update would replace. */
export interface WireOutcome {
  key: string;
  outcome: "created" | "updated" | "unchanged" | "failed";
  version?: string;
  error?: { code: string; message: string };
  old?: WireEntry;
}

export interface WireWhoami {
  site: string;
  token: { id: string; kind: "site" | "scoped" | "route"; access: "read-only" | "read-write"; namespaces: string[] | null; expiresAt: string | null; route: string | null };
  /** A route token's grant: its route's bindings as they stand now (null for other kinds). */
  bindings: { variable: string; namespace: string; access: "read-only" | "read-write" }[] | null;
}

export function encodeMetadataHeader(metadata: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(metadata), "utf8").toString("base64url");
}

export function decodeMetadataHeader(text: string): unknown {
  return JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
}

export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const msOrNull = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

import { LIMITS } from "../core/limits.js";

/** What the API takes in one request, and how long it waits for one. */
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

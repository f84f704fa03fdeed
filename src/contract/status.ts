import type { ErrorCode } from "../core/errors.js";

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
  CONDITION_FAILED: 412,
  NOT_A_COUNTER: 409,
  COUNTER_OVERFLOW: 409,
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
  NOT_AN_EMULATOR: 404,
  MISDIRECTED_REQUEST: 421,
  INVALID_ROUTE: 400,
  FUNCTION_ERROR: 500,
};

/** Every error response body; `details`, for the errors that have them, says what a program needs beyond the message (a failed condition's current version). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint: string | null;
  details?: Record<string, unknown>;
}

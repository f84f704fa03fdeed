import type { ErrorCode } from "../core/errors.js";

/**
 * What every KV operation of the SDK rejects with: a code from the one catalogue the CLI and the API
 * share (docs/errors.md), the message, and what to do about it.
 */
export class EdgeKvError extends Error {
  override readonly name = "EdgeKvError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string | null,
  ) {
    super(message);
  }
}

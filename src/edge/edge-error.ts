import type { ErrorCode } from "../core/errors.js";

/**
 * What every KV operation of the SDK rejects with: a code from the one catalogue the CLI and the API
 * share (docs/errors.md), the message, what to do about it, and the catalogue's details.
 */
export class EdgeKvError extends Error {
  override readonly name = "EdgeKvError";
  /**
   * For CONDITION_FAILED, NOT_A_COUNTER and COUNTER_OVERFLOW: the key's live version at home when the
   * write was refused (null: it has none), so that code can read again and retry with
   * `onlyIf: { version }`. Undefined for every other code.
   */
  readonly version: string | null | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string | null,
    /** As the API's error body has them (docs/errors.md): for NOT_A_COUNTER the value's type and first characters. */
    readonly details: Readonly<Record<string, unknown>> | null = null,
  ) {
    super(message);
    this.version = homeVersionOf(code, details);
  }
}

function homeVersionOf(code: ErrorCode, details: Readonly<Record<string, unknown>> | null): string | null | undefined {
  if (details === null) return undefined;
  // A failed condition names home's version "current"; a refused increment names it "version".
  const field = code === "CONDITION_FAILED" ? "current" : code === "NOT_A_COUNTER" || code === "COUNTER_OVERFLOW" ? "version" : undefined;
  if (field === undefined) return undefined;
  const version = details[field];
  return typeof version === "string" ? version : null;
}

import { inputErrors } from "../../core/input-errors.js";

/**
 * List cursors are opaque to clients: base64url of `{p: prefix, k: lastKey}`. Binding the cursor to its
 * prefix lets a mismatched `--cursor` fail clearly instead of returning a wrong page.
 */
export function encodeCursor(prefix: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ p: prefix, k: lastKey }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, prefix: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw inputErrors.cursorInvalid();
  }
  const { p, k } = (parsed ?? {}) as { p?: unknown; k?: unknown };
  if (p !== prefix || typeof k !== "string" || !k.startsWith(prefix)) throw inputErrors.cursorInvalid();
  return k;
}

/**
 * The smallest byte string above every key that starts with `prefix`. Valid UTF-8 never contains
 * the byte 0xFF, so appending it bounds the range without carrying.
 */
export function prefixUpperBound(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, Buffer.from([0xff])]);
}

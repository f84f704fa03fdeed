import { inputErrors } from "../../core/input-errors.js";

/** What a cursor continues: a listing of keys, or a removal of the keys under a prefix, step by step. */
type CursorKind = "list" | "deletePrefix";

/** What a cursor belongs to: the walk it continues, in which namespace, under which prefix. */
export interface CursorScope {
  kind: CursorKind;
  namespace: string;
  prefix: string;
}

/**
 * Cursors are opaque to clients: base64url of `{r: kind, n: namespace, p: prefix, k: lastKey}`.
 * Binding a cursor to what it continues lets a mismatched one fail clearly instead of returning a
 * wrong page, or, given to a removal, removing keys from a place nobody asked for.
 */
export function encodeCursor({ kind, namespace, prefix }: CursorScope, lastKey: string): string {
  return Buffer.from(JSON.stringify({ r: kind, n: namespace, p: prefix, k: lastKey }), "utf8").toString("base64url");
}

/** The key a cursor stands after, if it is one `scope` answered; INVALID_CURSOR otherwise. */
export function decodeCursor(cursor: string, { kind, namespace, prefix }: CursorScope): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw inputErrors.cursorInvalid();
  }
  const { r, n, p, k } = (parsed ?? {}) as { r?: unknown; n?: unknown; p?: unknown; k?: unknown };
  if (p !== prefix || typeof k !== "string" || !k.startsWith(prefix)) throw inputErrors.cursorInvalid();
  if (r === undefined && n === undefined) {
    // A cursor made before cursors said what they continue ({p, k}): a listing still takes one (a
    // client part way through its pages, a page cached in an edge), a removal does not, since a
    // listing's looked the same. A removal started again without a cursor removes the same keys.
    if (kind !== "list") throw inputErrors.cursorInvalid();
    return k;
  }
  if (r !== kind || n !== namespace) throw inputErrors.cursorInvalid();
  return k;
}

/**
 * The smallest byte string above every key that starts with `prefix`. Valid UTF-8 never contains
 * the byte 0xFF, so appending it bounds the range without carrying.
 */
export function prefixUpperBound(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, Buffer.from([0xff])]);
}

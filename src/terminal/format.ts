import { isUtf8 } from "node:buffer";

/** Small formatters for people. Machine output never goes through these. */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Expiry relative to now, for tables: "in 6d", "in 59s"; an ISO time would not fit a column. */
export function formatExpiry(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return "never";
  const s = Math.max(0, Math.round((expiresAt - now) / 1000));
  if (s < 120) return `in ${s}s`;
  if (s < 7200) return `in ${Math.round(s / 60)}m`;
  if (s < 172_800) return `in ${Math.round(s / 3600)}h`;
  return `in ${Math.round(s / 86_400)}d`;
}

/** An ISO time for JSON, or null. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * The start of a text, at most `width` characters, for a table cell or a one-line summary. Its
 * whitespace is kept: the table (or JSON) escapes a newline or a tab, so "x\ny" never looks like
 * "x y".
 */
export function summarize(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, Math.max(1, width - 1)).join("")}…`;
}

/**
 * Why a value is not text that may be printed on a terminal as it is, or null when it is: it must be
 * UTF-8, and hold no control characters but tab, newline and a carriage return that ends a line
 * (CRLF text); an escape, a lone carriage return or a C1 control would drive the terminal instead.
 */
export function terminalUnsafe(value: Uint8Array): "not UTF-8" | "control characters" | null {
  if (!isUtf8(value)) return "not UTF-8";
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (b < 0x20 ? b !== 0x09 && b !== 0x0a && !(b === 0x0d && value[i + 1] === 0x0a) : b === 0x7f) return "control characters";
    // U+0080..U+009F, the C1 controls, are C2 80..C2 9F in UTF-8.
    if (b === 0xc2 && value[i + 1]! >= 0x80 && value[i + 1]! <= 0x9f) return "control characters";
  }
  return null;
}

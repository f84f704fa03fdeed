/** Numbers, sizes, times, keys and JSON as the page shows them. */
import { keyLine, safeJson } from "../../core/escape.js";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A duration as its two largest units: "2 h 5 min", "45 s", "120 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
  ];
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    } else if (parts.length) break;
  }
  return parts.join(" ");
}

/** Time left until an expiry, on the target's clock. */
export function countdown(expiresAt: string | null, now: number): string {
  if (expiresAt === null) return "never";
  const left = Date.parse(expiresAt) - now;
  return left <= 0 ? "expired" : `in ${formatDuration(left)}`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1500", "1.5s", "2m", "1h" as milliseconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$/.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "ms"]!);
}

/**
 * A key (or a part of one) as the page shows it: itself when it is plain, else as a JSON string whose
 * escapes show every character that would hide or reorder text ("a\nb", "admin\u200b", "x\u202eyz"),
 * as the CLI prints it: two keys that differ never look alike.
 */
export const shownKey = keyLine;

/** A JSON value on one line, cut to `max` characters, with no character that hides or reorders text (safeJson). */
export function shortJson(value: unknown, max = 60): string {
  const text = safeJson(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

import { inputErrors } from "./input-errors.js";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const UNIT_NAMES = { ms: "milliseconds", s: "seconds", m: "minutes", h: "hours", d: "days", w: "weeks" } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/;

/**
 * Parses `90s`, `10m`, `12h`, `7d`, `2w`, `300ms` or a plain number, which means `defaultUnit`.
 * Returns milliseconds. Strict on purpose: `10 minutes` or `1h30m` are rejected rather than guessed.
 */
export function parseDuration(text: string, option: string, defaultUnit: keyof typeof UNIT_MS = "s"): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw inputErrors.durationInvalid(option, text, UNIT_NAMES[defaultUnit]);
  const unit = (match[2] ?? defaultUnit) as keyof typeof UNIT_MS;
  // In exact decimal arithmetic: 1.1s is 1100 ms, where 1.1 * 1000 in floating point is not a whole number.
  const [whole, fraction = ""] = match[1]!.split(".");
  const scaled = BigInt(whole! + fraction) * BigInt(UNIT_MS[unit]);
  const denominator = 10n ** BigInt(fraction.length);
  // Time is kept in whole milliseconds: a finer duration would be rounded without a word.
  if (scaled % denominator !== 0n) throw inputErrors.durationTooFine(option, text);
  const ms = Number(scaled / denominator);
  if (!Number.isSafeInteger(ms)) throw inputErrors.durationInvalid(option, text, UNIT_NAMES[defaultUnit]);
  return ms;
}

/**
 * Parses a time to live (`--ttl`) as parseDuration does, in seconds and not rounded: the write keeps
 * expiries in whole milliseconds and rounds them once, up (core/validate.ts).
 */
export function parseTtlSeconds(text: string, option: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw inputErrors.durationInvalid(option, text, UNIT_NAMES.s);
  const seconds = (Number(match[1]) * UNIT_MS[(match[2] ?? "s") as keyof typeof UNIT_MS]) / 1000;
  if (!Number.isFinite(seconds)) throw inputErrors.durationInvalid(option, text, UNIT_NAMES.s);
  return seconds;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses `--expires-at`: an ISO 8601 date or time, or epoch seconds. Returns epoch milliseconds, which may hold a fraction.
 * Strict, because Date.parse accepts trailing junk and rolls impossible dates over (Feb 30 → Mar 2).
 */
export function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  // Not rounded here: the write rounds an expiry once, up to a whole millisecond (core/validate.ts).
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const m = ISO.exec(trimmed);
  if (!m) throw inputErrors.expiryInvalid(text);
  const [, y, mo, d, h = "0", mi = "0", sec = "0"] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  const check = new Date(Date.UTC(...fields));
  const valid =
    check.getUTCFullYear() === fields[0] &&
    check.getUTCMonth() === fields[1] &&
    check.getUTCDate() === fields[2] &&
    fields[3] < 24 &&
    fields[4] < 60 &&
    fields[5] < 60;
  // A time without an offset is read as UTC, so the result does not depend on the machine's zone.
  const ms = Date.parse(m[7] || m[4] === undefined ? trimmed : `${trimmed}Z`);
  if (!valid || Number.isNaN(ms)) throw inputErrors.expiryInvalid(text);
  return ms;
}

/** A short human form of a duration in milliseconds: `45s`, `12m`, `3h`, `9d`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${ms}ms`;
  if (abs < 60_000) return `${Math.round(ms / 1_000)}s`;
  if (abs < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (abs < 86_400_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.round(ms / 86_400_000)}d`;
}

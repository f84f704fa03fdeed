import { errors } from "./errors.js";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/;

/**
 * Parses `90s`, `10m`, `12h`, `7d`, `2w`, `300ms` or a plain number, which means `defaultUnit`.
 * Returns milliseconds. Strict on purpose: `10 minutes` or `1h30m` are rejected rather than guessed.
 */
export function parseDuration(text: string, option: string, defaultUnit: keyof typeof UNIT_MS = "s"): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw errors.durationInvalid(option, text);
  const amount = Number(match[1]);
  const unit = (match[2] ?? defaultUnit) as keyof typeof UNIT_MS;
  const ms = Math.round(amount * UNIT_MS[unit]);
  if (!Number.isSafeInteger(ms)) throw errors.durationInvalid(option, text);
  return ms;
}

/** Parses `--expires-at`: an ISO 8601 time or epoch seconds. Returns epoch milliseconds. */
export function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Date.parse accepts many loose forms; require something that starts like an ISO date.
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) throw errors.expiryInvalid(text);
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw errors.expiryInvalid(text);
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

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

export function summarize(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(1, width - 1))}…`;
}

import type { Entry } from "../../core/backend.js";
import type { Metadata } from "../../core/validate.js";
import type { Row } from "../store/rows.js";

/** Versions are rendered as 20 hex digits, so they sort as strings in commit order. */
export const formatVersion = (v: number): string => v.toString(16).padStart(20, "0");

export function toEntry(key: string, row: Row, version = formatVersion(row.version)): Entry {
  return { key, value: row.value ?? Buffer.alloc(0), metadata: parseStoredMetadata(row.metadata), expiresAt: row.expires_at, version };
}

export function parseStoredMetadata(text: string | null): Metadata | null {
  return text === null ? null : (JSON.parse(text) as Metadata);
}

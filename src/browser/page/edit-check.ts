/** An edit, checked before it is sent: JSON that parses, metadata that is an object within the limit, an expiry the platform takes. */
import { LIMITS } from "../../core/limits.js";
import { encodeUtf8 } from "./bytes.js";
import type { WriteOptions } from "./kv-api.js";

export interface Draft {
  mode: "text" | "json";
  text: string;
  expiry: "none" | "ttl" | "at";
  ttl: string;
  at: string;
  metadata: string;
}

type Checked =
  | { ok: true; bytes: Uint8Array; metadata: Record<string, unknown> | null; expiry: WriteOptions["expiry"]; problems: Record<string, never> }
  | { ok: false; problems: Partial<Record<keyof Draft, string>> };

export function checkEdit(draft: Draft, file: Uint8Array | null, now: number): Checked {
  const problems: Partial<Record<keyof Draft, string>> = {};
  let bytes = file;
  if (!bytes) {
    if (draft.mode === "json") {
      try {
        JSON.parse(draft.text);
      } catch (e) {
        problems.text = `This is not valid JSON: ${(e as Error).message}`;
      }
    }
    bytes = encodeUtf8(draft.text);
  }
  if (bytes.length > LIMITS.maxValueBytes) problems.text = `The value is ${bytes.length} bytes; the limit is ${LIMITS.maxValueBytes} bytes (1 MiB).`;

  let metadata: Record<string, unknown> | null = null;
  if (draft.metadata.trim()) {
    try {
      const parsed: unknown = JSON.parse(draft.metadata);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) problems.metadata = "Metadata must be a JSON object.";
      else if (encodeUtf8(JSON.stringify(parsed)).length > LIMITS.maxMetadataBytes)
        problems.metadata = `Metadata takes at most ${LIMITS.maxMetadataBytes} bytes as JSON.`;
      else metadata = parsed as Record<string, unknown>;
    } catch (e) {
      problems.metadata = `The metadata is not valid JSON: ${(e as Error).message}`;
    }
  }

  let expiry: WriteOptions["expiry"] = null;
  if (draft.expiry === "ttl") {
    const seconds = Number(draft.ttl);
    if (!Number.isInteger(seconds) || seconds < LIMITS.minTtlSeconds) problems.expiry = `The time to live is whole seconds, at least ${LIMITS.minTtlSeconds}.`;
    else expiry = { ttlSeconds: seconds };
  } else if (draft.expiry === "at") {
    const at = Date.parse(draft.at);
    if (Number.isNaN(at)) problems.expiry = "The expiry time is not a time: write it as 2030-01-01T00:00:00Z.";
    else if (at < now + LIMITS.minTtlSeconds * 1000)
      problems.expiry = `The expiry time must be at least ${LIMITS.minTtlSeconds} seconds after the target's time now.`;
    else expiry = { expiresAt: Math.floor(at / 1000) };
  }
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, bytes, metadata, expiry, problems: {} };
}

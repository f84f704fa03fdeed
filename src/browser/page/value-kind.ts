/** How a value is best shown: an image when its metadata says so, JSON, text, or binary. */
import { decodeUtf8 } from "./bytes.js";

export type Shown = { kind: "image"; type: string } | { kind: "json"; text: string; value: unknown } | { kind: "text"; text: string } | { kind: "binary" };

/** The media type the metadata gives (`contentType`, `content_type` or `mimeType`). */
function metadataType(metadata: Record<string, unknown> | null): string | null {
  for (const name of ["contentType", "content_type", "mimeType"]) {
    const value = metadata?.[name];
    if (typeof value === "string") return value.toLowerCase();
  }
  return null;
}

export function shownAs(bytes: Uint8Array, metadata: Record<string, unknown> | null): Shown {
  const type = metadataType(metadata);
  if (type?.startsWith("image/")) return { kind: "image", type };
  const text = decodeUtf8(bytes);
  if (text === null) return { kind: "binary" };
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[") || type === "application/json") {
    try {
      return { kind: "json", text, value: JSON.parse(text) };
    } catch {
      return { kind: "text", text };
    }
  }
  return { kind: "text", text };
}

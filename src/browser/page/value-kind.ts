/** How a value is best shown: an image when its metadata says so, JSON, text, or binary. */
import { decodeUtf8 } from "./bytes.js";

export type Shown = { kind: "image"; type: string } | { kind: "json"; text: string; value: unknown } | { kind: "text"; text: string } | { kind: "binary" };

/**
 * An SVG image is a document that may hold scripts: drawn in an <img> they never run, but the image
 * opened in a tab of its own runs them, with the origin of its address (value-view.tsx shows it from a data: URL).
 */
export const SVG_TYPE = "image/svg+xml";

/** The media type the metadata gives (`contentType`, `content_type` or `mimeType`), without its parameters. */
function metadataType(metadata: Record<string, unknown> | null): string | null {
  for (const name of ["contentType", "content_type", "mimeType"]) {
    const value = metadata?.[name];
    if (typeof value === "string") return value.split(";")[0]!.trim().toLowerCase();
  }
  return null;
}

/**
 * The image types the page shows as images: those browsers draw and nothing more. A document of any
 * other type a browser might run (HTML, XML) never comes of a value's bytes, whatever its metadata says.
 */
const IMAGE_TYPES = new Set([
  "image/png",
  "image/apng",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  SVG_TYPE,
]);

export function shownAs(bytes: Uint8Array, metadata: Record<string, unknown> | null): Shown {
  const type = metadataType(metadata);
  if (type !== null && IMAGE_TYPES.has(type)) return { kind: "image", type };
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

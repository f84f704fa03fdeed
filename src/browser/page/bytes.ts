/** Bytes and their text forms in the browser, where there is no Buffer. */

const utf8 = new TextEncoder();

export const encodeUtf8 = (text: string): Uint8Array => utf8.encode(text);

/** The bytes as UTF-8 text, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** JSON as the metadata header carries it: compact, UTF-8, base64url. */
export const metadataHeader = (metadata: Record<string, unknown>): string =>
  base64(encodeUtf8(JSON.stringify(metadata)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

export function parseMetadataHeader(text: string): Record<string, unknown> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(decodeUtf8(Uint8Array.from(binary, (c) => c.charCodeAt(0))) ?? "null") as Record<string, unknown>;
}

/** Lines of 16 bytes: offset, bytes in hex, and the printable ASCII ones. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

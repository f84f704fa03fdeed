/**
 * An import file in the CLI's formats, read whole in the browser: NDJSON (one entry per line), a JSON
 * array of entries, or a flat JSON object of keys to values. Entries go to the API as they are; it
 * checks each one, so a bad entry fails alone.
 */
import { API_LIMITS } from "../../contract/limits.js";

const ENTRY_START = /^\{\s*"(key|value|base64|expiration|expiration_ttl|metadata)"\s*:/;

/** The entries of a file's text; throws a SyntaxError naming the line that is not JSON. */
export function parseImport(text: string): unknown[] {
  const body = text.replace(/^\uFEFF/, "").trim();
  if (body === "") return [];
  if (body.startsWith("[")) {
    const parsed: unknown = JSON.parse(body);
    return parsed as unknown[];
  }
  if (!body.startsWith("{")) throw new SyntaxError("The file is not NDJSON, a JSON array or a JSON object.");
  const firstLine = body.split("\n", 1)[0]!;
  if (ENTRY_START.test(body) || isEntry(firstLine)) {
    return body
      .split("\n")
      .map((line, i) => [line.trim(), i + 1] as const)
      .filter(([line]) => line !== "")
      .map(([line, number]) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (e) {
          throw new SyntaxError(`Line ${number} is not valid JSON: ${(e as Error).message}`, { cause: e });
        }
      });
  }
  // A flat object: each key's value, strings as they are and anything else as its JSON text.
  const flat = JSON.parse(body) as Record<string, unknown>;
  return Object.entries(flat).map(([key, value]) => ({ key, value: typeof value === "string" ? value : JSON.stringify(value) }));
}

function isEntry(line: string): boolean {
  try {
    const first = JSON.parse(line) as Record<string, unknown>;
    return typeof first.key === "string" && "value" in first;
  } catch {
    return false;
  }
}

/** Requests' worth of entries: at most the API's entries and bytes per bulk write each. */
export function batches(entries: unknown[]): unknown[][] {
  const out: unknown[][] = [];
  let batch: unknown[] = [];
  let bytes = 0;
  // Room for the body's own JSON around the entries.
  const budget = API_LIMITS.maxBulkBody - 1024;
  for (const entry of entries) {
    const size = new TextEncoder().encode(JSON.stringify(entry)).length + 1;
    if (batch.length && (batch.length === API_LIMITS.maxBulkEntries || bytes + size > budget)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length) out.push(batch);
  return out;
}

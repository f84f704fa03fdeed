import { isUtf8 } from "node:buffer";
import type { ExportedEntry, ExportLines } from "./backend.js";
import { toWireEntry } from "./bulk.js";

/** Entries as an export's NDJSON (ExportLines): one wire entry a line, text when the bytes are UTF-8. */
export function toExportLines(entries: readonly ExportedEntry[]): ExportLines {
  let text = "";
  for (const e of entries) text += `${JSON.stringify(toWireEntry(e.key, e.value, e.metadata, e.expiresAt, isUtf8(e.value)))}\n`;
  return { text, count: entries.length };
}

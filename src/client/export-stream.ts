import type { ExportedEntry } from "../core/backend.js";
import { parseWireEntry, type BulkEntry } from "../core/bulk.js";
import { KvError } from "../core/errors.js";
import { remoteErrors } from "../core/remote-errors.js";

/**
 * The entries of a streamed export, a page at a time. A stream that is cut (the server went away) or
 * that holds something other than entries ends in UNAVAILABLE, never as if the export were complete.
 */
export async function* exportPages(lines: AsyncIterator<string>, apiUrl: string): AsyncGenerator<ExportedEntry[]> {
  let page: ExportedEntry[] = [];
  let received = 0;
  for (;;) {
    let entry: BulkEntry;
    try {
      const next = await lines.next();
      if (next.done) break;
      if (next.value === "") continue;
      entry = parseWireEntry(JSON.parse(next.value));
    } catch (e) {
      const why =
        e instanceof KvError || e instanceof SyntaxError
          ? `entry ${received + 1} is malformed (${e.message})`
          : `the connection failed after ${received} entries (${(e as Error).message})`;
      throw remoteErrors.exportIncomplete(apiUrl, why);
    }
    received++;
    page.push({ key: entry.key, value: entry.value, metadata: entry.metadata ?? null, expiresAt: entry.expiresAt ?? null });
    if (page.length === 1000) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** Importing a file into the namespace, in the CLI's formats (import-file.ts). */
import { useState } from "preact/hooks";
import { shownKey } from "./format.js";
import { bulkPut } from "./kv-api.js";
import { batches, parseImport } from "./import-file.js";
import { ErrorNote, Notice } from "./notes.js";

export function ImportForm({ site, ns, onChanged }: { site: string; ns: string; onChanged: () => void }) {
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [failures, setFailures] = useState<{ key: string; message: string }[]>([]);

  const load = async (file: File) => {
    setError(null);
    setFailures([]);
    const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
    const failed: { key: string; message: string }[] = [];
    try {
      const entries = parseImport(await file.text());
      for (const batch of batches(entries)) {
        const { results } = await bulkPut(site, ns, batch);
        for (const r of results) {
          counts[r.outcome]++;
          if (r.error) failed.push({ key: r.key, message: r.error.message });
        }
        setNotice(`Importing ${file.name}: ${counts.created + counts.updated + counts.unchanged + counts.failed} of ${entries.length}…`);
      }
      setNotice(
        `Imported ${file.name}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged${counts.failed ? `, ${counts.failed} failed` : ""}.`,
      );
    } catch (e) {
      setNotice(null);
      setError(e);
    }
    setFailures(failed);
    onChanged();
  };

  return (
    <div class="import">
      <label>
        Import file (NDJSON, JSON array or object){" "}
        <input
          type="file"
          accept=".ndjson,.json,.jsonl,application/json,application/x-ndjson"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void load(file);
            e.currentTarget.value = "";
          }}
        />
      </label>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {failures.length > 0 && (
        <ul class="failures" aria-label="Entries not imported">
          {failures.slice(0, 50).map((f) => (
            <li key={f.key}>
              <code>{shownKey(f.key)}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

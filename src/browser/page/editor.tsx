/**
 * Writing a key: text or JSON (checked before saving), or a file's bytes; its expiry and metadata.
 * The write is a compare-and-set on the version shown (absent, for a new key), so a write someone
 * made after the key was opened is never overwritten unseen: the conflict names the version and who
 * wrote it (from the audit log), and the user chooses.
 */
import { useState } from "preact/hooks";
import { PageError } from "./api.js";
import { decodeUtf8 } from "./bytes.js";
import { formatBytes } from "./format.js";
import { auditOfKey, putValue, type OpenedKey, type StoredValue, type WriteOptions } from "./kv-api.js";
import { ErrorNote } from "./notes.js";
import { checkEdit, type Draft } from "./edit-check.js";

interface Props extends OpenedKey {
  /** A write succeeded: its version. */
  onSaved: (version: string) => void;
  onReload: () => void;
}

interface Conflict {
  current: string | null;
  by: string | null;
}

export function Editor({ site, ns, name, stored, now, onSaved, onReload }: Props) {
  const [draft, setDraft] = useState<Draft>(() => initialDraft(stored));
  const [file, setFile] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const [problems, setProblems] = useState<Partial<Record<keyof Draft, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });

  const save = async (onlyIf: string | null) => {
    const checked = checkEdit(draft, file?.bytes ?? null, now);
    setProblems(checked.problems);
    setError(null);
    if (!checked.ok) return;
    setSaving(true);
    try {
      const options: WriteOptions = { onlyIf, metadata: checked.metadata, expiry: checked.expiry };
      const written = await putValue(site, ns, name, checked.bytes, options);
      setConflict(null);
      onSaved(written.version);
    } catch (e) {
      if (e instanceof PageError && e.code === "CONDITION_FAILED") setConflict(await whoChanged(e));
      setError(e);
    }
    setSaving(false);
  };

  const whoChanged = async (e: PageError): Promise<Conflict> => {
    const current = typeof e.details?.current === "string" ? e.details.current : null;
    try {
      // The log is newest first; a refused write is recorded with its error code as the outcome.
      const changes = (await auditOfKey(site, name, 100)).filter((r) => r.namespace === ns && r.action !== "read" && r.action !== "list");
      const latest = changes.find((r) => !/^[A-Z_]+$/.test(r.outcome));
      return { current, by: latest ? `${latest.actor}, ${latest.action} at ${latest.t} in ${latest.region}` : null };
    } catch {
      return { current, by: null };
    }
  };

  const binary = stored !== null && decodeUtf8(stored.bytes) === null;
  return (
    <form
      class="editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save(stored?.version ?? null);
      }}
    >
      <p class="muted">
        {stored ? `Saving replaces version ${stored.version} only if it is still the latest at home.` : "Saving creates the key only if it does not exist yet."}
      </p>
      <fieldset>
        <legend>Value</legend>
        <label>
          <input type="radio" name="mode" checked={draft.mode === "text"} onChange={() => set({ mode: "text" })} /> Text
        </label>
        <label>
          <input type="radio" name="mode" checked={draft.mode === "json"} onChange={() => set({ mode: "json" })} /> JSON
        </label>
        <label class="block">
          {file ? `The file ${file.name} (${formatBytes(file.bytes.length)}) will be saved instead of this text` : "Text of the value"}
          <textarea
            rows={12}
            spellcheck={false}
            value={draft.text}
            disabled={file !== null || binary}
            aria-invalid={problems.text ? "true" : undefined}
            aria-describedby={problems.text ? "text-problem" : undefined}
            onInput={(e) => set({ text: e.currentTarget.value })}
          />
        </label>
        {binary && !file && <p>The value is binary: upload a file to replace it.</p>}
        {problems.text && (
          <p id="text-problem" class="problem">
            {problems.text}
          </p>
        )}
        <label class="block">
          Or upload a file{" "}
          <input
            type="file"
            onChange={async (e) => {
              const picked = e.currentTarget.files?.[0];
              setFile(picked ? { name: picked.name, bytes: new Uint8Array(await picked.arrayBuffer()) } : null);
            }}
          />
        </label>
        {file && (
          <button type="button" onClick={() => setFile(null)}>
            Use the text instead
          </button>
        )}
      </fieldset>
      <fieldset>
        <legend>Expiry</legend>
        <label>
          <input type="radio" name="expiry" checked={draft.expiry === "none"} onChange={() => set({ expiry: "none" })} /> Never
        </label>
        <label>
          <input type="radio" name="expiry" checked={draft.expiry === "ttl"} onChange={() => set({ expiry: "ttl" })} /> After{" "}
          <input
            type="number"
            min={60}
            class="short"
            aria-label="Time to live, seconds"
            value={draft.ttl}
            onInput={(e) => set({ ttl: e.currentTarget.value, expiry: "ttl" })}
          />{" "}
          seconds
        </label>
        <label>
          <input type="radio" name="expiry" checked={draft.expiry === "at"} onChange={() => set({ expiry: "at" })} /> At{" "}
          <input
            aria-label="Expiry time, ISO 8601"
            placeholder="2030-01-01T00:00:00Z"
            value={draft.at}
            onInput={(e) => set({ at: e.currentTarget.value, expiry: "at" })}
          />
        </label>
        {problems.expiry && <p class="problem">{problems.expiry}</p>}
      </fieldset>
      <label class="block">
        Metadata (a JSON object, or empty for none)
        <textarea
          rows={3}
          spellcheck={false}
          value={draft.metadata}
          aria-invalid={problems.metadata ? "true" : undefined}
          aria-describedby={problems.metadata ? "metadata-problem" : undefined}
          onInput={(e) => set({ metadata: e.currentTarget.value })}
        />
      </label>
      {problems.metadata && (
        <p id="metadata-problem" class="problem">
          {problems.metadata}
        </p>
      )}
      <ErrorNote error={error} />
      {conflict && (
        <div class="conflict" role="group" aria-label="Conflict">
          <p>
            Home now holds {conflict.current ? `version ${conflict.current}` : "no value"}
            {conflict.by ? `, last changed by ${conflict.by}` : ""}.
          </p>
          <button type="button" onClick={onReload}>
            Load their version (drop my edit)
          </button>{" "}
          <button type="button" class="danger" onClick={() => void save(conflict.current)}>
            Save mine over it
          </button>
        </div>
      )}
      <button type="submit" class="primary" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

function initialDraft(stored: StoredValue | null): Draft {
  const text = stored ? (decodeUtf8(stored.bytes) ?? "") : "";
  let mode: Draft["mode"] = "text";
  let shown = text;
  try {
    if (/^\s*[[{]/.test(text)) {
      shown = JSON.stringify(JSON.parse(text), null, 2);
      mode = "json";
    }
  } catch {
    mode = "text";
  }
  return {
    mode,
    text: shown,
    expiry: stored?.expiresAt ? "at" : "none",
    ttl: "3600",
    at: stored?.expiresAt ?? "",
    metadata: stored?.metadata ? JSON.stringify(stored.metadata, null, 2) : "",
  };
}

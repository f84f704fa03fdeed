/** Deleting every key under a prefix: counted first and shown, then removed a request at a time. */
import { useEffect, useState } from "preact/hooks";
import { API_LIMITS } from "../../contract/limits.js";
import { errorText } from "./api.js";
import { bulkDelete, listKeys } from "./kv-api.js";
import { ErrorNote, Notice } from "./notes.js";

type Step = { at: "idle" } | { at: "counting" } | { at: "confirm"; keys: string[] } | { at: "deleting"; done: number; of: number };

export function PrefixDelete({ site, ns, prefix, onChanged }: { site: string; ns: string; prefix: string; onChanged: () => void }) {
  const [step, setStep] = useState<Step>({ at: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => setStep({ at: "idle" }), [site, ns, prefix]);
  const what = prefix ? `key starting with “${prefix}”` : `key in ${ns}`;

  const count = async () => {
    setError(null);
    setNotice(null);
    setStep({ at: "counting" });
    try {
      const keys: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listKeys(site, ns, prefix, cursor, API_LIMITS.maxListLimit);
        keys.push(...page.keys.map((k) => k.key));
        cursor = page.cursor;
      } while (cursor !== null);
      setStep({ at: "confirm", keys });
    } catch (e) {
      setError(e);
      setStep({ at: "idle" });
    }
  };

  const remove = async (keys: string[]) => {
    let done = 0;
    setStep({ at: "deleting", done, of: keys.length });
    try {
      for (let at = 0; at < keys.length; at += API_LIMITS.maxBulkEntries) {
        const answer = await bulkDelete(site, ns, keys.slice(at, at + API_LIMITS.maxBulkEntries));
        done += answer.deleted.length;
        setStep({ at: "deleting", done, of: keys.length });
      }
      setNotice(`Deleted ${done.toLocaleString("en")} ${done === 1 ? "key" : "keys"}.`);
    } catch (e) {
      setNotice(`Deleted ${done.toLocaleString("en")} of ${keys.length.toLocaleString("en")} keys, then: ${errorText(e)}`);
      setError(e);
    }
    setStep({ at: "idle" });
    onChanged();
  };

  return (
    <div class="prefix-delete">
      {step.at === "idle" && (
        <button type="button" class="danger" onClick={count}>
          Delete by prefix…
        </button>
      )}
      {step.at === "counting" && <span role="status">Counting…</span>}
      {step.at === "confirm" && (
        <div role="group" aria-label="Confirm deleting by prefix" class="confirm">
          <span>
            {step.keys.length.toLocaleString("en")} {step.keys.length === 1 ? what : what.replace(/^key/, "keys")} will be deleted.
          </span>
          <button type="button" class="danger" disabled={step.keys.length === 0} onClick={() => remove(step.keys)}>
            Delete {step.keys.length.toLocaleString("en")}
          </button>
          <button type="button" onClick={() => setStep({ at: "idle" })}>
            Cancel
          </button>
        </div>
      )}
      {step.at === "deleting" && (
        <progress max={step.of} value={step.done} aria-label="Deleting keys">
          {step.done} of {step.of}
        </progress>
      )}
      <Notice text={notice} />
      <ErrorNote error={error} />
    </div>
  );
}

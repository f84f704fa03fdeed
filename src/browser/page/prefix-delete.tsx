/**
 * Deleting every key under a prefix: counted first, a page at a time, and shown; then removed by the
 * API's bounded steps (POST …/bulk/delete-prefix), so no key list is held and no request holds the
 * store's write lock for the whole prefix.
 */
import { useEffect, useState } from "preact/hooks";
import { API_LIMITS } from "../../contract/limits.js";
import { errorText } from "./api.js";
import { shownKey } from "./format.js";
import { deletePrefixStep, listKeys } from "./kv-api.js";
import { ErrorNote, Notice } from "./notes.js";

type Step = { at: "idle" } | { at: "counting" } | { at: "confirm"; count: number } | { at: "deleting"; done: number; of: number };

export function PrefixDelete({ site, ns, prefix, onChanged }: { site: string; ns: string; prefix: string; onChanged: () => void }) {
  const [step, setStep] = useState<Step>({ at: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => setStep({ at: "idle" }), [site, ns, prefix]);
  const what = prefix ? `key starting with “${shownKey(prefix)}”` : `key in ${ns}`;

  const count = async () => {
    setError(null);
    setNotice(null);
    setStep({ at: "counting" });
    try {
      let count = 0;
      let cursor: string | null = null;
      do {
        const page = await listKeys(site, ns, prefix, cursor, API_LIMITS.maxListLimit);
        count += page.keys.length;
        cursor = page.cursor;
      } while (cursor !== null);
      setStep({ at: "confirm", count });
    } catch (e) {
      setError(e);
      setStep({ at: "idle" });
    }
  };

  const remove = async (of: number) => {
    let done = 0;
    setStep({ at: "deleting", done, of });
    try {
      let cursor: string | null = null;
      do {
        const answer = await deletePrefixStep(site, ns, prefix, cursor);
        done += answer.removed;
        cursor = answer.cursor;
        setStep({ at: "deleting", done, of: Math.max(of, done) });
      } while (cursor !== null);
      setNotice(`Deleted ${done.toLocaleString("en")} ${done === 1 ? "key" : "keys"}.`);
    } catch (e) {
      setNotice(`Deleted ${done.toLocaleString("en")} of ${of.toLocaleString("en")} keys, then: ${errorText(e)}`);
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
            {step.count.toLocaleString("en")} {step.count === 1 ? what : what.replace(/^key/, "keys")} will be deleted.
          </span>
          <button type="button" class="danger" disabled={step.count === 0} onClick={() => remove(step.count)}>
            Delete {step.count.toLocaleString("en")}
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

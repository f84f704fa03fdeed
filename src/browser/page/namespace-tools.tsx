/** What acts on a namespace as a whole: a new key, export, import, and deleting every key under a prefix. */
import { useState } from "preact/hooks";
import { exportUrl } from "./kv-api.js";
import { ImportForm } from "./import-form.js";
import { PrefixDelete } from "./prefix-delete.js";

interface Props {
  site: string;
  ns: string;
  prefix: string;
  onOpen: (key: string) => void;
  onChanged: () => void;
}

export function NamespaceTools({ site, ns, prefix, onOpen, onChanged }: Props) {
  const [newKey, setNewKey] = useState("");
  return (
    <div class="tools">
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (newKey) onOpen(newKey);
        }}
      >
        <label>
          New key <input value={newKey} spellcheck={false} autocomplete="off" onInput={(e) => setNewKey(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={!newKey}>
          Open
        </button>
      </form>
      <a class="button" href={exportUrl(site, ns, prefix)} download={`${ns}.ndjson`}>
        Export{prefix ? " this prefix" : ""} (NDJSON)
      </a>
      <ImportForm site={site} ns={ns} onChanged={onChanged} />
      <PrefixDelete site={site} ns={ns} prefix={prefix} onChanged={onChanged} />
    </div>
  );
}

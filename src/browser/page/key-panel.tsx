/** One key, opened: its value, editing it, what each region serves, and its audit log. */
import { useEffect, useRef, useState } from "preact/hooks";
import { PageError } from "./api.js";
import { AuditLog } from "./audit-log.js";
import { Editor } from "./editor.js";
import { shownKey } from "./format.js";
import { getValue, type StoredValue } from "./kv-api.js";
import { ErrorNote, Notice } from "./notes.js";
import { RegionsPanel } from "./regions-panel.js";
import type { TargetClock } from "./target-clock.js";
import { useLoad } from "./use-load.js";
import { ValueView } from "./value-view.js";

type Tab = "value" | "edit" | "regions" | "audit";

interface Props {
  site: string;
  ns: string;
  name: string;
  emulator: boolean;
  clock: TargetClock;
  /** The version read at home (null: no value), for the key list. */
  onVersion: (version: string | null) => void;
  onChanged: () => void;
  onClose: () => void;
}

export function KeyPanel({ site, ns, name, emulator, clock, onVersion, onChanged, onClose }: Props) {
  const [tab, setTab] = useState<Tab>("value");
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening a key moves the focus to it, so a keyboard or a screen reader continues from there.
  useEffect(() => heading.current?.focus(), []);
  // Bumped by this panel's own writes: the value is read again, and the regions with it.
  const [writes, setWrites] = useState(0);
  const value = useLoad(async (): Promise<StoredValue | null> => {
    try {
      const stored = await getValue(site, ns, name);
      onVersion(stored.version);
      return stored;
    } catch (e) {
      if (!(e instanceof PageError && e.code === "KEY_NOT_FOUND")) throw e;
      onVersion(null);
      return null;
    }
  }, [site, ns, name, writes]);
  // What the last write did, kept here: the editor starts afresh on the version it made.
  const [notice, setNotice] = useState<string | null>(null);
  const written = (what: string) => {
    setNotice(what);
    setWrites((n) => n + 1);
    onChanged();
  };
  const tabs: [Tab, string][] = [
    ["value", "Value"],
    ["edit", value.data === null ? "Create" : "Edit"],
    ...(emulator ? ([["regions", "Regions"]] as [Tab, string][]) : []),
    ["audit", "Audit log"],
  ];
  return (
    <section aria-labelledby="key-heading" class="key-panel">
      <div class="panel-head">
        <h2 id="key-heading" tabIndex={-1} ref={heading}>
          Key <code class="key-name">{shownKey(name)}</code>
        </h2>
        <button type="button" onClick={onClose} aria-label="Close the key">
          ✕
        </button>
      </div>
      <div role="tablist" aria-label="Views of the key" onKeyDown={(e) => moveTab(e, tabs, tab, setTab)}>
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            tabIndex={tab === id ? 0 : -1}
            aria-selected={tab === id ? "true" : "false"}
            aria-controls="key-view"
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="key-view" aria-labelledby={`tab-${tab}`} class="tab-panel">
        <Notice text={notice} />
        <ErrorNote error={value.error} />
        {value.loading && value.data === undefined && <p role="status">Reading the value…</p>}
        {tab === "value" && value.data !== undefined && (
          <ValueView
            site={site}
            ns={ns}
            name={name}
            stored={value.data}
            now={clock.now}
            onDeleted={() => written("Deleted.")}
            onCreate={() => setTab("edit")}
          />
        )}
        {tab === "edit" && value.data !== undefined && (
          <Editor
            key={value.data?.version ?? "absent"}
            site={site}
            ns={ns}
            name={name}
            stored={value.data}
            now={clock.now}
            onSaved={(version) => written(`Saved: version ${version}.`)}
            onReload={() => setWrites((n) => n + 1)}
          />
        )}
        {tab === "regions" && <RegionsPanel site={site} ns={ns} name={name} clock={clock} writes={writes} />}
        {tab === "audit" && <AuditLog site={site} ns={ns} name={name} writes={writes} />}
      </div>
    </section>
  );
}

/** The arrow keys, Home and End move between tabs, as in every tab list (WAI-ARIA's tabs pattern). */
function moveTab(e: KeyboardEvent, tabs: [Tab, string][], tab: Tab, setTab: (t: Tab) => void): void {
  const at = tabs.findIndex(([id]) => id === tab);
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  const next = tabs[(to + tabs.length) % tabs.length]![0];
  setTab(next);
  document.getElementById(`tab-${next}`)?.focus();
}

import { useLayoutEffect, useState } from "preact/hooks";
import type { BrowserDescription } from "../../contract/browser-host.js";
import type { Session } from "./api.js";
import { Banner } from "./banner.js";
import { usePlace } from "./deep-link.js";
import { ErrorNote } from "./notes.js";
import { KeyPanel } from "./key-panel.js";
import { KeyList } from "./key-list.js";
import { Namespaces } from "./namespaces.js";
import { firstPageSettled } from "./first-page.js";
import { useTargetClock } from "./target-clock.js";
import { UsagePanel } from "./usage-panel.js";

/**
 * The page: what it shows (banner), where (namespaces), the keys, and the key opened. It shows them
 * from the description the host put in the document (`described`), or else once the session answers;
 * a session that fails to open is shown instead, since no change could be made without it.
 */
export function App({ described, opening }: { described: BrowserDescription | null; opening: Promise<Session> }) {
  const [session, setSession] = useState<BrowserDescription | null>(described);
  const [failure, setFailure] = useState<unknown>(null);
  useLayoutEffect(() => void opening.then((opened) => setSession((shown) => shown ?? opened), setFailure), [opening]);
  if (failure) return <ErrorNote error={failure} />;
  if (!session) return <p role="status">Opening the session…</p>;
  return <Browser session={session} />;
}

function Browser({ session }: { session: BrowserDescription }) {
  const [place, go] = usePlace();
  const clock = useTargetClock(session.emulator);
  // Bumped by every write, so the list and the usage show it.
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);
  // The versions this page has read or written: the listing carries none.
  const [versions, setVersions] = useState<ReadonlyMap<string, string | null>>(new Map());
  const versionKey = (ns: string, key: string) => JSON.stringify([ns, key]);
  const remember = (ns: string, key: string, version: string | null) => setVersions((known) => new Map(known).set(versionKey(ns, key), version));
  const site = session.site;
  // With no namespace open, no key list holds the other requests back.
  if (place.ns === null) firstPageSettled();
  return (
    <>
      <Banner session={session} status={clock.status} />
      <div class="layout">
        <div class="side">
          <nav aria-label="Namespaces">
            <Namespaces site={site} selected={place.ns} changes={changes} onSelect={(ns) => go({ ns, prefix: "", key: null })} />
          </nav>
          <aside aria-label="Usage">
            <UsagePanel site={site} changes={changes} />
          </aside>
        </div>
        <main class="main">
          {place.ns === null ? (
            <p>Choose a namespace to list its keys.</p>
          ) : (
            <>
              <KeyList
                site={site}
                ns={place.ns}
                prefix={place.prefix}
                selected={place.key}
                now={clock.now}
                changes={changes}
                versionOf={(key) => versions.get(versionKey(place.ns!, key)) ?? undefined}
                onPrefix={(prefix) => go({ prefix })}
                onOpen={(key) => go({ key })}
                onChanged={changed}
              />
              {place.key !== null && (
                <KeyPanel
                  key={`${place.ns}\u0000${place.key}`}
                  site={site}
                  ns={place.ns}
                  name={place.key}
                  emulator={session.emulator}
                  clock={clock}
                  onVersion={(version) => remember(place.ns!, place.key!, version)}
                  onChanged={changed}
                  onClose={() => go({ key: null })}
                />
              )}
            </>
          )}
        </main>
      </div>
    </>
  );
}

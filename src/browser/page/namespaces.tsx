/** The site's namespaces, each with the routes bound to it and whether they may write. */
import { bindings, namespaces } from "./kv-api.js";
import { afterFirstPage } from "./first-page.js";
import { ErrorNote } from "./notes.js";
import { useLoad } from "./use-load.js";

interface Props {
  site: string;
  selected: string | null;
  /** Bumped by every write the page makes, so the stored-key counts follow. */
  changes: number;
  onSelect: (ns: string) => void;
}

export function Namespaces({ site, selected, changes, onSelect }: Props) {
  const list = useLoad(() => afterFirstPage(async () => ({ namespaces: await namespaces(site), bindings: await bindings(site) })), [site, changes]);
  if (list.error) return <ErrorNote error={list.error} />;
  if (!list.data) return <p role="status">Loading namespaces…</p>;
  return (
    <section aria-labelledby="ns-heading">
      <h2 id="ns-heading">Namespaces</h2>
      <ul class="namespaces">
        {list.data.namespaces.map((ns) => {
          const bound = list.data!.bindings.filter((b) => b.namespace === ns.name);
          return (
            <li key={ns.name}>
              <button type="button" aria-current={ns.name === selected ? "true" : undefined} onClick={() => onSelect(ns.name)}>
                {ns.name} {/* Stored keys: an expired key counts until a write or a delete replaces it (docs/api.md). */}
                <span class="muted" title="Expired keys count until a write or a delete replaces them">
                  ({ns.keys.toLocaleString("en")} stored {ns.keys === 1 ? "key" : "keys"})
                </span>
              </button>
              {bound.length > 0 && (
                <ul class="bindings" aria-label={`Routes bound to ${ns.name}`}>
                  {bound.map((b) => (
                    <li key={`${b.route}\u0000${b.variable}`}>
                      <code>{b.route}</code> as <code>{b.variable}</code>, <span class={`access ${b.access}`}>{b.access}</span>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

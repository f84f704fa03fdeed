/**
 * A namespace's keys, a page at a time: prefix search, a tree by `/`, and columns that come with the
 * listing (size, expiry, metadata). Values are never loaded here; the version column shows what this
 * page has learnt of a key by opening it, since the listing does not carry versions.
 */
import { useLayoutEffect, useState } from "preact/hooks";
import { countdown, formatBytes, shortJson, shownKey } from "./format.js";
import { listKeys } from "./kv-api.js";
import { ErrorNote } from "./notes.js";
import { NamespaceTools } from "./namespace-tools.js";
import { useLoad } from "./use-load.js";
import type { WireListPage } from "../../contract/wire.js";
import { ColumnHeads } from "./column-heads.js";
import { FIRST_PAGE_SIZE, listingOf } from "./early-start.js";
import { firstPageSettled, takeEarlyPage } from "./first-page.js";

const PAGE_SIZES = [50, 100, 500, 1000];

interface Props {
  site: string;
  ns: string;
  prefix: string;
  selected: string | null;
  now: number;
  changes: number;
  /** The version of a key, when this page has read or written it. */
  versionOf: (key: string) => string | undefined;
  onPrefix: (prefix: string) => void;
  onOpen: (key: string) => void;
  onChanged: () => void;
}

export function KeyList(props: Props) {
  const { site, ns, prefix, now, onOpen } = props;
  const [limit, setLimit] = useState(FIRST_PAGE_SIZE);
  const [tree, setTree] = useState(false);
  // Where this listing is: the cursors of the pages before this one (to go back) and this page's.
  // Another namespace, prefix or page size starts again from the first page.
  const listing = listingOf(site, ns, prefix, limit);
  const [paging, setPaging] = useState<{ listing: string; trail: (string | null)[]; cursor: string | null }>({ listing, trail: [], cursor: null });
  const { trail, cursor } = paging.listing === listing ? paging : { trail: [], cursor: null };
  const goTo = (nextTrail: (string | null)[], nextCursor: string | null) => setPaging({ listing, trail: nextTrail, cursor: nextCursor });
  // Bumped by the Refresh button: others write to the store too.
  const [refreshed, setRefreshed] = useState(0);
  const page = useLoad(
    () => (cursor === null ? takeEarlyPage(listing) : undefined) ?? listKeys(site, ns, prefix, cursor, limit),
    [listing, cursor, props.changes, refreshed],
  );
  const rows = page.data ? shownRows(page.data, prefix, tree) : [];
  const keyRows = rows.filter((r) => r.kind === "key").length;
  // The signal that a page of keys is on screen (and, while one loads, that it is not), given as
  // soon as the rows are in the document.
  useLayoutEffect(() => {
    if (page.loading) delete document.body.dataset.keysReady;
    else if (page.data) document.body.dataset.keysReady = String(keyRows);
    if (!page.loading) firstPageSettled();
  }, [page.data, page.loading, keyRows]);

  return (
    <section aria-labelledby="keys-heading" class="keys">
      <h2 id="keys-heading">
        Keys in <code>{ns}</code>
      </h2>
      <div class="toolbar">
        <label>
          Prefix <input type="search" value={prefix} spellcheck={false} autocomplete="off" onInput={(e) => props.onPrefix(e.currentTarget.value)} />
        </label>
        <label>
          <input type="checkbox" checked={tree} onChange={(e) => setTree(e.currentTarget.checked)} /> Tree by /
        </label>
        <label>
          Per page{" "}
          <select value={limit} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setRefreshed((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <NamespaceTools site={site} ns={ns} prefix={prefix} onOpen={onOpen} onChanged={props.onChanged} />
      {tree && prefix.includes("/") && (
        <button type="button" class="link" onClick={() => props.onPrefix(parentFolder(prefix))}>
          ↑ Up to {shownKey(parentFolder(prefix)) || "the top"}
        </button>
      )}
      <ErrorNote error={page.error} />
      <nav aria-label="Pages of keys" class="pager">
        <button type="button" disabled={trail.length === 0} onClick={() => goTo(trail.slice(0, -1), trail[trail.length - 1]!)}>
          Previous page
        </button>
        <span>Page {trail.length + 1}</span>
        <button type="button" disabled={!page.data?.cursor} onClick={() => goTo([...trail, cursor], page.data!.cursor)}>
          Next page
        </button>
      </nav>
      <table aria-label="Keys" class="key-table" aria-busy={page.loading ? "true" : "false"}>
        <ColumnHeads names={["Key", "Size", "Expires", "Metadata", "Version"]} />
        <tbody>
          {rows.map((row) =>
            row.kind === "folder" ? (
              <tr key={`/${row.folder}`} data-folder={row.folder}>
                <td colSpan={5}>
                  <button type="button" class="link" onClick={() => props.onPrefix(row.folder)}>
                    📁 {shownKey(row.folder.slice(prefix.length))}
                  </button>{" "}
                  <span class="muted">{row.count} on this page</span>
                </td>
              </tr>
            ) : (
              <tr key={row.key.key} data-key={row.key.key} aria-current={row.key.key === props.selected ? "true" : undefined}>
                <td>
                  <button type="button" class="link key" onClick={() => onOpen(row.key.key)}>
                    {shownKey(tree ? row.key.key.slice(prefix.length) : row.key.key)}
                  </button>
                </td>
                <td>{formatBytes(row.key.size)}</td>
                <td>{countdown(row.key.expiresAt, now)}</td>
                <td class="meta">{row.key.metadata ? shortJson(row.key.metadata) : ""}</td>
                <td class="version">{props.versionOf(row.key.key) ?? "—"}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {page.data && page.data.keys.length === 0 && <p>No keys{prefix ? ` start with “${shownKey(prefix)}”` : ""}.</p>}
    </section>
  );
}

type Row = { kind: "key"; key: WireListPage["keys"][number] } | { kind: "folder"; folder: string; count: number };

/** The page's keys, or in the tree, the keys at this level and a row for each folder below it. */
function shownRows(page: WireListPage, prefix: string, tree: boolean): Row[] {
  if (!tree) return page.keys.map((key) => ({ kind: "key", key }));
  const rows: Row[] = [];
  const folders = new Map<string, { kind: "folder"; folder: string; count: number }>();
  for (const key of page.keys) {
    const slash = key.key.indexOf("/", prefix.length);
    if (slash === -1) {
      rows.push({ kind: "key", key });
      continue;
    }
    const folder = key.key.slice(0, slash + 1);
    const row = folders.get(folder);
    if (row) row.count++;
    else {
      const created = { kind: "folder" as const, folder, count: 1 };
      folders.set(folder, created);
      rows.push(created);
    }
  }
  return rows;
}

function parentFolder(prefix: string): string {
  const trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  const slash = trimmed.lastIndexOf("/");
  return slash === -1 ? "" : trimmed.slice(0, slash + 1);
}

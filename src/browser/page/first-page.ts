/**
 * The first page of keys goes before the page's other startup requests: the API server answers one
 * request at a time, and counting namespaces or reading usage ahead of the keys would make the keys
 * wait behind them. Those requests await afterFirstPage(); the key list calls firstPageSettled()
 * once its first page is on screen or has failed, and the page calls it at once when no namespace
 * is open.
 */
import type { WireListPage } from "../../contract/wire.js";
import { listKeys } from "./kv-api.js";

let settle: () => void = () => undefined;
const settled = new Promise<void>((resolve) => (settle = resolve));

export function firstPageSettled(): void {
  settle();
}

export async function afterFirstPage<T>(load: () => Promise<T>): Promise<T> {
  await settled;
  return load();
}

/** How many keys a page lists until the user picks another size. */
export const FIRST_PAGE_SIZE = 100;

/**
 * The first page of the namespace the URL names, asked for the moment the session is known, before
 * the page's first render: the key list takes it instead of asking again when it first loads.
 */
let early: { listing: string; page: Promise<WireListPage> } | undefined;

export function listingOf(site: string, ns: string, prefix: string, limit: number): string {
  return JSON.stringify([site, ns, prefix, limit]);
}

export function requestFirstPageEarly(site: string, ns: string | null, prefix: string): void {
  if (ns === null) return;
  const page = listKeys(site, ns, prefix, null, FIRST_PAGE_SIZE);
  // A page nobody takes (the user went elsewhere first) must not end as an unhandled rejection.
  page.catch(() => undefined);
  early = { listing: listingOf(site, ns, prefix, FIRST_PAGE_SIZE), page };
}

/** The early first page when it is the one wanted, once: later loads ask the server. */
export function takeEarlyPage(listing: string): Promise<WireListPage> | undefined {
  if (early?.listing !== listing) return undefined;
  const { page } = early;
  early = undefined;
  return page;
}

/**
 * The first page of keys goes before the page's other startup requests: the API server answers one
 * request at a time, and reading the namespaces or usage ahead of the keys would make the keys wait
 * behind them. Those requests await afterFirstPage(); the key list calls firstPageSettled() once its
 * first page is on screen or has failed, and the page calls it at once when no namespace is open.
 */
import type { WireListPage } from "../../contract/wire.js";
import { EARLY_FIRST_PAGE, type WithEarlyFirstPage } from "./early-start.js";
import { earlyPageOfKeys } from "./kv-api.js";

let settle: () => void = () => undefined;
const settled = new Promise<void>((resolve) => (settle = resolve));

export function firstPageSettled(): void {
  settle();
}

export async function afterFirstPage<T>(load: () => Promise<T>): Promise<T> {
  await settled;
  return load();
}

/**
 * The first page early.js asked for, its answer read as soon as this bundle runs (a page nobody takes,
 * the user having gone elsewhere first, must not end as an unhandled rejection).
 */
const early = (() => {
  const asked = (globalThis as WithEarlyFirstPage)[EARLY_FIRST_PAGE];
  if (!asked) return undefined;
  delete (globalThis as WithEarlyFirstPage)[EARLY_FIRST_PAGE];
  const page = earlyPageOfKeys(asked.answer);
  page.catch(() => undefined);
  return { listing: asked.listing, page };
})();
let taken = false;

/**
 * Resolves once the early first page is here (or failed), or after `waitMs`, whichever comes first;
 * at once when there is none. The page renders then: with the keys, the browser lays the page out
 * once, rows included, instead of once without them and again with them (each a pass over the whole
 * page, in which the answer would wait). The wait is bounded, so a slow API shows the page without them.
 */
export function earlyPageArrived(waitMs: number): Promise<void> {
  if (!early) return Promise.resolve();
  return Promise.race([early.page.then(noop, noop), new Promise<void>((resolve) => setTimeout(resolve, waitMs))]);
}

const noop = () => undefined;

/** The early first page when it is the listing wanted, once: the key list takes it instead of asking again. Later loads ask the server. */
export function takeEarlyPage(listing: string): Promise<WireListPage> | undefined {
  if (taken || early?.listing !== listing) return undefined;
  taken = true;
  return early.page;
}

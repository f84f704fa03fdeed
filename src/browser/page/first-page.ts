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
 * The first page early.js asked for, when it is the listing wanted, once: the key list takes it instead
 * of asking again when it first loads. Later loads ask the server.
 */
export function takeEarlyPage(listing: string): Promise<WireListPage> | undefined {
  const early = (globalThis as WithEarlyFirstPage)[EARLY_FIRST_PAGE];
  if (early?.listing !== listing) return undefined;
  delete (globalThis as WithEarlyFirstPage)[EARLY_FIRST_PAGE];
  return earlyPageOfKeys(early.answer);
}

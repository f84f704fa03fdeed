/**
 * What the page's first script (early.ts) and its bundle share: where the page is opened (its site,
 * from the description the host put in the document, and the namespace and prefix of the URL), the
 * address of the first page of keys there, and the hand-over of the request for it.
 */
import { DESCRIPTION_META, type BrowserDescription } from "../../contract/browser-host.js";
import { QUERY } from "../../contract/headers-and-query.js";
import { paths } from "../../contract/routes.js";
import { apiUrl } from "./api-url.js";

/** How many keys a page lists until the user picks another size. */
export const FIRST_PAGE_SIZE = 100;

/** One listing: a page size of a prefix of a namespace. */
export function listingOf(site: string, ns: string, prefix: string, limit: number): string {
  return JSON.stringify([site, ns, prefix, limit]);
}

/** The address of a page of keys (never their values). */
export function keysUrl(site: string, ns: string, prefix: string, cursor: string | null, limit: number): string {
  return apiUrl(paths.keys(site, ns), { [QUERY.prefix]: prefix || undefined, [QUERY.cursor]: cursor ?? undefined, [QUERY.limit]: limit });
}

/** What the host put in the document; null when it is not there (a document the host did not fill). */
export function readDescription(): BrowserDescription | null {
  const text = document.querySelector(`meta[name="${DESCRIPTION_META}"]`)?.getAttribute("content");
  try {
    return text ? (JSON.parse(text) as BrowserDescription) : null;
  } catch {
    return null;
  }
}

/** The first page of keys asked for by early.js: which listing it is, and the answer's promise. */
interface EarlyFirstPage {
  listing: string;
  answer: Promise<Response>;
}

/** Where early.js leaves its request for the bundle. */
export const EARLY_FIRST_PAGE = "__yourspaceFirstPage";

export type WithEarlyFirstPage = typeof globalThis & { [EARLY_FIRST_PAGE]?: EarlyFirstPage };

/**
 * The page's first script, a few KB run before the bundle (app.js) has loaded: it asks for the first
 * page of keys of the namespace the URL names, which is what the user opened the page to see, so the
 * request is answered while the bundle loads and runs. A GET needs no CSRF token, so it waits for
 * nothing; the site comes from the description the host put in the document.
 */
import { parsePlace } from "./place.js";
import { EARLY_FIRST_PAGE, FIRST_PAGE_SIZE, keysUrl, listingOf, readDescription, type WithEarlyFirstPage } from "./early-start.js";

const description = readDescription();
const place = parsePlace(location.hash);
if (description !== null && place.ns !== null) {
  const answer = fetch(keysUrl(description.site, place.ns, place.prefix, null, FIRST_PAGE_SIZE), { credentials: "same-origin", cache: "no-store" });
  // An answer nobody takes (the bundle failed to load) must not end as an unhandled rejection.
  answer.catch(() => undefined);
  (globalThis as WithEarlyFirstPage)[EARLY_FIRST_PAGE] = { listing: listingOf(description.site, place.ns, place.prefix, FIRST_PAGE_SIZE), answer };
}

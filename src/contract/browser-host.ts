/**
 * The KV browser's host: the small loopback server that serves the page, turns a one-time secret into
 * a session cookie and passes the page's requests on to the platform API. Its paths, header and query
 * names and its session answer live here, beside the API's, so that the host (src/browser/host/) and
 * the page (src/browser/page/) cannot disagree.
 */

/** Every path of the host is under this prefix; the page is its root. */
const PREFIX = "/kv/";

export const BROWSER_PATHS = {
  prefix: PREFIX,
  /** `GET`: the page's CSRF token and what the host shows (BrowserSession). */
  session: `${PREFIX}session`,
  /** `<api>/<anything>` is the platform API's `/<anything>`, with the host's token added. */
  api: `${PREFIX}api/`,
  /** `POST`, for a local process that holds the discovery file's key: a fresh one-time URL. */
  mint: `${PREFIX}mint`,
} as const;

/**
 * The page's index.html holds this text where the host puts what it describes itself as (the
 * BrowserDescription, as JSON, escaped for an attribute): the `content` of a meta element named
 * DESCRIPTION_META. The page then knows its site before it has asked anything, and asks for the keys
 * it is opened at from its first, small script (early.js), before its bundle has loaded.
 */
export const DESCRIPTION_PLACEHOLDER = "%YOURSPACE_DESCRIPTION%";
export const DESCRIPTION_META = "yourspace-description";

/** The query parameter of the printed URL that holds the one-time secret. */
export const BROWSER_SECRET_QUERY = "secret";

/** The names of the headers the host reads or writes besides the API's own (HEADERS). */
export const BROWSER_HEADERS = {
  /** Every request of the page that is not GET or HEAD carries the session's CSRF token in it. */
  csrf: "x-yourspace-csrf",
  origin: "origin",
  cookie: "cookie",
  setCookie: "set-cookie",
  /** Sent by browsers: where a request comes from, relative to the page it is for. */
  fetchSite: "sec-fetch-site",
  contentSecurityPolicy: "content-security-policy",
  frameOptions: "x-frame-options",
  contentTypeOptions: "x-content-type-options",
  referrerPolicy: "referrer-policy",
  cacheControl: "cache-control",
  openerPolicy: "cross-origin-opener-policy",
  resourcePolicy: "cross-origin-resource-policy",
} as const;

/**
 * The session cookie's name. Browsers share cookies between the ports of one host, so the name holds
 * the port: two hosts on one machine (an emulator and `dev`) keep a session each.
 */
export function sessionCookieName(port: number): string {
  return `yourspace_kv_${port}`;
}

/** What the page shows in its banner: the embedded emulator and its data directory, or a remote API. */
type BrowserTarget = { kind: "emulator"; dataDir: string; apiUrl: string } | { kind: "remote"; apiUrl: string };

/** What the host describes itself as; GET session answers it with the CSRF token added. */
export interface BrowserDescription {
  target: BrowserTarget;
  site: string;
  /** The emulator's control and region routes are there. */
  emulator: boolean;
}

export interface BrowserSession extends BrowserDescription {
  csrf: string;
}

/** The answer of POST mint. */
export interface MintAnswer {
  url: string;
}

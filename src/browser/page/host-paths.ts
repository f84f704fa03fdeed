/** Where the page's host serves what the page asks for (src/browser/host/ serves them). */
export const HOST_PATHS = {
  /** The session: the CSRF token, the target and the site (GET). */
  session: "/kv/session",
  /** The platform API, proxied: `/kv/api/v1/…` is the API's `/v1/…`. */
  api: "/kv/api",
} as const;

/** The header every request that changes data carries, with the session's token. */
export const CSRF_HEADER = "x-yourspace-csrf";

/**
 * The routes of the platform API: their patterns (find-my-way syntax) as the server serves them, the
 * paths the client builds, and which methods each route takes.
 */

/** Route patterns, by name. */
export const ROUTES = {
  whoami: "/v1/whoami",
  namespaces: "/v1/sites/:site/namespaces",
  namespace: "/v1/sites/:site/namespaces/:ns",
  keys: "/v1/sites/:site/namespaces/:ns/keys",
  value: "/v1/sites/:site/namespaces/:ns/values/*",
  /** A counter: a value that holds a decimal integer, added to at home (its key is found as a value's is). */
  counter: "/v1/sites/:site/namespaces/:ns/counters/*",
  bulkPut: "/v1/sites/:site/namespaces/:ns/bulk/put",
  bulkDelete: "/v1/sites/:site/namespaces/:ns/bulk/delete",
  /** Removes the keys under a prefix a bounded step at a time: each request one step, from the cursor the last answered. */
  deletePrefix: "/v1/sites/:site/namespaces/:ns/bulk/delete-prefix",
  export: "/v1/sites/:site/namespaces/:ns/export",
  site: "/v1/sites/:site",
  bindings: "/v1/sites/:site/bindings",
  usage: "/v1/sites/:site/usage",
  audit: "/v1/sites/:site/audit",
  /** What each region of a key serves now, and when the newest write becomes visible there (its key is found as a value's is). */
  regions: "/v1/sites/:site/namespaces/:ns/regions/*",
  /** The emulator's own routes: its model, clock and faults. A platform that is not the emulator does not serve them. */
  emulator: "/v1/emulator",
  emulatorClock: "/v1/emulator/clock",
  emulatorAdvance: "/v1/emulator/advance",
  emulatorSettle: "/v1/emulator/settle",
  emulatorFaults: "/v1/emulator/faults",
} as const;

export type RouteName = keyof typeof ROUTES;

const seg = encodeURIComponent;

/** Fills a route pattern: each `:name` with its percent-encoded value, and `*` with a key. */
function fill(route: RouteName, values: Record<string, string>, rest?: string): string {
  // The key first: an encoded key holds no ':' (a site or namespace may hold a '*').
  const pattern = rest === undefined ? ROUTES[route] : ROUTES[route].replace("*", () => seg(rest));
  return pattern.replace(/:(\w+)/g, (_, name: string) => seg(values[name]!));
}

/** Keys may hold any character, '/' included; each is percent-encoded into the last path segment. */
export const paths = {
  whoami: () => ROUTES.whoami,
  namespaces: (site: string) => fill("namespaces", { site }),
  namespace: (site: string, ns: string) => fill("namespace", { site, ns }),
  keys: (site: string, ns: string) => fill("keys", { site, ns }),
  value: (site: string, ns: string, key: string) => fill("value", { site, ns }, key),
  counter: (site: string, ns: string, key: string) => fill("counter", { site, ns }, key),
  bulkPut: (site: string, ns: string) => fill("bulkPut", { site, ns }),
  bulkDelete: (site: string, ns: string) => fill("bulkDelete", { site, ns }),
  deletePrefix: (site: string, ns: string) => fill("deletePrefix", { site, ns }),
  export: (site: string, ns: string) => fill("export", { site, ns }),
  site: (site: string) => fill("site", { site }),
  bindings: (site: string) => fill("bindings", { site }),
  usage: (site: string) => fill("usage", { site }),
  audit: (site: string) => fill("audit", { site }),
  regions: (site: string, ns: string, key: string) => fill("regions", { site, ns }, key),
  emulator: () => ROUTES.emulator,
  emulatorClock: () => ROUTES.emulatorClock,
  emulatorAdvance: () => ROUTES.emulatorAdvance,
  emulatorSettle: () => ROUTES.emulatorSettle,
  emulatorFaults: () => ROUTES.emulatorFaults,
} satisfies Record<RouteName, (...args: string[]) => string>;

/**
 * Slashes in a value's path before its key (`/v1/sites/{site}/namespaces/{ns}/values/{key}`); a
 * counter's path has as many (`…/counters/{key}`), and a region view's (`…/regions/{key}`), so one
 * position finds the key of each.
 */
export const SLASHES_BEFORE_KEY = ROUTES.value.split("/").length - 1;

export type Method = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
export const METHODS: readonly Method[] = ["GET", "PUT", "POST", "PATCH", "DELETE"];

/** Every method of every route the API serves: the server serves exactly these, the others answer 405 or 404. */
export const ENDPOINTS = {
  whoami: ["GET"],
  namespaces: ["GET", "POST"],
  namespace: ["DELETE"],
  keys: ["GET"],
  value: ["GET", "PUT", "DELETE"],
  counter: ["POST"],
  bulkPut: ["POST"],
  bulkDelete: ["POST"],
  deletePrefix: ["POST"],
  export: ["GET"],
  site: ["GET", "PATCH"],
  bindings: ["GET", "PUT", "DELETE"],
  usage: ["GET"],
  audit: ["GET"],
  regions: ["GET"],
  emulator: ["GET"],
  emulatorClock: ["POST"],
  emulatorAdvance: ["POST"],
  emulatorSettle: ["POST"],
  emulatorFaults: ["POST"],
} as const satisfies Record<RouteName, readonly Method[]>;

/** One method of one route, as "GET value". */
export type Endpoint = { [R in RouteName]: `${(typeof ENDPOINTS)[R][number]} ${R}` }[RouteName];

/** An endpoint's method and route name. */
export function endpointParts(endpoint: Endpoint): [Method, RouteName] {
  return endpoint.split(" ") as [Method, RouteName];
}

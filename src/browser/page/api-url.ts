/** The address of an API path under the host's proxy: shared by the page's bundle and its first script (early.ts). */
import { BROWSER_PATHS } from "../../contract/browser-host.js";

export type Query = Record<string, string | number | undefined>;

/** An API path under the host's proxy, with its query (undefined parameters left out). */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  // The proxy's prefix ends in "/", an API path starts with one.
  return `${BROWSER_PATHS.api}${path.slice(1)}${search ? `?${search}` : ""}`;
}

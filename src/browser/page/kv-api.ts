/** The platform API's endpoints the page uses, typed; every request goes through api.ts. */
import { HEADERS, QUERY } from "../../contract/headers-and-query.js";
import { paths } from "../../contract/routes.js";
import { STATUS } from "../../contract/status.js";
import type {
  WireAuditEntry,
  WireBinding,
  WireBulkResults,
  WireDelete,
  WireListPage,
  WireNamespace,
  WirePrefixDeleted,
  WireSite,
  WireUsage,
  WireWrite,
} from "../../contract/wire.js";
import { inputErrors } from "../../core/input-errors.js";
import { answerOf, call, callJson, getUrl, jsonBody, PageError } from "./api.js";
import { apiUrl } from "./api-url.js";
import { keysUrl } from "./early-start.js";
import { metadataHeader, parseMetadataHeader } from "./bytes.js";

export const namespaces = async (site: string) => (await callJson<{ namespaces: WireNamespace[] }>(paths.namespaces(site))).namespaces;
export const bindings = async (site: string) => (await callJson<{ bindings: WireBinding[] }>(paths.bindings(site))).bindings;
export const siteInfo = (site: string) => callJson<WireSite>(paths.site(site));
export const usage = (site: string) => callJson<WireUsage>(paths.usage(site));

export const listKeys = async (site: string, ns: string, prefix: string, cursor: string | null, limit: number) =>
  (await (await getUrl(keysUrl(site, ns, prefix, cursor, limit))).json()) as WireListPage;

/** A page of keys from the answer to the request early.ts sent. */
export const earlyPageOfKeys = async (sent: Promise<Response>) => (await (await answerOf(sent)).json()) as WireListPage;

/** What a view of one opened key is given: where the key is, what was read of it, and the target's time. */
export interface OpenedKey {
  site: string;
  ns: string;
  name: string;
  stored: StoredValue | null;
  now: number;
}

export interface StoredValue {
  bytes: Uint8Array;
  version: string | null;
  expiresAt: string | null;
  metadata: Record<string, unknown> | null;
}

/**
 * The path of a key's route (its value, its regions). A browser takes "." and ".." segments out of a
 * URL before it sends it, even percent-encoded: the path of a key ".." would name the namespace's own
 * route instead. The API reserves these two keys; the page refuses them with the API's entry, sending nothing.
 */
export function keyPath(route: (site: string, ns: string, key: string) => string, site: string, ns: string, key: string): string {
  if (key === "." || key === "..") {
    const reserved = inputErrors.keyReserved(key);
    throw new PageError(reserved.message, reserved.hint ?? null, STATUS[reserved.code], reserved.code);
  }
  return route(site, ns, key);
}

/** One value, read at home (a strong read: what a write's compare-and-set is checked against). */
export async function getValue(site: string, ns: string, key: string): Promise<StoredValue> {
  const res = await call(keyPath(paths.value, site, ns, key));
  const metadata = res.headers.get(HEADERS.metadata);
  return {
    bytes: new Uint8Array(await res.arrayBuffer()),
    version: res.headers.get(HEADERS.version),
    expiresAt: res.headers.get(HEADERS.expiresAt),
    metadata: metadata === null ? null : parseMetadataHeader(metadata),
  };
}

export interface WriteOptions {
  /** Write only if home holds this version; null: only if the key is absent. */
  onlyIf: string | null;
  metadata: Record<string, unknown> | null;
  expiry: { ttlSeconds: number } | { expiresAt: number } | null;
}

export async function putValue(site: string, ns: string, key: string, bytes: Uint8Array, { onlyIf, metadata, expiry }: WriteOptions): Promise<WireWrite> {
  const headers: Record<string, string> = onlyIf === null ? { [HEADERS.ifNoneMatch]: "*" } : { [HEADERS.ifMatch]: `"${onlyIf}"` };
  if (metadata) headers[HEADERS.metadata] = metadataHeader(metadata);
  const query = expiry === null ? {} : "ttlSeconds" in expiry ? { [QUERY.ttl]: expiry.ttlSeconds } : { [QUERY.expiresAt]: expiry.expiresAt };
  return callJson<WireWrite>(keyPath(paths.value, site, ns, key), { method: "PUT", headers, query, body: bytes as Uint8Array<ArrayBuffer> });
}

export const deleteValue = async (site: string, ns: string, key: string, version: string) =>
  callJson<WireDelete>(keyPath(paths.value, site, ns, key), { method: "DELETE", headers: { [HEADERS.ifMatch]: `"${version}"` } });

/** One step of removing the keys under a prefix: from the cursor the step before answered (null: the first). */
export const deletePrefixStep = (site: string, ns: string, prefix: string, cursor: string | null) =>
  callJson<WirePrefixDeleted>(paths.deletePrefix(site, ns), { method: "POST", ...jsonBody({ prefix, cursor }) });

export const bulkPut = (site: string, ns: string, entries: unknown[]) =>
  callJson<WireBulkResults>(paths.bulkPut(site, ns), { method: "POST", ...jsonBody({ entries }) });

/** The export stream's URL: the browser downloads it as the API streams it. */
export const exportUrl = (site: string, ns: string, prefix: string) => apiUrl(paths.export(site, ns), { [QUERY.prefix]: prefix || undefined });

export const auditOfKey = async (site: string, key: string, limit: number) =>
  (await callJson<{ entries: WireAuditEntry[] }>(paths.audit(site), { query: { [QUERY.key]: key, [QUERY.limit]: limit } })).entries;

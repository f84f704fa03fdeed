import type { GetResult, ReadOptions, ServedFrom } from "../core/backend.js";
import { validateKey } from "../core/validate.js";
import { decodeMetadataHeader, HEADERS, msOrNull, paths, QUERY } from "../contract/index.js";
import { describeBody, header, notPlatformApi, toError } from "./answers.js";
import type { Transport } from "./transport.js";

/**
 * A value read over the API: its bytes in the body, the rest in headers (where it was served from,
 * its version, metadata and expiry). A miss is an answer, not an error; an answer without the
 * headers every read of the API carries is not the platform's.
 */
export async function readValue(http: Transport, apiUrl: string, site: string, ns: string, key: string, options: ReadOptions): Promise<GetResult> {
  // Checked here too: some bad keys (empty, lone surrogates) cannot even be put in a URL.
  validateKey(key);
  const res = await http.send({
    method: "GET",
    path: paths.value(site, ns, key),
    query: {
      [QUERY.region]: options.region,
      [QUERY.consistency]: options.consistency,
      [QUERY.cacheTtl]: options.cacheTtlMs === undefined ? undefined : String(options.cacheTtlMs / 1000),
    },
    repeatable: true,
  });
  const h = (name: string) => header(res, name);
  const read = {
    region: h(HEADERS.region) ?? options.region ?? "",
    version: h(HEADERS.version) ?? null,
    servedFrom: (h(HEADERS.servedFrom) ?? "home") as ServedFrom,
    ageMs: Number(h(HEADERS.ageMs) ?? 0),
  };
  if (res.status === 404) {
    const err = toError(res, apiUrl);
    if (err.code === "KEY_NOT_FOUND") return { entry: null, read };
    throw err;
  }
  if (res.status !== 200) throw toError(res, apiUrl);
  // Every value the API serves says where it was served from; a page from elsewhere does not.
  if (h(HEADERS.region) === undefined) throw notPlatformApi(apiUrl, `a read answered HTTP 200 without the ${HEADERS.region} header (${describeBody(res)})`);
  const metadata = h(HEADERS.metadata);
  let decoded: unknown = null;
  if (metadata) {
    try {
      decoded = decodeMetadataHeader(metadata);
    } catch {
      decoded = undefined;
    }
    if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded))
      throw notPlatformApi(apiUrl, `a read answered a ${HEADERS.metadata} header that is not base64url JSON`);
  }
  return {
    entry: {
      key,
      value: res.body,
      metadata: decoded as Record<string, unknown> | null,
      expiresAt: msOrNull(h(HEADERS.expiresAt) ?? null),
      version: read.version ?? "",
    },
    read,
  };
}

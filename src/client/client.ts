import { randomUUID } from "node:crypto";
import type {
  IncrOptions,
  IncrResult,
  AuditEntry,
  AuditQuery,
  Backend,
  Binding,
  DeleteOptions,
  DeleteResult,
  ExportedEntry,
  GetResult,
  ListOptions,
  ListPage,
  NamespaceInfo,
  PutInput,
  ReadOptions,
  ServedFrom,
  SiteChange,
  SiteInfo,
  TargetInfo,
  UsageReport,
  WriteOptions,
  WriteResult,
} from "../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../core/bulk.js";
import { errors, KvError } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import { validateKey } from "../core/validate.js";
import {
  API_LIMITS,
  auditEntryFromWire,
  bindingBody,
  bindingFromWire,
  bulkDeleteBody,
  bulkEntryText,
  bulkPutBody,
  decodeMetadataHeader,
  encodeMetadataHeader,
  HEADERS,
  isAudit,
  isBinding,
  isBindings,
  isBulkResults,
  isDeleteResult,
  isListPage,
  isNamespace,
  isNamespaceRemoved,
  isNamespaces,
  isRemoved,
  isSite,
  isUsage,
  isWhoami,
  isWrite,
  listPageFromWire,
  MEDIA,
  msOrNull,
  namespaceCreateBody,
  namespaceFromWire,
  outcomeFromWire,
  paths,
  QUERY,
  siteChangeBody,
  type WireAuditEntry,
  type WireBinding,
  type WireBulkResults,
  type WireDelete,
  type WireListPage,
  type WireNamespace,
  type WireNamespaceRemoved,
  type WireRemoved,
  type WireWhoami,
  type WireWrite,
} from "../contract/index.js";
import { describeBody, header, notPlatformApi, toError } from "./answers.js";
import { exportPages } from "./export-stream.js";
import { settled, split } from "./partial.js";
import { Transport } from "./transport.js";

export interface HttpBackendOptions {
  apiUrl: string;
  token: string;
  /** The site to act on; when null, the token's own site (asked of the API). */
  site: string | null;
  /** Where the target line says the credentials came from. */
  source?: string;
  /** Retries after the first attempt, for requests that are safe to repeat. */
  retries?: number;
  timeoutMs?: number;
  /** Waits between retries; tests pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const JSON_BODY = { [HEADERS.contentType]: MEDIA.json };
/** A write that may be retried: the API does it once per key. */
const once = () => ({ [HEADERS.idempotencyKey]: randomUUID() });

/**
 * The Backend over the platform API (or an emulator serving it). Requests share a keep-alive pool;
 * reads and idempotency-keyed writes are retried (transport.ts); error bodies become the same
 * catalogue errors, messages and exit codes as the embedded target.
 */
export class HttpBackend implements Backend {
  readonly target: TargetInfo;
  private readonly site: string;

  private constructor(
    private readonly http: Transport,
    private readonly options: HttpBackendOptions,
  ) {
    this.site = options.site ?? "";
    this.target = {
      kind: "remote",
      description: `platform API at ${options.apiUrl} (site ${this.site}${options.source ? `, ${options.source}` : ""})`,
      site: this.site,
    };
  }

  static async open(options: HttpBackendOptions): Promise<HttpBackend> {
    const { Pool } = await import("undici");
    const timeout = options.timeoutMs ?? 30_000;
    let origin: string;
    try {
      origin = new URL(options.apiUrl).origin;
    } catch {
      throw new KvError(
        "USAGE",
        `The API URL "${options.apiUrl}" is not a URL.`,
        "Give a URL such as http://127.0.0.1:8787 with --api-url or YOURSPACE_API_URL.",
      );
    }
    const pool = new Pool(origin, {
      connections: 8,
      connectTimeout: Math.min(timeout, 10_000),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 4_000,
    });
    const http = new Transport(pool, options.apiUrl, options.token, options.retries ?? 3, options.sleep ?? sleepFor);
    const backend = new HttpBackend(http, options);
    if (options.site !== null) return backend;
    try {
      return new HttpBackend(http, { ...options, site: (await backend.whoami()).site });
    } catch (e) {
      await http.close();
      throw e;
    }
  }

  async whoami(): Promise<WireWhoami> {
    return this.http.json(await this.http.call({ method: "GET", path: paths.whoami(), repeatable: true }), isWhoami);
  }

  async get(ns: string, key: string, options: ReadOptions = {}): Promise<GetResult> {
    // Checked here too: some bad keys (empty, lone surrogates) cannot even be put in a URL.
    validateKey(key);
    const res = await this.http.send({
      method: "GET",
      path: paths.value(this.site, ns, key),
      query: {
        [QUERY.region]: options.region,
        [QUERY.consistency]: options.consistency,
        [QUERY.cacheTtl]: options.cacheTtlMs === undefined ? undefined : String(options.cacheTtlMs / 1000),
      },
      repeatable: true,
    });
    const apiUrl = this.options.apiUrl;
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

  async put(ns: string, key: string, input: PutInput, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    const headers: Record<string, string> = { [HEADERS.contentType]: MEDIA.value, ...once() };
    if (input.metadata !== undefined) headers[HEADERS.metadata] = encodeMetadataHeader(input.metadata);
    const res = await this.http.call({
      method: "PUT",
      path: paths.value(this.site, ns, key),
      query: {
        [QUERY.region]: options.region,
        [QUERY.ttl]: input.ttlSeconds,
        [QUERY.expiresAt]: input.expiresAt === undefined ? undefined : input.expiresAt / 1000,
      },
      body: Buffer.from(input.value.buffer, input.value.byteOffset, input.value.byteLength),
      headers,
      repeatable: true,
    });
    return this.http.json<WireWrite>(res, isWrite);
  }

  /** The platform API's route for counters is not wired yet (issue 19's surface). */
  async incr(_ns: string, _key: string, _options?: IncrOptions): Promise<IncrResult> {
    throw new KvError("NOT_IMPLEMENTED", "Counters are not available over the platform API yet.");
  }

  /**
   * Deletes keys, all or nothing as on every target: the API removes at most a request's worth at
   * once (1,000 keys), so more than that are first checked with dry runs, and a missing key fails the
   * whole delete before anything is removed. A request that fails after others have removed their keys
   * (the target went away, a key vanished meanwhile) ends in PARTIALLY_APPLIED, saying which went.
   */
  async delete(ns: string, keys: readonly string[], options: DeleteOptions): Promise<DeleteResult> {
    keys.forEach(validateKey);
    // A key given twice counts once, as in one transaction.
    const unique = [...new Set(keys)];
    const parts = split(
      unique.map((k) => JSON.stringify(k)),
      LIMITS.maxListLimit,
      API_LIMITS.maxJsonBody - 64,
    ).map(([from, to]) => unique.slice(from, to));
    const send = (part: string[], dryRun: boolean): Promise<DeleteResult> =>
      this.http
        .call({
          method: "POST",
          path: paths.bulkDelete(this.site, ns),
          query: { [QUERY.region]: options.region },
          body: bulkDeleteBody(part, options.force, dryRun),
          headers: { ...JSON_BODY, ...(!dryRun && once()) },
          repeatable: true,
        })
        .then((res) => this.http.json<WireDelete>(res, isDeleteResult));
    if (parts.length === 0) return { deleted: [], missing: [], version: null };
    if (parts.length === 1) return send(parts[0]!, options.dryRun === true);
    const merged: DeleteResult = { deleted: [], missing: [], version: null };
    const add = (r: DeleteResult) => {
      merged.deleted.push(...r.deleted);
      merged.missing.push(...r.missing);
      merged.version = r.version ?? merged.version;
    };
    if (options.dryRun || !options.force) {
      for (const part of parts) add(await send(part, true));
      if (options.dryRun) return merged;
      if (merged.missing.length > 0) throw errors.keysNotFound(merged.missing, ns);
      merged.deleted = [];
    }
    for (const [i, part] of parts.entries()) {
      try {
        add(await send(part, false));
      } catch (e) {
        if (i === 0 || !(e instanceof KvError)) throw e;
        throw errors.partiallyApplied({ action: "remove", namespace: ns, ...settled(parts, i, e), cause: e });
      }
    }
    return merged;
  }

  async list(ns: string, options: ListOptions): Promise<ListPage> {
    const res = await this.http.call({
      method: "GET",
      path: paths.keys(this.site, ns),
      query: {
        [QUERY.prefix]: options.prefix || undefined,
        [QUERY.cursor]: options.cursor ?? undefined,
        [QUERY.limit]: options.limit,
        [QUERY.region]: options.region,
        [QUERY.consistency]: options.consistency,
      },
      repeatable: true,
    });
    return listPageFromWire(this.http.json<WireListPage>(res, isListPage));
  }

  /**
   * Writes entries in requests the API takes (at most 1,000 entries and 2 MiB each), in order. Each
   * request is all or nothing; a request that fails after others were written ends in
   * PARTIALLY_APPLIED, saying which entries were written and which were not.
   */
  async bulkPut(ns: string, entries: readonly BulkEntry[], options: { dryRun?: boolean } & WriteOptions = {}): Promise<BulkOutcome[]> {
    const wire = entries.map(bulkEntryText);
    const dryRun = options.dryRun === true;
    const parts = split(wire, API_LIMITS.maxBulkEntries, API_LIMITS.maxBulkBody - 64);
    const results: BulkOutcome[] = [];
    for (const [i, [from, to]] of parts.entries()) {
      let part: WireBulkResults;
      try {
        const res = await this.http.call({
          method: "POST",
          path: paths.bulkPut(this.site, ns),
          query: { [QUERY.region]: options.region },
          body: bulkPutBody(wire.slice(from, to), dryRun),
          headers: { ...JSON_BODY, ...(!dryRun && once()) },
          repeatable: true,
        });
        part = this.http.json<WireBulkResults>(res, (doc) => isBulkResults(doc, to - from));
      } catch (e) {
        if (i === 0 || dryRun || !(e instanceof KvError)) throw e;
        const keys = parts.map(([a, b]) => entries.slice(a, b).map((entry) => entry.key));
        throw errors.partiallyApplied({ action: "write", namespace: ns, ...settled(keys, i, e), cause: e });
      }
      results.push(...part.results.map(outcomeFromWire));
    }
    return results;
  }

  async *exportEntries(ns: string, options: { prefix: string }): AsyncIterable<ExportedEntry[]> {
    const apiUrl = this.options.apiUrl;
    const answer = await this.http.stream(paths.export(this.site, ns), { [QUERY.prefix]: options.prefix || undefined });
    if (answer.statusCode !== 200 || !new RegExp(`^${MEDIA.export}`, "i").test(String(answer.headers[HEADERS.contentType] ?? ""))) {
      const res = { status: answer.statusCode, headers: answer.headers, body: Buffer.from(await answer.body.arrayBuffer()) };
      throw answer.statusCode === 200 ? notPlatformApi(apiUrl, `an export answered ${describeBody(res)}, not NDJSON`) : toError(res, apiUrl);
    }
    const { createInterface } = await import("node:readline");
    const lines = createInterface({ input: answer.body, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
    try {
      yield* exportPages(lines, apiUrl);
    } finally {
      await lines.return?.();
    }
  }

  async usage(): Promise<UsageReport> {
    return this.http.json(await this.http.call({ method: "GET", path: paths.usage(this.site), repeatable: true }), isUsage);
  }

  async updateSite(change: SiteChange): Promise<SiteInfo> {
    return this.http.json(
      await this.http.call({ method: "PATCH", path: paths.site(this.site), body: siteChangeBody(change), headers: JSON_BODY, repeatable: true }),
      isSite,
    );
  }

  async listBindings(): Promise<Binding[]> {
    const res = await this.http.call({ method: "GET", path: paths.bindings(this.site), repeatable: true });
    return this.http.json<{ bindings: WireBinding[] }>(res, isBindings).bindings.map(bindingFromWire);
  }

  async bind(binding: Omit<Binding, "createdAt">): Promise<Binding> {
    const res = await this.http.call({ method: "PUT", path: paths.bindings(this.site), body: bindingBody(binding), headers: JSON_BODY, repeatable: true });
    return bindingFromWire(this.http.json<WireBinding>(res, isBinding));
  }

  async unbind(route: string, variable: string): Promise<boolean> {
    const res = await this.http.call({
      method: "DELETE",
      path: paths.bindings(this.site),
      query: { [QUERY.route]: route, [QUERY.variable]: variable },
      repeatable: true,
    });
    return this.http.json<WireRemoved>(res, isRemoved).removed;
  }

  async audit(query: AuditQuery): Promise<AuditEntry[]> {
    const res = await this.http.call({
      method: "GET",
      path: paths.audit(this.site),
      query: { [QUERY.key]: query.key, [QUERY.actor]: query.actor, [QUERY.since]: query.since, [QUERY.withinMs]: query.withinMs, [QUERY.limit]: query.limit },
      repeatable: true,
    });
    return this.http.json<{ entries: WireAuditEntry[] }>(res, isAudit).entries.map(auditEntryFromWire);
  }

  async createNamespace(name: string): Promise<NamespaceInfo> {
    const res = await this.http.call({
      method: "POST",
      path: paths.namespaces(this.site),
      body: namespaceCreateBody(name),
      headers: { ...JSON_BODY, ...once() },
      repeatable: true,
    });
    return namespaceFromWire(this.http.json<WireNamespace>(res, isNamespace));
  }

  async listNamespaces(): Promise<NamespaceInfo[]> {
    const res = await this.http.call({ method: "GET", path: paths.namespaces(this.site), repeatable: true });
    return this.http.json<{ namespaces: WireNamespace[] }>(res, isNamespaces).namespaces.map(namespaceFromWire);
  }

  async removeNamespace(name: string): Promise<void> {
    this.http.json<WireNamespaceRemoved>(
      await this.http.call({ method: "DELETE", path: paths.namespace(this.site, name), headers: once(), repeatable: true }),
      isNamespaceRemoved,
    );
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

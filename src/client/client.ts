import type {
  BulkPutOptions,
  IncrOptions,
  IncrResult,
  PutOptions,
  AuditEntry,
  AuditQuery,
  Backend,
  Binding,
  DeleteOptions,
  DeleteResult,
  ExportedEntry,
  ExportLines,
  GetResult,
  ListOptions,
  ListPage,
  NamespaceInfo,
  PrefixDeleteOptions,
  PrefixDeleteStep,
  PutInput,
  ReadOptions,
  SiteChange,
  SiteInfo,
  TargetInfo,
  UsageReport,
  WriteResult,
} from "../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../core/bulk.js";
import { toExportLines } from "../core/export-lines.js";
import { remoteErrors } from "../core/remote-errors.js";
import { validateKey } from "../core/validate.js";
import {
  auditEntryFromWire,
  bindingBody,
  bindingFromWire,
  conditionHeaders,
  deletePrefixBody,
  encodeMetadataHeader,
  HEADERS,
  isAudit,
  isBinding,
  isBindings,
  isListPage,
  isNamespace,
  isNamespaceRemoved,
  isNamespaces,
  isPrefixDeleted,
  isRemoved,
  isSite,
  isUsage,
  isWhoami,
  isWrite,
  listPageFromWire,
  MEDIA,
  namespaceCreateBody,
  namespaceFromWire,
  paths,
  QUERY,
  siteChangeBody,
  type WireAuditEntry,
  type WireBinding,
  type WireListPage,
  type WireNamespace,
  type WireNamespaceRemoved,
  type WirePrefixDeleted,
  type WireRemoved,
  type WireWhoami,
  type WireWrite,
} from "../contract/index.js";
import { describeBody, notPlatformApi, toError } from "./answers.js";
import { HttpEmulatorControls } from "./emulator-controls.js";
import { exportPages } from "./export-stream.js";
import { deleteKeys, putEntries } from "./bulk-requests.js";
import { checkVersion, deleteIf, increment } from "./conditional-requests.js";
import { readValue } from "./read-value.js";
import { JSON_BODY, once } from "./request-headers.js";
import { Transport } from "./transport.js";
import { undiciPool } from "./undici-pool.js";

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
    // A Bearer token is visible ASCII: anything else would fail in the HTTP client as if the network had.
    if (!/^[\x21-\x7e]+$/.test(options.token)) throw remoteErrors.tokenNotSendable();
    const Pool = undiciPool();
    const timeout = options.timeoutMs ?? 30_000;
    let origin: string;
    try {
      origin = new URL(options.apiUrl).origin;
    } catch {
      throw remoteErrors.apiUrlNotUrl(options.apiUrl);
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

  get(ns: string, key: string, options: ReadOptions = {}): Promise<GetResult> {
    return readValue(this.http, this.options.apiUrl, this.site, ns, key, options);
  }

  async put(ns: string, key: string, input: PutInput, options: PutOptions = {}): Promise<WriteResult> {
    validateKey(key);
    checkVersion(options.onlyIf);
    const headers: Record<string, string> = { [HEADERS.contentType]: MEDIA.value, ...once(), ...conditionHeaders(options.onlyIf) };
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

  /** All or nothing, as on every target (bulk-requests.ts); with a condition, one key by its own route (conditional-requests.ts). */
  delete(ns: string, keys: readonly string[], options: DeleteOptions): Promise<DeleteResult> {
    if (options.onlyIf !== undefined)
      return deleteIf(this.http, this.site, ns, keys, { ...options, onlyIf: options.onlyIf }, (key) => this.get(ns, key, { region: options.region }));
    return deleteKeys(this.http, paths.bulkDelete(this.site, ns), ns, keys, options);
  }

  /** One step a request; the server sizes it and pauses after it, so other writers get the lock between steps. */
  async deletePrefix(ns: string, prefix: string, options: PrefixDeleteOptions): Promise<PrefixDeleteStep> {
    const res = await this.http.call({
      method: "POST",
      path: paths.deletePrefix(this.site, ns),
      query: { [QUERY.region]: options.region },
      body: deletePrefixBody(prefix, options.cursor, options.dryRun),
      headers: { ...JSON_BODY, ...once() },
      repeatable: true,
    });
    const { removed, cursor } = this.http.json<WirePrefixDeleted>(res, isPrefixDeleted);
    return { removed, cursor };
  }

  incr(ns: string, key: string, options: IncrOptions = {}): Promise<IncrResult> {
    return increment(this.http, this.site, ns, key, options);
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

  /** In requests the API takes, each all or nothing (bulk-requests.ts). */
  bulkPut(ns: string, entries: readonly BulkEntry[], options: BulkPutOptions = {}): Promise<BulkOutcome[]> {
    return putEntries(this.http, paths.bulkPut(this.site, ns), ns, entries, options);
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

  async *exportLines(ns: string, options: { prefix: string }): AsyncIterable<ExportLines> {
    for await (const page of this.exportEntries(ns, options)) yield toExportLines(page);
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

  /** The emulator's controls and region views, where the target is an emulator's API server. */
  emulator(): HttpEmulatorControls {
    return new HttpEmulatorControls(this.http, this.site);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

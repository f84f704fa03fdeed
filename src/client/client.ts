import { randomUUID } from "node:crypto";
import type { Dispatcher, Pool } from "undici";
import type { AuditEntry, AuditQuery, Backend, Binding, DeleteOptions, DeleteResult, ExportedEntry, SiteChange, SiteInfo, UsageReport, GetResult, ListOptions, ListPage, NamespaceInfo, PutInput, ReadOptions, ServedFrom, TargetInfo, WriteOptions, WriteResult } from "../core/backend.js";
import { parseWireEntry, type BulkEntry, type BulkOutcome, type WireEntry } from "../core/bulk.js";
import { ERROR_EXIT, errors, KvError, type ErrorCode } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import { validateKey } from "../core/validate.js";
import { API_LIMITS, decodeMetadataHeader, encodeMetadataHeader, HEADERS, msOrNull, paths, QUERY, type WireListPage, type WireNamespace, type WireOutcome, type WireWhoami } from "../contract/index.js";
import { isAudit, isBinding, isBindings, isBulkResults, isDeleteResult, isListPage, isNamespace, isNamespaceRemoved, isNamespaces, isRemoved, isSite, isUsage, isWhoami, isWrite } from "../contract/index.js";

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

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface RequestSpec {
  method: Dispatcher.HttpMethod;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Safe to send again: reads, and writes that carry an Idempotency-Key. */
  repeatable: boolean;
}

const RETRY_STATUS = new Set([408, 429, 502, 503, 504]);
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The Backend over the platform API (or an emulator serving it). Requests share a keep-alive pool;
 * reads and idempotency-keyed writes are retried with backoff, honouring Retry-After; error bodies
 * become the same catalogue errors, messages and exit codes as the embedded target.
 */
export class HttpBackend implements Backend {
  readonly target: TargetInfo;
  private readonly retries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  private readonly site: string;

  private constructor(
    private readonly pool: Pool,
    private readonly options: HttpBackendOptions,
  ) {
    this.retries = options.retries ?? 3;
    this.sleep = options.sleep ?? sleepFor;
    this.site = options.site ?? "";
    this.target = { kind: "remote", description: `platform API at ${options.apiUrl} (site ${this.site}${options.source ? `, ${options.source}` : ""})`, site: this.site };
  }

  static async open(options: HttpBackendOptions): Promise<HttpBackend> {
    const { Pool } = await import("undici");
    const timeout = options.timeoutMs ?? 30_000;
    let origin: string;
    try {
      origin = new URL(options.apiUrl).origin;
    } catch {
      throw new KvError("USAGE", `The API URL "${options.apiUrl}" is not a URL.`, "Give a URL such as http://127.0.0.1:8787 with --api-url or YOURSPACE_API_URL.");
    }
    const pool = new Pool(origin, { connections: 8, connectTimeout: Math.min(timeout, 10_000), headersTimeout: timeout, bodyTimeout: timeout, keepAliveTimeout: 4_000 });
    const backend = new HttpBackend(pool, options);
    if (options.site !== null) return backend;
    try {
      return new HttpBackend(pool, { ...options, site: (await backend.whoami()).site });
    } catch (e) {
      await pool.close();
      throw e;
    }
  }

  async whoami(): Promise<WireWhoami> {
    return this.json(await this.call({ method: "GET", path: paths.whoami(), repeatable: true }), isWhoami);
  }

  async get(ns: string, key: string, options: ReadOptions = {}): Promise<GetResult> {
    // Checked here too: some bad keys (empty, lone surrogates) cannot even be put in a URL.
    validateKey(key);
    const res = await this.send({
      method: "GET",
      path: paths.value(this.site, ns, key),
      query: { [QUERY.region]: options.region, [QUERY.consistency]: options.consistency, [QUERY.cacheTtl]: options.cacheTtlMs === undefined ? undefined : String(options.cacheTtlMs / 1000) },
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
      const err = toError(res, this.options.apiUrl);
      if (err.code === "KEY_NOT_FOUND") return { entry: null, read };
      throw err;
    }
    if (res.status !== 200) throw toError(res, this.options.apiUrl);
    // Every value the API serves says where it was served from; a page from elsewhere does not.
    if (h(HEADERS.region) === undefined) throw notPlatformApi(this.options.apiUrl, `a read answered HTTP 200 without the ${HEADERS.region} header (${describeBody(res)})`);
    const metadata = h(HEADERS.metadata);
    let decoded: unknown = null;
    if (metadata) {
      try {
        decoded = decodeMetadataHeader(metadata);
      } catch {
        decoded = undefined;
      }
      if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) throw notPlatformApi(this.options.apiUrl, `a read answered a ${HEADERS.metadata} header that is not base64url JSON`);
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
    const headers: Record<string, string> = { "content-type": "application/octet-stream", [HEADERS.idempotencyKey]: randomUUID() };
    if (input.metadata !== undefined) headers[HEADERS.metadata] = encodeMetadataHeader(input.metadata);
    return this.json(
      await this.call({
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
      }),
      isWrite,
    );
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
    const parts = split(unique.map((k) => JSON.stringify(k)), LIMITS.maxListLimit, API_LIMITS.maxJsonBody - 64).map(([from, to]) => unique.slice(from, to));
    const send = (part: string[], dryRun: boolean): Promise<DeleteResult> =>
      this.call({
        method: "POST",
        path: paths.bulkDelete(this.site, ns),
        query: { [QUERY.region]: options.region },
        body: JSON.stringify({ keys: part, force: options.force, ...(dryRun && { dryRun }) }),
        headers: { "content-type": "application/json", ...(!dryRun && { [HEADERS.idempotencyKey]: randomUUID() }) },
        repeatable: true,
      }).then((res) => this.json<DeleteResult>(res, isDeleteResult));
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
    const page: WireListPage = this.json(
      await this.call({
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
      }),
      isListPage,
    );
    return { keys: page.keys.map((k) => ({ key: k.key, size: k.size, expiresAt: msOrNull(k.expiresAt), metadata: k.metadata })), cursor: page.cursor };
  }

  /**
   * Writes entries in requests the API takes (at most 1,000 entries and 2 MiB each), in order. Each
   * request is all or nothing; a request that fails after others were written ends in
   * PARTIALLY_APPLIED, saying which entries were written and which were not.
   */
  async bulkPut(ns: string, entries: readonly BulkEntry[], options: { dryRun?: boolean } & WriteOptions = {}): Promise<BulkOutcome[]> {
    const wire = entries.map((e) => {
      const w: WireEntry = { key: e.key, value: e.value.toString("base64"), base64: true };
      if (e.metadata !== undefined) w.metadata = e.metadata;
      if (e.expiresAt !== undefined) w.expiration = e.expiresAt / 1000;
      if (e.ttlSeconds !== undefined) w.expiration_ttl = e.ttlSeconds;
      return JSON.stringify(w);
    });
    const dryRun = options.dryRun === true;
    const parts = split(wire, API_LIMITS.maxBulkEntries, API_LIMITS.maxBulkBody - 64);
    const results: WireOutcome[] = [];
    for (const [i, [from, to]] of parts.entries()) {
      let part: WireOutcome[];
      try {
        part = this.json<{ results: WireOutcome[] }>(
          await this.call({
            method: "POST",
            path: paths.bulkPut(this.site, ns),
            query: { [QUERY.region]: options.region },
            body: `{"entries":[${wire.slice(from, to).join(",")}],"dryRun":${dryRun}}`,
            headers: { "content-type": "application/json", ...(!dryRun && { [HEADERS.idempotencyKey]: randomUUID() }) },
            repeatable: true,
          }),
          (doc) => isBulkResults(doc, to - from),
        ).results;
      } catch (e) {
        if (i === 0 || dryRun || !(e instanceof KvError)) throw e;
        const keys = parts.map(([a, b]) => entries.slice(a, b).map((entry) => entry.key));
        throw errors.partiallyApplied({ action: "write", namespace: ns, ...settled(keys, i, e), cause: e });
      }
      results.push(...part);
    }
    return results.map(({ old, ...rest }) => {
      if (!old) return rest;
      const parsed = parseWireEntry(old);
      return { ...rest, old: { value: parsed.value, metadata: parsed.metadata ?? null, expiresAt: parsed.expiresAt ?? null } };
    });
  }

  async *exportEntries(ns: string, options: { prefix: string }): AsyncIterable<ExportedEntry[]> {
    const path = `${paths.export(this.site, ns)}${options.prefix ? `?${new URLSearchParams({ [QUERY.prefix]: options.prefix })}` : ""}`;
    let answer;
    try {
      answer = await this.pool.request({ method: "GET", path, headers: { authorization: `Bearer ${this.options.token}`, "user-agent": "yourspace-cli" } });
    } catch (e) {
      throw unreachable(e, this.options.apiUrl);
    }
    if (answer.statusCode !== 200 || !/^application\/x-ndjson/i.test(String(answer.headers["content-type"] ?? ""))) {
      const res = { status: answer.statusCode, headers: answer.headers, body: Buffer.from(await answer.body.arrayBuffer()) };
      throw answer.statusCode === 200 ? notPlatformApi(this.options.apiUrl, `an export answered ${describeBody(res)}, not NDJSON`) : toError(res, this.options.apiUrl);
    }
    const { createInterface } = await import("node:readline");
    const lines = createInterface({ input: answer.body, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
    try {
      yield* exportPages(lines, this.options.apiUrl);
    } finally {
      await lines.return?.();
    }
  }

  async usage(): Promise<UsageReport> {
    return this.json(await this.call({ method: "GET", path: paths.usage(this.site), repeatable: true }), isUsage);
  }

  async updateSite(change: SiteChange): Promise<SiteInfo> {
    return this.json(
      await this.call({ method: "PATCH", path: paths.site(this.site), body: JSON.stringify(change), headers: { "content-type": "application/json" }, repeatable: true }),
      isSite,
    );
  }

  async listBindings(): Promise<Binding[]> {
    const { bindings } = this.json<{ bindings: (Omit<Binding, "createdAt"> & { createdAt: string })[] }>(await this.call({ method: "GET", path: paths.bindings(this.site), repeatable: true }), isBindings);
    return bindings.map((b) => ({ ...b, createdAt: Date.parse(b.createdAt) }));
  }

  async bind(binding: Omit<Binding, "createdAt">): Promise<Binding> {
    const b = this.json<Omit<Binding, "createdAt"> & { createdAt: string }>(
      await this.call({ method: "PUT", path: paths.bindings(this.site), body: JSON.stringify({ route: binding.route, variable: binding.variable, namespace: binding.namespace, access: binding.access }), headers: { "content-type": "application/json" }, repeatable: true }),
      isBinding,
    );
    return { ...b, createdAt: Date.parse(b.createdAt) };
  }

  async unbind(route: string, variable: string): Promise<boolean> {
    return this.json<{ removed: boolean }>(await this.call({ method: "DELETE", path: paths.bindings(this.site), query: { [QUERY.route]: route, [QUERY.variable]: variable }, repeatable: true }), isRemoved).removed;
  }

  async audit(query: AuditQuery): Promise<AuditEntry[]> {
    const { entries } = this.json<{ entries: (Omit<AuditEntry, "t"> & { t: string })[] }>(
      await this.call({ method: "GET", path: paths.audit(this.site), query: { [QUERY.key]: query.key, [QUERY.actor]: query.actor, [QUERY.since]: query.since, [QUERY.withinMs]: query.withinMs, [QUERY.limit]: query.limit }, repeatable: true }),
      isAudit,
    );
    return entries.map((e) => ({ ...e, t: Date.parse(e.t) }));
  }

  async createNamespace(name: string): Promise<NamespaceInfo> {
    const ns: WireNamespace = this.json(
      await this.call({
        method: "POST",
        path: paths.namespaces(this.site),
        body: JSON.stringify({ name }),
        headers: { "content-type": "application/json", [HEADERS.idempotencyKey]: randomUUID() },
        repeatable: true,
      }),
      isNamespace,
    );
    return { name: ns.name, createdAt: Date.parse(ns.createdAt), keys: ns.keys };
  }

  async listNamespaces(): Promise<NamespaceInfo[]> {
    const { namespaces } = this.json<{ namespaces: WireNamespace[] }>(await this.call({ method: "GET", path: paths.namespaces(this.site), repeatable: true }), isNamespaces);
    return namespaces.map((n) => ({ name: n.name, createdAt: Date.parse(n.createdAt), keys: n.keys }));
  }

  async removeNamespace(name: string): Promise<void> {
    this.json(await this.call({ method: "DELETE", path: paths.namespace(this.site, name), headers: { [HEADERS.idempotencyKey]: randomUUID() }, repeatable: true }), isNamespaceRemoved);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** A successful answer's JSON, checked against the shape the contract gives it: anything else is not the platform API. */
  private json<T>(res: Response, valid: (doc: unknown) => boolean): T {
    if (!isJson(res)) throw notPlatformApi(this.options.apiUrl, `it answered ${describeBody(res)}`);
    let doc: unknown;
    try {
      doc = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw notPlatformApi(this.options.apiUrl, `it answered JSON that does not parse (${describeBody(res)})`);
    }
    if (!valid(doc)) throw notPlatformApi(this.options.apiUrl, `its answer to a request is not of the shape the API gives it (${describeBody(res)})`);
    return doc as T;
  }

  /** Sends and fails on any non-2xx answer. */
  private async call(spec: RequestSpec): Promise<Response> {
    const res = await this.send(spec);
    if (res.status < 200 || res.status >= 300) throw toError(res, this.options.apiUrl);
    return res;
  }

  /** Sends with retries for transient failures; returns whatever final answer came. */
  private async send(spec: RequestSpec): Promise<Response> {
    const query = Object.entries(spec.query ?? {}).filter(([, v]) => v !== undefined);
    const path = query.length ? `${spec.path}?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : spec.path;
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let failure: unknown;
      try {
        const answer = await this.pool.request({
          method: spec.method,
          path,
          headers: { authorization: `Bearer ${this.options.token}`, "user-agent": "yourspace-cli", ...spec.headers },
          body: spec.body,
        });
        res = { status: answer.statusCode, headers: answer.headers, body: Buffer.from(await answer.body.arrayBuffer()) };
      } catch (e) {
        failure = e;
      }
      const canRetry = spec.repeatable && attempt < this.retries;
      if (res && !(canRetry && transient(res))) return res;
      if (!res && !canRetry) throw unreachable(failure, this.options.apiUrl);
      await this.sleep(res ? retryDelay(res, attempt) : backoff(attempt));
    }
  }
}

/** A 503 from the API itself (say, a partitioned region) is an answer, not a glitch: retry only gateway trouble or what the server asks to retry. */
function transient(res: Response): boolean {
  if (!RETRY_STATUS.has(res.status)) return false;
  return res.status !== 503 || header(res, "retry-after") !== undefined || !isJson(res);
}

function retryDelay(res: Response, attempt: number): number {
  const after = header(res, "retry-after");
  if (after !== undefined) {
    const seconds = /^\d+$/.test(after) ? Number(after) : (Date.parse(after) - Date.now()) / 1000;
    if (Number.isFinite(seconds)) return Math.min(30_000, Math.max(0, seconds * 1000));
  }
  return backoff(attempt);
}

/** Exponential backoff with full jitter: 0–100 ms, 0–200 ms, 0–400 ms, … capped at 2 s. */
function backoff(attempt: number): number {
  return Math.floor(Math.random() * Math.min(2_000, 100 * 2 ** attempt));
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isJson(res: Response): boolean {
  return /^application\/json/i.test(header(res, "content-type") ?? "");
}

/** Errors made from the API's own JSON error body: the request was answered, and did nothing. */
const fromApi = new WeakSet<KvError>();

function toError(res: Response, apiUrl: string): KvError {
  if (isJson(res)) {
    try {
      const body = JSON.parse(res.body.toString("utf8")) as { code?: unknown; message?: unknown; hint?: unknown };
      if (typeof body.code === "string" && typeof body.message === "string" && (body.hint === undefined || body.hint === null || typeof body.hint === "string")) {
        const code = (Object.hasOwn(ERROR_EXIT, body.code) ? body.code : "INTERNAL") as ErrorCode;
        const error = new KvError(code, body.message, body.hint ?? undefined);
        fromApi.add(error);
        return error;
      }
    } catch {
      // Not the API's error body: judged by its status below.
    }
  }
  if (res.status >= 300 && res.status < 400) {
    const location = header(res, "location");
    return notPlatformApi(apiUrl, `it redirected (HTTP ${res.status})${location ? ` to ${location.slice(0, 200)}` : ""}; the API never redirects`);
  }
  // A gateway or proxy in front of the API, having trouble: worth retrying.
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    return new KvError("UNAVAILABLE", `The platform API at ${apiUrl} answered HTTP ${res.status} (${describeBody(res)}).`, "The platform is having trouble; try again shortly.");
  }
  return notPlatformApi(apiUrl, `it answered HTTP ${res.status} with ${describeBody(res)}, not an error of the API`);
}

/** The URL answered, but not as the platform API does: a web page, another service, a redirect. */
function notPlatformApi(apiUrl: string, what: string): KvError {
  return new KvError(
    "NOT_PLATFORM_API",
    `The URL ${apiUrl} did not answer as the platform API: ${what}.`,
    "Check the API URL (--api-url, YOURSPACE_API_URL or the profile's): it must be the API's base URL, where GET /v1/whoami answers JSON.",
  );
}

/** What an answer held, for a message: its type, size and first characters, printable only. */
function describeBody(res: Response): string {
  const type = header(res, "content-type") ?? "no content type";
  if (res.body.length === 0) return `${type}, an empty body`;
  const start = res.body.subarray(0, 60).toString("utf8").replace(/[^\x20-\x7e]+/g, " ").trim();
  return `${type}, ${res.body.length.toLocaleString("en-US")} bytes: ${JSON.stringify(start)}${res.body.length > 60 ? "…" : ""}`;
}

/**
 * The entries of a streamed export, a page at a time. A stream that is cut (the server went away) or
 * that holds something other than entries ends in UNAVAILABLE, never as if the export were complete.
 */
async function* exportPages(lines: AsyncIterator<string>, apiUrl: string): AsyncGenerator<ExportedEntry[]> {
  let page: ExportedEntry[] = [];
  let received = 0;
  for (;;) {
    let entry: BulkEntry;
    try {
      const next = await lines.next();
      if (next.done) break;
      if (next.value === "") continue;
      entry = parseWireEntry(JSON.parse(next.value));
    } catch (e) {
      const why = e instanceof KvError || e instanceof SyntaxError ? `entry ${received + 1} is malformed (${e.message})` : `the connection failed after ${received} entries (${(e as Error).message})`;
      throw new KvError("UNAVAILABLE", `The export from the platform API at ${apiUrl} did not complete: ${why}.`, "Run the export again: an export to a file replaces it only once complete.");
    }
    received++;
    page.push({ key: entry.key, value: entry.value, metadata: entry.metadata ?? null, expiresAt: entry.expiresAt ?? null });
    if (page.length === 1000) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

function unreachable(e: unknown, apiUrl: string): KvError {
  const code = (e as { code?: string }).code ?? "";
  const why =
    code === "ECONNREFUSED" ? "the connection was refused" : code === "ENOTFOUND" ? "the host was not found" : code.startsWith("UND_ERR_") && code.includes("TIMEOUT") ? "it did not answer in time" : ((e as Error).message ?? String(e));
  return new KvError("UNAVAILABLE", `Cannot reach the platform API at ${apiUrl}: ${why}.`, "Check --api-url or YOURSPACE_API_URL and your network, or start the local emulator: yourspace kv emulator start");
}

/**
 * Splits items (their JSON texts) into consecutive [from, to) runs of at most `count` items and
 * `bytes` bytes with their separators; an item larger than `bytes` goes alone.
 */
function split(items: readonly string[], count: number, bytes: number): [number, number][] {
  const runs: [number, number][] = [];
  let from = 0;
  let size = 0;
  items.forEach((item, i) => {
    const length = Buffer.byteLength(item) + 1;
    if (i > from && (i - from === count || size + length > bytes)) {
      runs.push([from, i]);
      from = i;
      size = 0;
    }
    size += length;
  });
  if (items.length > from) runs.push([from, items.length]);
  return runs;
}

/** The keys of parts before `failed` were done; the failed part's are unknown when its answer was lost, else not done; the rest not done. */
function settled(parts: readonly string[][], failed: number, error: KvError): { done: string[]; unknown: string[]; notDone: string[] } {
  const lost = !fromApi.has(error);
  return {
    done: parts.slice(0, failed).flat(),
    unknown: lost ? parts[failed]! : [],
    notDone: [...(lost ? [] : parts[failed]!), ...parts.slice(failed + 1).flat()],
  };
}

import { isUtf8 } from "node:buffer";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import type { Binding, Consistency } from "../core/backend.js";
import { parseWireEntry, toWireEntry, type BulkEntry, type BulkOutcome } from "../core/bulk.js";
import { systemClock, type Clock } from "../core/clock.js";
import { errors, KvError } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import { isTier } from "../core/tiers.js";
import { parseLimit, validateMetadata } from "../core/validate.js";
import { EmulatorCore, GroupCommit, LocalBackend, STALE, translateSqliteError, type TokenInfo, type TokenStore } from "../emulator/index.js";
import { fromSystemError } from "../core/system-errors.js";
import { API_LIMITS, BODIES, decodeMetadataHeader, encodeMetadataHeader, HEADERS, isoOrNull, PARAMS, QUERY, ROUTES, STATUS, type Endpoint, type ErrorBody, type WireOutcome, type WireWhoami } from "../contract/contract.js";
import { continueWhenRead, headerOf, readBody, readObject, requestFingerprint } from "./http-body.js";
import { IdempotentWrites, type OnceWrite } from "./idempotency.js";
import { listenFailure } from "./start-errors.js";

export interface ServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  clock?: Clock;
  /** How long a client may take to send a whole request. */
  requestTimeoutMs?: number;
}

interface Call {
  req: IncomingMessage;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  token: TokenInfo;
  site: string;
  /** The emulator as this token's site and actor: every operation is audited under it. */
  kv: LocalBackend;
}

interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer;
  /** Header names and values in turn, as res.writeHead() takes them. Made for this reply alone: send() adds to them. */
  headers?: string[];
}

type Action = "read" | "write" | "admin";

/** How often the server writes out gathered audit records and read meters, and after how many records at most. */
const LEDGER_FLUSH_MS = 200;
const LEDGER_FLUSH_RECORDS = 256;

/**
 * The platform API, served by the emulator over the same data directory as the embedded target:
 * a CLI process and the server see the same data, regions, clock and faults.
 */
export class ApiServer {
  private constructor(
    private readonly server: Server,
    readonly core: EmulatorCore,
    readonly url: string,
    private readonly flushTimer: NodeJS.Timeout,
    /** The group commit that single-key writes (PUT and DELETE of a value) go through. */
    readonly writes: GroupCommit,
  ) {}

  get tokens(): TokenStore {
    return this.core.tokens;
  }

  get engine(): EmulatorCore["engine"] {
    return this.core.engine;
  }

  static async start(options: ServerOptions): Promise<ApiServer> {
    const clock = options.clock ?? systemClock;
    const core = EmulatorCore.open(options.dataDir, clock, "server");
    core.ledger.flushAt = LEDGER_FLUSH_RECORDS;
    core.engine.settings.oncePerTurn = true;
    const writes = new GroupCommit(core.db, {
      alone: () => core.engine.recording,
      within: (run) => core.engine.settings.pinned(run, true),
      translate: (e) => translateSqliteError(e, options.dataDir),
      mark: () => core.ledger.mark(),
      rewind: (mark) => core.ledger.rewind(mark),
      keep: () => core.ledger.keep(),
      gathering: core.engine.gathering,
    });
    const router = buildRouter(core, writes);
    const route = (req: IncomingMessage, res: ServerResponse) => {
      const refusal = refuseTarget(req);
      if (refusal) send(res, { status: STATUS[refusal.code], json: refusal.toJSON() });
      else router.lookup(req, res);
    };
    const requestTimeout = options.requestTimeoutMs ?? API_LIMITS.requestTimeoutMs;
    const server = createServer(
      {
        requestTimeout,
        headersTimeout: Math.min(requestTimeout, API_LIMITS.headersTimeoutMs),
        connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(requestTimeout / 4))),
        keepAliveTimeout: 5_000,
        // Checked in route(), so that its absence gets a JSON error like any other refusal.
        requireHostHeader: false,
        maxHeaderSize: API_LIMITS.maxHeaderBytes,
      },
      route,
    );
    // Malformed requests and clients too slow to send theirs still get a JSON error.
    server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || err.code === "ECONNRESET") return socket.destroy();
      const [status, code, message]: [number, ErrorBody["code"], string] =
        err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "REQUEST_TIMEOUT", `The request was not received within ${requestTimeout} ms.`]
          : err.code === "HPE_HEADER_OVERFLOW"
            ? [431, "BAD_HEADER", "The request headers are too large."]
            : [400, "BAD_HEADER", "The request is not valid HTTP."];
      const answer = () => answerAndClose(socket, status, { code, message, hint: null });
      // A whole request before the bad bytes on this connection (pipelined) gets its own answer first.
      // One whose own body failed or timed out is not waited for: its handler is waiting on that body.
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (inFlight && !inFlight.writableFinished && inFlight.req.complete) {
        inFlight.shouldKeepAlive = false;
        inFlight.once("finish", answer);
      } else answer();
    });
    // Expect: 100-continue. Node would write "100 Continue" at once, even while an earlier request's
    // answer on the same connection is still going out (pipelining): the 100 then lands inside that
    // answer. Such a request waits until its answer is next, and its 100 is sent when its body is read.
    server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
      const handle = () => {
        continueWhenRead(req, res);
        route(req, res);
      };
      if (res.socket) handle();
      else res.once("socket", handle);
    });
    // CONNECT asks for a tunnel, which the API does not make.
    server.on("connect", (req: IncomingMessage, socket: Socket) => {
      socket.on("error", () => {});
      answerAndClose(socket, 405, body("METHOD_NOT_ALLOWED", "CONNECT is not served: the API is not a proxy.", "Send requests to the API's own paths; see docs/api.md."));
    });
    // Any other expectation gets a JSON 417.
    server.on("checkExpectation", (req, res) => {
      send(res, { status: 417, json: body("BAD_HEADER", `The expectation "${req.headers.expect}" is not supported.`, "Leave out the Expect header.") });
    });
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        core.close();
        reject(listenFailure(e, host, options.port ?? 8787));
      });
      server.listen(options.port ?? 8787, host, resolve);
    });
    const address = server.address() as { port: number };
    const shownHost = host.includes(":") ? `[${host}]` : host;
    const timer = setInterval(() => core.ledger.flush(), LEDGER_FLUSH_MS);
    timer.unref();
    return new ApiServer(server, core, `http://${shownHost}:${address.port}`, timer, writes);
  }

  /** Stops accepting connections, lets requests in flight finish, then writes out the ledger and closes the store. */
  async stop(): Promise<void> {
    stopping.add(this.server);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Connections idle now close at once; those busy close when their answer is sent (see send()).
      this.server.closeIdleConnections();
    });
    stopping.delete(this.server);
    clearInterval(this.flushTimer);
    this.writes.flush();
    this.core.close();
  }
}

function buildRouter(core: EmulatorCore, writes: GroupCommit) {
  const { db, tokens } = core;
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    defaultRoute: (req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const allowed = (["GET", "PUT", "POST", "PATCH", "DELETE"] as HTTPMethod[]).filter((m) => router.find(m, path) !== null);
      if (allowed.length) send(res, { status: 405, json: body("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}.`, `Use ${allowed.join(" or ")}.`), headers: ["allow", allowed.join(", ")] });
      else send(res, { status: 404, json: body("NOT_FOUND", `There is no route ${path}.`, "See docs/api.md for the routes.") });
    },
    onBadUrl: (path, _req, res) => send(res, { status: 400, json: body("BAD_HEADER", `The path ${path} is not a valid URL.`, null) }),
  });

  const served = new Set<Endpoint>();
  /** An endpoint: authenticate, check the site and the token's scope, then the query, run, answer. A handler may stream its own answer. */
  const on = (endpoint: Endpoint, action: Action, handler: (call: Call, res: ServerResponse) => Promise<Reply | "streamed"> | Reply) => {
    const [method, name] = endpoint.split(" ") as [HTTPMethod, keyof typeof ROUTES];
    const path = ROUTES[name];
    const accepted = new Set<string>(PARAMS[endpoint]);
    served.add(endpoint);
    // A value's GET runs on the settings as last seen (Settings.optimistic): the engine looks at the
    // store's data_version when it reads, once per turn, and may answer from its cache of home rows.
    const optimistic = endpoint === "GET value";
    router.on(method, path, (req, res, params) => {
      let token: TokenInfo | undefined;
      const fail = (e: unknown) => {
        // A full disk or a damaged store is the environment's failure, answered as such (503, 507), not a bug.
        const err = e instanceof KvError ? e : (fromSystemError(e, { dataDir: core.dataDir }) ?? errors.internal("The server failed to handle the request."));
        // A refusal is audited too: who tried to reach what.
        if (err.code === "PERMISSION_DENIED" && token && params.ns !== undefined) {
          const key = name === "value" ? safeKeyOf(req) : null;
          const kind = method === "DELETE" || name === "bulkDelete" ? "delete" : action === "read" ? "read" : "write";
          core.ledger.write({ site: token.site, actor: token.route ? `route:${token.route}` : `token:${token.id}`, action: kind, namespace: params.ns, key, region: core.engine.homeRegion, outcome: "denied" });
        }
        // Once a stream has begun, an error can only cut it short; the client sees an incomplete body.
        if (res.headersSent) res.destroy(err);
        else send(res, { status: STATUS[err.code], json: err.toJSON() });
      };
      const answer = (reply: Reply | "streamed") => {
        if (reply !== "streamed") send(res, reply);
      };
      try {
        // The settings (and so the token cache) are checked once for the synchronous part of the
        // request, which for a read is all of it: one look at the store's data_version, not three.
        const work = () => {
          const query = queryOf(req.url ?? "/");
          token = tokens.verify(bearer(req));
          const site = params.site ?? token.site;
          // Another site's data answers as if it did not exist, whether or not it does.
          if (site !== token.site) throw errors.siteUnknownToToken(site, token.site);
          const call: Call = { req, params, query, token, site, kv: backendFor(site, token) };
          authorize(token, params.ns ?? null, action, token.kind === "route" ? core.admin.bindings(site, token.route!) : []);
          if (query !== NO_QUERY) checkQuery(query, accepted);
          return handler(call, res);
        };
        const { settings } = core.engine;
        // Another process changed the store since the settings were loaded: again, on fresh ones.
        const again = (e: unknown) => {
          if (e !== STALE) throw e;
          return settings.pinned(work, true);
        };
        let reply: Reply | "streamed" | Promise<Reply | "streamed">;
        try {
          reply = optimistic ? settings.optimistic(work) : settings.pinned(work);
        } catch (e) {
          reply = again(e);
        }
        // A handler that answers at once (a value's GET) is answered in the same tick.
        if (reply instanceof Promise) reply.catch(again).then(answer).catch(fail);
        else answer(reply);
      } catch (e) {
        fail(e);
      }
    });
  };

  /** The emulator as the token's site and actor: made once per token (TokenStore gives one TokenInfo per token while it is cached). */
  const backends = new WeakMap<TokenInfo, LocalBackend>();
  const backendFor = (site: string, token: TokenInfo): LocalBackend => {
    let kv = backends.get(token);
    if (!kv) {
      const actor = token.route ? `route:${token.route}` : `token:${token.id}`;
      kv = new LocalBackend(core, site, actor, { kind: "embedded", description: "emulator server", site });
      backends.set(token, kv);
    }
    return kv;
  };

  const idempotency = new IdempotentWrites(db, writes, () => core.engine.freshNow());
  const idempotent = (call: Call, write: OnceWrite<Reply>): Promise<Reply> => {
    const key = headerOf(call.req, HEADERS.idempotencyKey);
    if (key !== undefined && key.length > API_LIMITS.maxIdempotencyKey) {
      throw new KvError("BAD_HEADER", `The Idempotency-Key is ${key.length} characters; the limit is ${API_LIMITS.maxIdempotencyKey}.`, "Use a UUID.");
    }
    const request = key === undefined ? "" : requestFingerprint(call.req);
    return idempotency.run({ site: call.site, token: call.token.id, request }, key, write);
  };

  on("GET whoami", "read", ({ token }) => ({
    status: 200,
    json: {
      site: token.site,
      token: { id: token.id, kind: token.kind, access: token.access, namespaces: token.namespaces, expiresAt: isoOrNull(token.expiresAt), route: token.route },
      bindings: token.kind === "route" ? core.admin.bindings(token.site, token.route!).map(({ variable, namespace, access }) => ({ variable, namespace, access })) : null,
    } satisfies WireWhoami,
  }));

  on("GET namespaces", "read", async ({ kv, token, site }) => {
    const reachable = token.kind === "route" ? core.admin.bindings(site, token.route!).map((b) => b.namespace) : token.namespaces;
    return {
      status: 200,
      json: {
        namespaces: (await kv.listNamespaces()).filter((n) => reachable === null || reachable.includes(n.name)).map((n) => ({ name: n.name, createdAt: isoOrNull(n.createdAt), keys: n.keys })),
      },
    };
  });

  on("POST namespaces", "admin", async (call) => {
    const { name } = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["POST namespaces"])) as { name: string };
    return idempotent(call, {
      alone: async () => {
        const info = await call.kv.createNamespace(name);
        return { status: 201, json: { name: info.name, createdAt: isoOrNull(info.createdAt), keys: info.keys } };
      },
    });
  });

  on("DELETE namespace", "admin", (call) =>
    idempotent(call, {
      alone: async () => {
        await call.kv.removeNamespace(call.params.ns!);
        return { status: 200, json: { name: call.params.ns, removed: true } };
      },
    }),
  );

  on("GET keys", "read", async ({ kv, params, query }) => {
    const limit = parseLimit(query.get(QUERY.limit) ?? String(LIMITS.maxListLimit));
    const page = await kv.list(params.ns!, {
      prefix: query.get(QUERY.prefix) ?? "",
      cursor: query.get(QUERY.cursor),
      limit,
      region: query.get(QUERY.region) ?? undefined,
      consistency: consistencyOf(query),
    });
    return {
      status: 200,
      json: { keys: page.keys.map((k) => ({ key: k.key, size: k.size, expiresAt: isoOrNull(k.expiresAt), metadata: k.metadata })), cursor: page.cursor, complete: page.cursor === null },
    };
  });

  on("GET value", "read", ({ req, kv, params, query }) => {
    const key = keyOf(req);
    const cacheTtl = query.get(QUERY.cacheTtl);
    const { entry, read } = kv.getNow(params.ns!, key, {
      region: query.get(QUERY.region) ?? undefined,
      consistency: consistencyOf(query),
      ...(cacheTtl !== null && { cacheTtlMs: numberParam(QUERY.cacheTtl, cacheTtl) * 1000 }),
    });
    const headers = [HEADERS.region, read.region, HEADERS.servedFrom, read.servedFrom, HEADERS.ageMs, String(read.ageMs)];
    if (read.version) headers.push(HEADERS.version, read.version);
    if (!entry) {
      const where = query.has(QUERY.region) ? `${read.region}, ${consistencyOf(query)} read` : undefined;
      return { status: 404, json: errors.keyNotFound(key, params.ns!, where).toJSON(), headers };
    }
    if (entry.expiresAt !== null) headers.push(HEADERS.expiresAt, isoOrNull(entry.expiresAt)!);
    if (entry.metadata !== null) headers.push(HEADERS.metadata, encodeMetadataHeader(entry.metadata));
    headers.push("content-type", "application/octet-stream");
    return { status: 200, body: entry.value, headers };
  });

  on("PUT value", "write", async (call) => {
    const key = keyOf(call.req);
    const value = await readBody(call.req, LIMITS.maxValueBytes, (size) => errors.valueTooLarge(size));
    const metadataHeader = headerOf(call.req, HEADERS.metadata);
    let metadata: Record<string, unknown> | undefined;
    if (typeof metadataHeader === "string") {
      let parsed: unknown;
      try {
        parsed = decodeMetadataHeader(metadataHeader);
      } catch {
        throw new KvError("INVALID_METADATA", `The ${HEADERS.metadata} header is not base64url-encoded JSON.`, "Encode the metadata object as JSON, then base64url.");
      }
      metadata = validateMetadata(parsed);
    }
    const ttl = call.query.get(QUERY.ttl);
    const expiresAt = call.query.get(QUERY.expiresAt);
    if (ttl !== null && expiresAt !== null) throw errors.usage(`Give ${QUERY.ttl} or ${QUERY.expiresAt}, not both.`);
    const input = {
      value,
      ...(metadata !== undefined && { metadata }),
      ...(ttl !== null && { ttlSeconds: numberParam(QUERY.ttl, ttl) }),
      ...(expiresAt !== null && { expiresAt: numberParam(QUERY.expiresAt, expiresAt) * 1000 }),
    };
    const region = call.query.get(QUERY.region) ?? undefined;
    return idempotent(call, {
      grouped: () => ({ status: 200, json: call.kv.putNow(call.params.ns!, key, input, { region }) }),
      aborted: (error) => call.kv.failed("write", call.params.ns!, [key], region, error),
    });
  });

  on("DELETE value", "write", (call) => {
    const key = keyOf(call.req);
    const region = call.query.get(QUERY.region) ?? undefined;
    const force = booleanParam(QUERY.force, call.query.get(QUERY.force));
    return idempotent(call, {
      grouped: () => ({ status: 200, json: call.kv.deleteNow(call.params.ns!, [key], { force, region }) }),
      aborted: (error) => call.kv.failed("delete", call.params.ns!, [key], region, error),
    });
  });

  on("POST bulkDelete", "write", async (call) => {
    const doc = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["POST bulkDelete"])) as { keys: string[]; force?: boolean; dryRun?: boolean };
    if (doc.keys.length > LIMITS.maxListLimit) throw new KvError("BODY_TOO_LARGE", `A bulk delete takes at most ${LIMITS.maxListLimit} keys; this one has ${doc.keys.length}.`, "Split the keys across requests.");
    const run = async (): Promise<Reply> => ({
      status: 200,
      json: await call.kv.delete(call.params.ns!, doc.keys, { force: doc.force === true, dryRun: doc.dryRun === true, region: call.query.get(QUERY.region) ?? undefined }),
    });
    return doc.dryRun === true ? run() : idempotent(call, { alone: run });
  });

  on("POST bulkPut", "write", async (call) => {
    const doc = (await readObject(call.req, API_LIMITS.maxBulkBody, BODIES["POST bulkPut"])) as { entries: unknown[]; dryRun?: boolean };
    if (doc.entries.length > API_LIMITS.maxBulkEntries) {
      throw new KvError("BODY_TOO_LARGE", `A bulk write takes at most ${API_LIMITS.maxBulkEntries} entries; this one has ${doc.entries.length}.`, "Split the entries across requests.");
    }
    // Entries that do not parse fail one by one; the others are still written.
    const results: (BulkOutcome | undefined)[] = [];
    const valid: BulkEntry[] = [];
    for (const raw of doc.entries) {
      try {
        valid.push(parseWireEntry(raw));
        results.push(undefined);
      } catch (e) {
        if (!(e instanceof KvError)) throw e;
        const key = typeof (raw as { key?: unknown })?.key === "string" ? (raw as { key: string }).key : "";
        results.push({ key, outcome: "failed", error: { code: e.code, message: e.message } });
      }
    }
    const run = async (): Promise<Reply> => {
      const written = await call.kv.bulkPut(call.params.ns!, valid, { dryRun: doc.dryRun === true, region: call.query.get(QUERY.region) ?? undefined });
      let next = 0;
      return { status: 200, json: { results: results.map((r) => r ?? wireOutcome(written[next++]!)) } };
    };
    return doc.dryRun === true ? run() : idempotent(call, { alone: run });
  });

  // A streaming export: one JSON entry per line, written page by page as the client reads.
  on("GET export", "read", async ({ kv, params, query }, res): Promise<"streamed"> => {
    const pages = kv.exportEntries(params.ns!, { prefix: query.get(QUERY.prefix) ?? "" })[Symbol.asyncIterator]();
    // The first page is read before answering, so a missing namespace is still a clean 404.
    let page = await pages.next();
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (; !page.done; page = await pages.next()) {
      const lines = page.value.map((e) => JSON.stringify(toWireEntry(e.key, e.value, e.metadata, e.expiresAt, isUtf8(e.value))));
      if (!res.write(`${lines.join("\n")}\n`)) await once(res, "drain");
      if (res.destroyed) return "streamed";
    }
    res.end();
    return "streamed";
  });

  on("GET site", "read", async ({ kv }) => ({ status: 200, json: await kv.usage().then(({ site, tier, auditRetentionDays }) => ({ site, tier, auditRetentionDays })) }));

  on("PATCH site", "admin", async (call) => {
    const doc = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["PATCH site"])) as {
      tier?: string;
      auditRetentionDays?: number;
    };
    if (doc.tier !== undefined && !isTier(doc.tier)) throw errors.usage(`There is no tier ${JSON.stringify(doc.tier)}.`);
    return { status: 200, json: await call.kv.updateSite({ tier: doc.tier as never, auditRetentionDays: doc.auditRetentionDays }) };
  });

  on("GET usage", "read", async ({ kv }) => ({ status: 200, json: await kv.usage() }));

  on("GET audit", "admin", async ({ kv, query }) => {
    const since = query.get(QUERY.since);
    const within = query.get(QUERY.withinMs);
    const limit = query.get(QUERY.limit);
    const entries = await kv.audit({
      key: query.get(QUERY.key) ?? undefined,
      actor: query.get(QUERY.actor) ?? undefined,
      since: since === null ? undefined : millisecondsParam(QUERY.since, since, "epoch milliseconds"),
      withinMs: within === null ? undefined : millisecondsParam(QUERY.withinMs, within, "milliseconds"),
      limit: limit === null ? undefined : parseLimit(limit),
    });
    return { status: 200, json: { entries: entries.map((e) => ({ ...e, t: isoOrNull(e.t) })) } };
  });

  on("GET bindings", "read", async ({ kv }) => ({ status: 200, json: { bindings: (await kv.listBindings()).map(wireBinding) } }));

  on("PUT bindings", "admin", async (call) => {
    const doc = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["PUT bindings"])) as { route: string; variable: string; namespace: string; access: string };
    if (doc.access !== "read-only" && doc.access !== "read-write") throw new KvError("MALFORMED_BODY", `The body must be ${BODIES["PUT bindings"].example}; "access" is ${JSON.stringify(doc.access)}.`);
    return { status: 200, json: wireBinding(await call.kv.bind({ route: doc.route, variable: doc.variable, namespace: doc.namespace, access: doc.access })) };
  });

  on("DELETE bindings", "admin", async (call) => {
    const route = call.query.get(QUERY.route);
    const variable = call.query.get(QUERY.variable);
    if (route === null || variable === null) throw errors.usage("Give the binding's route and variable: ?route=…&variable=…");
    return { status: 200, json: { removed: await call.kv.unbind(route, variable) } };
  });

  // Every endpoint of the contract is served here, and no other.
  const missing = (Object.keys(PARAMS) as Endpoint[]).filter((e) => !served.has(e));
  if (missing.length) throw new Error(`The server does not serve ${missing.join(", ")}.`);
  return router;
}

function wireBinding(b: Binding) {
  return { ...b, createdAt: isoOrNull(b.createdAt) };
}

function wireOutcome(o: BulkOutcome): WireOutcome {
  const { old, ...rest } = o;
  if (!old) return rest;
  return { ...rest, old: toWireEntry(o.key, old.value, old.metadata, old.expiresAt, isUtf8(old.value)) };
}

/**
 * What a token may do here. Site tokens reach everything; scoped tokens their namespaces and access;
 * route tokens exactly what their route is bound to, as the bindings stand now.
 */
function authorize(token: TokenInfo, ns: string | null, action: Action, routeBindings: readonly Binding[]): void {
  if (action === "admin" && token.kind !== "site") {
    throw errors.permission(`This ${token.kind} token cannot manage the site (namespaces, bindings, settings, the audit log); only a site token can.`, "Use a site token: yourspace kv emulator token create --site <site>");
  }
  if (ns === null) return;
  if (token.kind === "route") {
    const binding = routeBindings.find((b) => b.namespace === ns);
    if (!binding) {
      throw errors.permission(
        `Route ${token.route} is not bound to namespace "${ns}"${routeBindings.length ? `; it is bound to ${[...new Set(routeBindings.map((b) => `"${b.namespace}"`))].join(", ")}` : ""}.`,
        `Bind it with: yourspace kv bind ${ns} --route '${token.route}'`,
      );
    }
    if (action !== "read" && !routeBindings.some((b) => b.namespace === ns && b.access === "read-write")) {
      throw errors.permission(
        `Route ${token.route} is bound to namespace "${ns}" read-only (as ${binding.variable}); it cannot write.`,
        `Bind it read-write (yourspace kv bind ${ns} --route '${token.route}' --access read-write), or write with a site token.`,
      );
    }
    return;
  }
  if (token.namespaces !== null && !token.namespaces.includes(ns)) {
    throw errors.permission(`This token cannot reach namespace "${ns}"; it is limited to ${token.namespaces.map((n) => `"${n}"`).join(", ")}.`, "Use a token scoped to this namespace, or a site token.");
  }
  if (action !== "read" && token.access === "read-only") {
    throw errors.permission("This token is read-only; it cannot write.", "Write with a read-write token.");
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const header = headerOf(req, "authorization");
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new KvError("UNAUTHENTICATED", "The Authorization header is not a bearer token.", "Send Authorization: Bearer <token>.");
  return match[1];
}

function safeKeyOf(req: IncomingMessage): string | null {
  try {
    return keyOf(req);
  } catch {
    return null;
  }
}

/** The query of a URL without one; never changed (handlers only read their query). */
const NO_QUERY: URLSearchParams = new URLSearchParams();

/** The query string's parameters, without parsing the whole URL (the router has the path). */
function queryOf(url: string): URLSearchParams {
  const at = url.indexOf("?");
  if (at < 0) return NO_QUERY;
  const hash = url.indexOf("#", at);
  return new URLSearchParams(url.slice(at + 1, hash < 0 ? undefined : hash));
}

/** Slashes before a value's key: /v1/sites/{site}/namespaces/{ns}/values/{key}. */
const SLASHES_BEFORE_KEY = 7;

/**
 * The key: the rest of the path after the route's fixed segments, found by position (a site or a
 * namespace may be called "values"), percent-decoded, so it may contain '/'.
 */
function keyOf(req: IncomingMessage): string {
  const url = req.url ?? "";
  let start = 0;
  for (let slash = 0; slash < SLASHES_BEFORE_KEY; slash++) start = url.indexOf("/", start) + 1;
  const end = url.indexOf("?", start);
  const raw = url.slice(start, end < 0 ? undefined : end);
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new KvError("INVALID_KEY", "The key in the path is not valid percent-encoded UTF-8.", "Percent-encode the key's UTF-8 bytes.");
  }
}

/** Refuses query parameters the endpoint does not take, and any given twice. */
function checkQuery(query: URLSearchParams, accepted: ReadonlySet<string>): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!accepted.has(name)) {
      throw errors.usage(
        `This route takes no query parameter ${JSON.stringify(name)}${accepted.size ? `; it takes ${[...accepted].join(", ")}` : ""}.`,
        "See docs/api.md for the parameters of each route.",
      );
    }
    if (seen.has(name)) throw errors.usage(`The query parameter ${name} is given twice.`, "Give each parameter once.");
    seen.add(name);
  }
}

function consistencyOf(query: URLSearchParams): Consistency {
  const c = query.get(QUERY.consistency) ?? "strong";
  if (c !== "strong" && c !== "eventual") throw errors.usage(`consistency must be strong or eventual, not "${c}".`);
  return c;
}

/** A whole number of milliseconds: a time (`since`) or a span (`within_ms`). */
function millisecondsParam(name: string, text: string, what: string): number {
  if (!/^\d{1,16}$/.test(text)) throw errors.usage(`${name} must be a whole number of ${what}, not "${text}".`);
  return Number(text);
}

/** `true` or `false`; absent is false. */
function booleanParam(name: string, text: string | null): boolean {
  if (text === null || text === "false") return false;
  if (text === "true") return true;
  throw errors.usage(`${name} must be true or false, not "${text}".`);
}

function numberParam(name: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw errors.usage(`${name} must be a number of seconds, not "${text}".`);
  return Number(text);
}

function body(code: KvError["code"], message: string, hint: string | null): ErrorBody {
  return { code, message, hint };
}

/**
 * What is wrong with a request's target or Host, if anything. An absolute-form target
 * (`GET http://host/v1/whoami`, as sent to a proxy) is taken as its path, as HTTP/1.1 servers must.
 */
function refuseTarget(req: IncomingMessage): KvError | undefined {
  if (req.httpVersion === "1.1" && headerOf(req, "host") === undefined) {
    return new KvError("BAD_HEADER", "The request has no Host header; HTTP/1.1 requires one.", "Send Host: <the API's host and port>.");
  }
  const url = req.url ?? "";
  const absolute = /^https?:\/\/[^/?#]*/i.exec(url);
  if (absolute) req.url = url.slice(absolute[0].length).replace(/^(?=[?#]|$)/, "/");
  if (!req.url!.startsWith("/")) return new KvError("BAD_HEADER", `The request target ${JSON.stringify(url.slice(0, 100))} is not a path.`, "Send a path that starts with /, such as /v1/whoami.");
  return undefined;
}

const REASONS: Record<number, string> = { 400: "Bad Request", 405: "Method Not Allowed", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** An answer written straight to a socket that the HTTP server no longer handles (a parse error, CONNECT), then closed. */
function answerAndClose(socket: Socket, status: number, error: ErrorBody): void {
  const text = JSON.stringify(error);
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  else socket.destroy();
}

/** Servers shutting down: their answers close the connection, so the server can finish. */
const stopping = new WeakSet<object>();

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  // The reply's own headers, made for this answer alone, are completed in place.
  const headers = reply.headers ?? [];
  // A request whose body was not read to the end (refused early) cannot be followed on this connection.
  const req = res.req;
  const length = headerOf(req, "content-length");
  const hasBody = (length !== undefined && length !== "0") || headerOf(req, "transfer-encoding") !== undefined;
  const unread = hasBody && !req.readableEnded;
  if (unread || (res.req.socket && stopping.has((res.req.socket as unknown as { server: object }).server))) headers.push("connection", "close");
  let payload: Buffer;
  if (reply.body !== undefined) payload = reply.body;
  else {
    payload = Buffer.from(JSON.stringify(reply.json ?? null));
    headers.push("content-type", "application/json; charset=utf-8");
  }
  headers.push("content-length", String(payload.length));
  res.writeHead(reply.status, headers);
  res.end(payload);
  if (unread) res.once("finish", () => res.req.socket?.destroySoon());
}

import { isUtf8 } from "node:buffer";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import type { Consistency } from "../core/backend.js";
import { parseWireEntry, toWireEntry, type BulkEntry, type BulkOutcome } from "../core/bulk.js";
import { systemClock, type Clock } from "../core/clock.js";
import { errors, KvError } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import { parseLimit, validateMetadata } from "../core/validate.js";
import { Engine } from "../emulator/engine.js";
import { openStore, type Database } from "../emulator/store.js";
import { API_LIMITS, decodeMetadataHeader, encodeMetadataHeader, HEADERS, isoOrNull, QUERY, ROUTES, STATUS, type ErrorBody, type WireOutcome } from "./contract.js";
import { readBody, readJson } from "./http-body.js";
import { TokenStore, type TokenInfo } from "./tokens.js";

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
}

interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
}

type Action = "read" | "write" | "admin";

/**
 * The platform API, served by the emulator over the same data directory as the embedded target:
 * a CLI process and the server see the same data, regions, clock and faults.
 */
export class ApiServer {
  private constructor(
    private readonly server: Server,
    private readonly db: Database,
    readonly engine: Engine,
    readonly tokens: TokenStore,
    readonly url: string,
  ) {}

  static async start(options: ServerOptions): Promise<ApiServer> {
    const clock = options.clock ?? systemClock;
    const db = openStore({ dataDir: options.dataDir, now: clock.now() });
    const engine = new Engine({ db, dataDir: options.dataDir, clock, client: "server" });
    const tokens = new TokenStore(db, () => engine.now());
    const router = buildRouter(db, engine, tokens);
    const requestTimeout = options.requestTimeoutMs ?? API_LIMITS.requestTimeoutMs;
    const server = createServer(
      {
        requestTimeout,
        headersTimeout: Math.min(requestTimeout, API_LIMITS.headersTimeoutMs),
        connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(requestTimeout / 4))),
        keepAliveTimeout: 5_000,
      },
      (req, res) => router.lookup(req, res),
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
      const body = JSON.stringify({ code, message, hint: null } satisfies ErrorBody);
      socket.end(`HTTP/1.1 ${status} ${status === 408 ? "Request Timeout" : "Bad Request"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        db.close();
        reject(e.code === "EADDRINUSE" ? errors.usage(`Port ${options.port} is already in use.`, "Choose another with --port, or --port 0 for any free port.") : e);
      });
      server.listen(options.port ?? 8787, host, resolve);
    });
    const address = server.address() as { port: number };
    const shownHost = host.includes(":") ? `[${host}]` : host;
    return new ApiServer(server, db, engine, tokens, `http://${shownHost}:${address.port}`);
  }

  /** Stops accepting connections, lets requests in flight finish, then closes the store. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    this.db.close();
  }
}

function buildRouter(db: Database, engine: Engine, tokens: TokenStore) {
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    defaultRoute: (req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const allowed = (["GET", "PUT", "POST", "DELETE"] as HTTPMethod[]).filter((m) => router.find(m, path) !== null);
      if (allowed.length) send(res, { status: 405, json: body("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}.`, `Use ${allowed.join(" or ")}.`), headers: { allow: allowed.join(", ") } });
      else send(res, { status: 404, json: body("NOT_FOUND", `There is no route ${path}.`, "See docs/api.md for the routes.") });
    },
    onBadUrl: (path, _req, res) => send(res, { status: 400, json: body("BAD_HEADER", `The path ${path} is not a valid URL.`, null) }),
  });

  /** A route: authenticate, check the site and the token's scope, run, answer. A handler may stream its own answer. */
  const on = (method: HTTPMethod, path: string, action: Action, handler: (call: Call, res: ServerResponse) => Promise<Reply | "streamed"> | Reply) => {
    router.on(method, path, (req, res, params) => {
      void (async () => {
        try {
          const query = new URL(req.url ?? "/", "http://localhost").searchParams;
          const token = tokens.verify(bearer(req));
          const site = params.site ?? token.site;
          // Another site's data answers as if it did not exist, whether or not it does.
          if (site !== token.site) throw new KvError("NOT_FOUND", `Site "${site}" was not found.`, "Check the site name, or use a token of that site.");
          const call: Call = { req, params, query, token, site };
          if (params.ns !== undefined) authorize(token, params.ns, action);
          else if (action === "admin") authorize(token, null, action);
          const reply = await handler(call, res);
          if (reply !== "streamed") send(res, reply);
        } catch (e) {
          const err = e instanceof KvError ? e : errors.internal("The server failed to handle the request.");
          // Once a stream has begun, an error can only cut it short; the client sees an incomplete body.
          if (res.headersSent) res.destroy(err);
          else send(res, { status: STATUS[err.code], json: err.toJSON() });
        }
      })();
    });
  };

  const idempotent = (call: Call, run: () => Reply): Reply => {
    const key = call.req.headers[HEADERS.idempotencyKey];
    if (typeof key !== "string" || key === "") return run();
    return db.transaction(() => {
      const seen = db.prepare("SELECT status, body FROM idempotency WHERE site = ? AND key = ?").get(call.site, key) as { status: number; body: string } | undefined;
      if (seen) return { status: seen.status, json: JSON.parse(seen.body) };
      const reply = run();
      db.prepare("INSERT INTO idempotency (site, key, status, body, created_at) VALUES (?, ?, ?, ?, ?)").run(call.site, key, reply.status, JSON.stringify(reply.json ?? null), engine.now());
      return reply;
    }).immediate();
  };

  on("GET", ROUTES.whoami, "read", ({ token }) => ({
    status: 200,
    json: { site: token.site, token: { id: token.id, kind: token.kind, access: token.access, namespaces: token.namespaces, expiresAt: isoOrNull(token.expiresAt), route: token.route } },
  }));

  on("GET", ROUTES.namespaces, "read", ({ site, token }) => ({
    status: 200,
    json: {
      namespaces: engine
        .listNamespaces(site)
        .filter((n) => token.namespaces === null || token.namespaces.includes(n.name))
        .map((n) => ({ name: n.name, createdAt: isoOrNull(n.createdAt), keys: n.keys })),
    },
  }));

  on("POST", ROUTES.namespaces, "admin", async (call) => {
    const doc = (await readJson(call.req, API_LIMITS.maxJsonBody)) as { name?: unknown };
    if (typeof doc?.name !== "string") throw new KvError("MALFORMED_BODY", 'The body must be {"name": "<namespace>"}.');
    const name = doc.name;
    return idempotent(call, () => {
      const info = engine.createNamespace(call.site, name);
      return { status: 201, json: { name: info.name, createdAt: isoOrNull(info.createdAt), keys: info.keys } };
    });
  });

  on("DELETE", ROUTES.namespace, "admin", (call) =>
    idempotent(call, () => {
      engine.removeNamespace(call.site, call.params.ns!);
      return { status: 200, json: { name: call.params.ns, removed: true } };
    }),
  );

  on("GET", ROUTES.keys, "read", ({ site, params, query }) => {
    const limit = parseLimit(query.get(QUERY.limit) ?? String(LIMITS.maxListLimit));
    const page = engine.list(site, params.ns!, {
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

  on("GET", ROUTES.value, "read", ({ req, site, params, query }) => {
    const key = keyOf(req);
    const { entry, read } = engine.get(site, params.ns!, key, { region: query.get(QUERY.region) ?? undefined, consistency: consistencyOf(query) });
    const headers: Record<string, string> = { [HEADERS.region]: read.region, [HEADERS.servedFrom]: read.servedFrom, [HEADERS.ageMs]: String(read.ageMs) };
    if (read.version) headers[HEADERS.version] = read.version;
    if (!entry) {
      const where = query.has(QUERY.region) ? `${read.region}, ${consistencyOf(query)} read` : undefined;
      return { status: 404, json: errors.keyNotFound(key, params.ns!, where).toJSON(), headers };
    }
    if (entry.expiresAt !== null) headers[HEADERS.expiresAt] = isoOrNull(entry.expiresAt)!;
    if (entry.metadata !== null) headers[HEADERS.metadata] = encodeMetadataHeader(entry.metadata);
    return { status: 200, body: entry.value, headers: { ...headers, "content-type": "application/octet-stream" } };
  });

  on("PUT", ROUTES.value, "write", async (call) => {
    const key = keyOf(call.req);
    const value = await readBody(call.req, LIMITS.maxValueBytes, (size) => errors.valueTooLarge(size));
    const metadataHeader = call.req.headers[HEADERS.metadata];
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
    const input = {
      value,
      ...(metadata !== undefined && { metadata }),
      ...(ttl !== null && { ttlSeconds: numberParam(QUERY.ttl, ttl) }),
      ...(expiresAt !== null && { expiresAt: numberParam(QUERY.expiresAt, expiresAt) * 1000 }),
    };
    return idempotent(call, () => ({ status: 200, json: engine.put(call.site, call.params.ns!, key, input, { region: call.query.get(QUERY.region) ?? undefined }) }));
  });

  on("DELETE", ROUTES.value, "write", (call) => {
    const key = keyOf(call.req);
    return idempotent(call, () => ({
      status: 200,
      json: engine.delete(call.site, call.params.ns!, [key], { force: call.query.get(QUERY.force) === "true", region: call.query.get(QUERY.region) ?? undefined }),
    }));
  });

  on("POST", ROUTES.bulkDelete, "write", async (call) => {
    const doc = (await readJson(call.req, API_LIMITS.maxJsonBody)) as { keys?: unknown; force?: unknown };
    if (!Array.isArray(doc?.keys) || !doc.keys.every((k) => typeof k === "string")) throw new KvError("MALFORMED_BODY", 'The body must be {"keys": ["…"], "force": false}.');
    if (doc.keys.length > LIMITS.maxListLimit) throw new KvError("BODY_TOO_LARGE", `A bulk delete takes at most ${LIMITS.maxListLimit} keys; this one has ${doc.keys.length}.`, "Split the keys across requests.");
    const keys = doc.keys as string[];
    return idempotent(call, () => ({
      status: 200,
      json: engine.delete(call.site, call.params.ns!, keys, { force: doc.force === true, region: call.query.get(QUERY.region) ?? undefined }),
    }));
  });

  on("POST", ROUTES.bulkPut, "write", async (call) => {
    const doc = (await readJson(call.req, API_LIMITS.maxBulkBody)) as { entries?: unknown; dryRun?: unknown };
    if (!Array.isArray(doc?.entries)) throw new KvError("MALFORMED_BODY", 'The body must be {"entries": [{"key", "value", …}], "dryRun": false}.');
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
    const run = (): Reply => {
      const written = engine.putMany(call.site, call.params.ns!, valid, { dryRun: doc.dryRun === true, region: call.query.get(QUERY.region) ?? undefined });
      let next = 0;
      return { status: 200, json: { results: results.map((r) => r ?? wireOutcome(written[next++]!)) } };
    };
    return doc.dryRun === true ? run() : idempotent(call, run);
  });

  // A streaming export: one JSON entry per line, written page by page as the client reads.
  on("GET", ROUTES.export, "read", async ({ site, params, query }, res): Promise<"streamed"> => {
    const pages = engine.exportEntries(site, params.ns!, query.get(QUERY.prefix) ?? "");
    // The first page is read before answering, so a missing namespace is still a clean 404.
    let page = pages.next();
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (; !page.done; page = pages.next()) {
      const lines = page.value.map((r) => JSON.stringify(toWireEntry(r.key.toString("utf8"), r.value, r.metadata === null ? null : JSON.parse(r.metadata), r.expires_at, isUtf8(r.value))));
      if (!res.write(`${lines.join("\n")}\n`)) await once(res, "drain");
      if (res.destroyed) return "streamed";
    }
    res.end();
    return "streamed";
  });

  for (const [method, path] of [
    ["GET", ROUTES.bindings],
    ["GET", ROUTES.usage],
    ["GET", ROUTES.audit],
  ] as const) {
    on(method, path, "read", () => {
      throw new KvError("NOT_IMPLEMENTED", `${method} ${path} is part of the contract but not served by this version of the emulator.`, "See docs/api.md.");
    });
  }
  return router;
}

function wireOutcome(o: BulkOutcome): WireOutcome {
  const { old, ...rest } = o;
  if (!old) return rest;
  return { ...rest, old: toWireEntry(o.key, old.value, old.metadata, old.expiresAt, isUtf8(old.value)) };
}

function authorize(token: TokenInfo, ns: string | null, action: Action): void {
  if (action === "admin" && token.kind !== "site") {
    throw errors.permission(`This ${token.kind} token cannot manage namespaces; only a site token can.`, "Use a site token: yourspace kv emulator token create --site <site>");
  }
  if (ns !== null && token.namespaces !== null && !token.namespaces.includes(ns)) {
    throw errors.permission(`This token cannot reach namespace "${ns}"; it is limited to ${token.namespaces.map((n) => `"${n}"`).join(", ")}.`, "Use a token scoped to this namespace, or a site token.");
  }
  if (action !== "read" && token.access === "read-only") {
    throw errors.permission(
      token.route ? `This token is bound to route ${token.route} read-only; it cannot write.` : "This token is read-only; it cannot write.",
      token.route ? "Bind the route read-write (yourspace kv bind --access read-write), or write with a site token." : "Write with a read-write token.",
    );
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new KvError("UNAUTHENTICATED", "The Authorization header is not a bearer token.", "Send Authorization: Bearer <token>.");
  return match[1];
}

/** The key is the rest of the path after /values/, percent-decoded, so it may contain '/'. */
function keyOf(req: IncomingMessage): string {
  const path = (req.url ?? "").split("?")[0]!;
  const raw = path.slice(path.indexOf("/values/") + "/values/".length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new KvError("INVALID_KEY", "The key in the path is not valid percent-encoded UTF-8.", "Percent-encode the key's UTF-8 bytes.");
  }
}

function consistencyOf(query: URLSearchParams): Consistency {
  const c = query.get(QUERY.consistency) ?? "strong";
  if (c !== "strong" && c !== "eventual") throw errors.usage(`consistency must be strong or eventual, not "${c}".`);
  return c;
}

function numberParam(name: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw errors.usage(`${name} must be a number of seconds, not "${text}".`);
  return Number(text);
}

function body(code: KvError["code"], message: string, hint: string | null): ErrorBody {
  return { code, message, hint };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = { ...reply.headers };
  let payload: Buffer;
  if (reply.body !== undefined) payload = reply.body;
  else {
    payload = Buffer.from(JSON.stringify(reply.json ?? null));
    headers["content-type"] = "application/json; charset=utf-8";
  }
  headers["content-length"] = payload.length;
  res.writeHead(reply.status, headers);
  res.end(payload);
}

import { HEADERS } from "../contract/index.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { errors, KvError } from "../core/errors.js";
import { edgeErrors } from "../core/edge-errors.js";
import { STATUS } from "../contract/status.js";
import type { Answerer, Dispatcher } from "./dispatch.js";
import type { EdgeRequest } from "./edge-request.js";
import { FunctionFailure } from "./dispatch.js";
import { errorResponse } from "./error-page.js";
import { listenFailure } from "../core/listen-errors.js";
import { bodilessRequestOf, requestOf, send } from "./http-bridge.js";
import { describeFunctionThrow } from "./function-throw.js";
import { kvHeader, type LoggedError, type RequestLog } from "./log-line.js";
import type { RequestRecord } from "./request-scope.js";
import type { SourceMaps } from "./source-map-stack.js";

/** The request header that picks the region a request is served in; answers carry it too, as the API's do. */
const REGION_HEADER = HEADERS.region;
/** The response header saying how the request's KV reads were served (log-line.ts: kvHeader). */
const KV_HEADER = "x-yourspace-kv";

export interface DevServerOptions {
  host: string;
  port: number;
  dispatcher: Dispatcher;
  maps: SourceMaps;
  /** Checks a region's name (undefined: the server's own) and answers the region to serve in. */
  region(name: string | undefined): string;
  log(entry: RequestLog): void;
  /** Called once a request's answer is ready, before it is sent. */
  beforeAnswer(record: RequestRecord): void;
}

/**
 * The HTTP side of `yourspace dev`: each request is served in a region (the server's, or the one its
 * x-yourspace-region header names), through the dispatcher, and answered with headers saying the
 * region and how KV reads were served. A function's failure is a 500 with its source-mapped stack,
 * and the server goes on serving.
 */
export async function listenDev(options: DevServerOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => serve(options, req, res));
  await new Promise<void>((resolve, reject) => {
    // A port in use, or one this user may not take, is refused as `kv emulator start` refuses it.
    const refused = (e: unknown) => reject(listenFailure(e, options.host, options.port));
    server.once("error", refused);
    server.listen(options.port, options.host, () => {
      server.off("error", refused);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${options.host}:${port}` };
}

/**
 * One request, from its arrival to its log line. Its steps are plain calls and one promise (the
 * functions' answer), never an async function awaiting values already there: each await costs a turn
 * of the microtask queue, and while AsyncLocalStorage is on (request-scope.ts) every promise made
 * costs a hook call as well.
 */
function serve(options: DevServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const exchange = new Exchange(options, req, res);
  let request: EdgeRequest | null;
  let origin: string;
  try {
    const header = req.headers[REGION_HEADER];
    exchange.record.region = options.region(typeof header === "string" ? header : undefined);
    origin = `http://${req.headers.host ?? "localhost"}`;
    request = bodilessRequestOf(req, origin);
  } catch (e) {
    return exchange.fail(e);
  }
  if (request !== null) exchange.dispatch(request);
  else
    requestOf(req, origin).then(
      (r) => exchange.dispatch(r),
      (e: unknown) => exchange.fail(e),
    );
}

/** A request being served: what its answer and its log line need. */
class Exchange implements Answerer {
  readonly started = performance.now();
  readonly record: RequestRecord = { region: "", ops: [] };
  answering = false;

  constructor(
    private readonly options: DevServerOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    (res as ExchangeResponse)[EXCHANGE] = this;
    res.on("close", onClose);
  }

  dispatch(request: EdgeRequest): void {
    try {
      this.options.dispatcher.serve(request, this.record, this);
    } catch (e) {
      // Thrown before any answer (a Host no URL can have); once answering, a throw is the answer's own.
      if (this.answering) throw e;
      // Answered later, as any answer is: once the request has been read whole (see answer()).
      void Promise.resolve(e).then((thrown) => this.fail(thrown));
    }
  }

  /** Called when the connection closes: a line for a request whose functions had not answered. */
  closed(): void {
    if (!this.answering)
      this.options.log({
        method: this.req.method ?? "GET",
        path: this.req.url ?? "/",
        status: 0,
        ms: performance.now() - this.started,
        record: this.record,
        abandoned: true,
      });
  }

  answered(response: Response): void {
    this.answer(response);
  }

  failed(e: unknown): void {
    this.fail(e);
  }

  fail(e: unknown): void {
    const { response, error } = failure(e, this.options.maps, this.req.headers.accept ?? null);
    this.answer(response, error);
  }

  answer(response: Response, error?: LoggedError): void {
    const { options, req, res, record } = this;
    this.answering = true;
    options.beforeAnswer(record);
    const extra: Record<string, string> = { [REGION_HEADER]: record.region || "none" };
    const kv = kvHeader(record);
    if (kv) extra[KV_HEADER] = kv;
    // A body left unread (one refused as too large) cannot be followed by another request on this connection.
    if (!req.complete) extra[HEADERS.connection] = "close";
    let sending: Promise<void> | undefined;
    try {
      sending = send(res, response, extra);
    } catch {
      res.destroy();
    }
    if (sending === undefined) this.logged(response.status, error);
    else
      sending.then(
        () => this.logged(response.status, error),
        () => {
          // The client went away mid-answer: nothing is left to tell it.
          res.destroy();
          this.logged(response.status, error);
        },
      );
  }

  private logged(status: number, error: LoggedError | undefined): void {
    const log: RequestLog = { method: this.req.method ?? "GET", path: this.req.url ?? "/", status, ms: performance.now() - this.started, record: this.record };
    if (error) log.error = error;
    this.options.log(log);
  }
}

/** Where a response finds its exchange: one listener for every response, rather than a closure each. */
const EXCHANGE = Symbol("exchange");
type ExchangeResponse = ServerResponse & { [EXCHANGE]: Exchange };

function onClose(this: ServerResponse): void {
  (this as ExchangeResponse)[EXCHANGE].closed();
}

/** The answer to a request that failed, and what the log says of it. */
function failure(e: unknown, maps: SourceMaps, accept: string | null): { response: Response; error: LoggedError } {
  const answer = (error: KvError, status: number, stack?: string) => ({
    response: errorResponse(error, status, accept, stack),
    error: { code: error.code, message: error.message, ...(stack && { stack }) },
  });
  if (e instanceof FunctionFailure) {
    const cause = e.error;
    if (cause instanceof KvError && cause.code === "FUNCTION_ERROR") return answer(cause, 500);
    const { text, stack } = describeFunctionThrow(cause, maps);
    return answer(edgeErrors.functionFailed(e.route, text), 500, stack);
  }
  if (e instanceof KvError) return answer(e, STATUS[e.code]);
  return answer(errors.internal(`Unexpected error: ${(e as Error).message}`), 500, (e as Error).stack);
}

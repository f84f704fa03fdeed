import { HEADERS } from "../contract/index.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { errors, KvError } from "../core/errors.js";
import { edgeErrors } from "../core/edge-errors.js";
import { STATUS } from "../contract/status.js";
import type { Dispatcher } from "./dispatch.js";
import { FunctionFailure } from "./dispatch.js";
import { errorResponse } from "./error-page.js";
import { listenFailure } from "../core/listen-errors.js";
import { requestOf, send } from "./http-bridge.js";
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
  const server = createServer((req, res) => {
    void serve(options, req, res);
  });
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

async function serve(options: DevServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const header = req.headers[REGION_HEADER];
  const record: RequestRecord = { region: "", ops: [] };
  let response: Response;
  let error: LoggedError | undefined;
  let answering = false;
  res.once("close", () => {
    if (!answering) options.log({ method: req.method ?? "GET", path: req.url ?? "/", status: 0, ms: performance.now() - started, record, abandoned: true });
  });
  try {
    record.region = options.region(typeof header === "string" ? header : undefined);
    const request = await requestOf(req, `http://${req.headers.host ?? "localhost"}`);
    response = await options.dispatcher.dispatch(request, record);
  } catch (e) {
    ({ response, error } = failure(e, options.maps, req.headers.accept ?? null));
  }
  answering = true;
  options.beforeAnswer(record);
  const extra: Record<string, string> = { [REGION_HEADER]: record.region || "none" };
  const kv = kvHeader(record);
  if (kv) extra[KV_HEADER] = kv;
  // A body left unread (one refused as too large) cannot be followed by another request on this connection.
  if (!req.complete) extra[HEADERS.connection] = "close";
  try {
    await send(res, response, extra);
  } catch {
    // The client went away mid-answer: nothing is left to tell it.
    res.destroy();
  }
  options.log({ method: req.method ?? "GET", path: req.url ?? "/", status: response.status, ms: performance.now() - started, record, ...(error && { error }) });
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

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { API_LIMITS, HEADERS, ROUTES } from "../../contract/index.js";
import { apiErrors } from "../../core/api-errors.js";
import type { KvError } from "../../core/errors.js";
import { continueWhenRead, headerOf } from "./body.js";
import { answerAndClose, refuse } from "./reply.js";
import { listenFailure } from "../../core/listen-errors.js";

export interface ListenOptions {
  host: string;
  port: number;
  /** How long a client may take to send a whole request. */
  requestTimeoutMs: number;
}

/** A request with a usable target, to route. */
export type Handle = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An HTTP server listening on host:port that hands each request with a usable target to `handle`.
 * Everything HTTP refuses before that (a malformed request, a client too slow, CONNECT, an unknown
 * expectation) still gets a JSON error of the contract. Resolves once it listens, to the server and
 * its URL; rejects with the catalogue's reason when it cannot.
 */
export async function listen(options: ListenOptions, handle: Handle): Promise<{ server: Server; url: string }> {
  const { requestTimeoutMs: requestTimeout, host, port } = options;
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const refusal = refuseTarget(req);
    if (refusal) refuse(res, refusal);
    else handle(req, res);
  };
  const routeInTurn = (req: IncomingMessage, res: ServerResponse) => inTurn(req, res, () => route(req, res));
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
    routeInTurn,
  );
  // Malformed requests and clients too slow to send theirs still get a JSON error.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === "ECONNRESET") return socket.destroy();
    const [status, refusal] =
      err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, apiErrors.requestTooSlow(requestTimeout)]
        : err.code === "HPE_HEADER_OVERFLOW"
          ? [431, apiErrors.headersTooLarge()]
          : [400, apiErrors.requestNotHttp()];
    const answer = () => answerAndClose(socket, status, refusal);
    // Whole requests before the bad bytes on this connection (pipelined) get their own answers first.
    // One whose own body failed or timed out is not waited for: its handler is waiting on that body.
    const last = lastOn(socket);
    if (last && !last.writableFinished && last.req.complete) {
      last.shouldKeepAlive = false;
      last.once("finish", answer);
    } else answer();
  });
  // Expect: 100-continue. Node would write "100 Continue" at once, even while an earlier request's
  // answer on the same connection is still going out (pipelining): the 100 then lands inside that
  // answer. Such a request waits for its turn like any other, and its 100 is sent when its body is read.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    inTurn(req, res, () => {
      continueWhenRead(req, res);
      route(req, res);
    });
  });
  // CONNECT asks for a tunnel, which the API does not make.
  server.on("connect", (_req: IncomingMessage, socket: Socket) => {
    socket.on("error", () => {});
    answerAndClose(socket, 405, apiErrors.tunnelRefused());
  });
  // Any other expectation gets a JSON 417.
  server.on("checkExpectation", (req, res) => {
    refuse(res, apiErrors.expectationUnsupported(String(req.headers[HEADERS.expect])), undefined, 417);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(listenFailure(e, host, port)));
    server.listen(port, host, resolve);
  });
  const address = server.address() as { port: number };
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { server, url: `http://${shownHost}:${address.port}` };
}

/** The response of the latest request that had to wait for its turn on a connection (see inTurn). */
const WAITING = Symbol("latest waiting response");

type ServerSocket = Socket & { _httpMessage?: ServerResponse | null; [WAITING]?: ServerResponse };

/**
 * Runs a request's handling once every request before it on its connection has been handled and
 * answered (HTTP/1.1 pipelining): each sees what the ones before it wrote, as if sent one after
 * another. Node emits every pipelined request at once and only orders the answers; it gives a
 * response its socket when the answers before it are sent, so a request not pipelined behind
 * another (its response has the socket already) runs at once, at the cost of a check or two.
 * Nor is a request run that can never be answered: one read after an answer closed the connection.
 */
function inTurn(req: IncomingMessage, res: ServerResponse, run: () => void): void {
  if (res.socket) {
    if (!res.socket.writableEnded) run();
    return;
  }
  (req.socket as ServerSocket)[WAITING] = res;
  res.once("socket", run);
}

/** The response of the last request received on a connection, while it is not yet sent. */
function lastOn(socket: Socket): ServerResponse | null | undefined {
  const waiting = (socket as ServerSocket)[WAITING];
  return waiting && !waiting.writableFinished ? waiting : (socket as ServerSocket)._httpMessage;
}

/**
 * What is wrong with a request's target or Host, if anything. An absolute-form target
 * (`GET http://host/v1/whoami`, as sent to a proxy) is taken as its path, as HTTP/1.1 servers must.
 */
function refuseTarget(req: IncomingMessage): KvError | undefined {
  if (req.httpVersion === "1.1" && headerOf(req, HEADERS.host) === undefined) {
    return apiErrors.hostMissing();
  }
  const url = req.url ?? "";
  const absolute = /^https?:\/\/[^/?#]*/i.exec(url);
  if (absolute) req.url = url.slice(absolute[0].length).replace(/^(?=[?#]|$)/, "/");
  if (!req.url!.startsWith("/")) return apiErrors.targetNotPath(url, ROUTES.whoami);
  return undefined;
}

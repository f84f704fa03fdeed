import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { BROWSER_HEADERS } from "../../contract/browser-host.js";
import { AUTH_SCHEME, HEADERS } from "../../contract/index.js";
import { describeThrown } from "../../core/describe-thrown.js";
import { remoteErrors } from "../../core/remote-errors.js";
import { describeErrno } from "../../core/system-errors.js";
import { refuse, secured } from "./answers.js";

/**
 * Headers of the browser's request that are not passed on: those of this connection alone, the
 * browser's credentials for the host (its cookie, its CSRF token) and where the request came from.
 * The API gets the host's token instead; the browser's fetch metadata (`sec-…`) is the host's to
 * check, not the API's; everything else (the body's type and length, conditions, idempotency keys)
 * goes as sent.
 */
const NOT_FORWARDED = new Set<string>([
  HEADERS.host,
  HEADERS.connection,
  HEADERS.authorization,
  HEADERS.expect,
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  BROWSER_HEADERS.cookie,
  BROWSER_HEADERS.csrf,
  BROWSER_HEADERS.origin,
  "referer",
]);

/** Headers of the API's answer that are not passed back: those of that connection, and cookies (the API's, not the host's). */
const NOT_RETURNED = new Set<string>([HEADERS.connection, HEADERS.transferEncoding, "keep-alive", "trailer", "upgrade", BROWSER_HEADERS.setCookie]);

function without(headers: IncomingHttpHeaders, dropped: ReadonlySet<string>): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !dropped.has(name) && !name.startsWith("sec-")) kept[name] = value;
  return kept;
}

/**
 * Whether a path passed on below the API's base path stays below it: it holds no "." or ".." segment,
 * as it is or percent-encoded (a server or proxy in front of the API may decode and resolve them), and
 * no backslash (which some take for a slash). The page never sends one: a browser resolves such
 * segments itself, and the page encodes every name it puts in a path. Another program would, to send
 * the host's token to another path of the API's server.
 */
export function staysBelowBase(path: string): boolean {
  if (path.includes("\\")) return false;
  const end = path.indexOf("?");
  for (const segment of (end < 0 ? path : path.slice(0, end)).split("/")) {
    const dots = segment.replace(/%2e/gi, ".");
    if (dots === "." || dots === "..") return false;
  }
  return true;
}

export interface ApiProxy {
  /** Passes `req` on as `<apiUrl><path>` (path and query as the browser sent them) and its answer back, byte for byte. */
  forward(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Closes the connections kept open to the API. */
  close(): void;
}

/** Requests to the platform API at `apiUrl`, each with `Authorization: Bearer <token>`, over connections kept open. */
export function apiProxy(apiUrl: string, token: string): ApiProxy {
  const base = new URL(apiUrl);
  const secure = base.protocol === "https:";
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  // A base path (an API behind a prefix) is kept; the browser's path is added to it as it came.
  const basePath = base.pathname.replace(/\/$/, "");
  return {
    forward(req, res, path) {
      const upstream = send({
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: base.port || (secure ? 443 : 80),
        method: req.method,
        // A string, never resolved against the base: no path can name another host.
        path: `${basePath}${path}`,
        headers: { ...without(req.headers, NOT_FORWARDED), [HEADERS.authorization]: `${AUTH_SCHEME} ${token}` },
        agent,
      });
      upstream.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, secured(without(answer.headers, NOT_RETURNED)));
        answer.pipe(res);
        // An answer cut off by the API is cut off for the browser too, never ended as if whole.
        answer.on("close", () => {
          if (!answer.complete) res.destroy();
        });
        answer.on("error", () => res.destroy());
      });
      upstream.on("error", (e: NodeJS.ErrnoException) => {
        if (res.headersSent) res.destroy();
        else if (!res.destroyed) refuse(res, remoteErrors.apiUnreachable(apiUrl, describeErrno(e.code ?? "") ?? describeThrown(e)), "json");
      });
      // A browser that goes away (a tab closed during an export) stops the request to the API.
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.on("error", () => upstream.destroy());
      req.pipe(upstream);
    },
    close() {
      agent.destroy();
    },
  };
}

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  BROWSER_HEADERS,
  BROWSER_PATHS,
  BROWSER_SECRET_QUERY,
  sessionCookieName,
  type BrowserDescription,
  type BrowserSession,
  type MintAnswer,
} from "../../contract/browser-host.js";
import { AUTH_SCHEME, HEADERS } from "../../contract/index.js";
import { browserErrors } from "../../core/browser-errors.js";
import { describeThrown } from "../../core/describe-thrown.js";
import type { KvError } from "../../core/errors.js";
import { describeErrno } from "../../core/system-errors.js";
import { answer, answerJson, answerSignedIn, answerSocketAndClose, refuse } from "./answers.js";
import { apiProxy, staysBelowBase } from "./api-proxy.js";
import { checkCsrf, checkFetchSite, checkHost, checkOrigin, ownHosts } from "./guards.js";
import { defaultPageDir, pageFiles } from "./page-files.js";
import { mintKey as newMintKey, sameSecret, sessionOf, Sessions } from "./sessions.js";

export interface BrowserHostOptions {
  /** The platform API the page's requests go to (an emulator's server, or a remote API). */
  apiUrl: string;
  /** Sent to `apiUrl` with every request; never to the page. */
  token: string;
  /** What the page's banner shows. */
  describe: BrowserDescription;
  /** The built page; default dist/browser/ beside the bundle. */
  pageDir?: string;
  /** A loopback address; default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface BrowserHost {
  /** The page's address with a one-time secret: what a command prints. */
  url: string;
  /** This server's own origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** The key a discovery file holds: POST mint with it as a bearer token answers a fresh URL. */
  mintKey: string;
  /** The page's address with a fresh one-time secret. */
  mintUrl(): string;
  /** Stops listening and ends every connection, those in the middle of an answer too. */
  stop(): Promise<void>;
}

/**
 * The KV browser's host: a loopback server that serves the page's files, signs a browser in with a
 * one-time secret (which becomes an HttpOnly, SameSite=Strict cookie) and passes the page's requests
 * on to the platform API with its token. Without a session nothing is served. See docs/browser.md.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const host = options.host ?? "127.0.0.1";
  const servePageFile = pageFiles(options.pageDir ?? defaultPageDir());
  const sessions = new Sessions();
  const proxy = apiProxy(options.apiUrl, options.token);
  const key = newMintKey();
  let own: string[] = [];
  let cookie = "";
  let origin = "";
  const mintUrl = () => `${origin}${BROWSER_PATHS.prefix}?${BROWSER_SECRET_QUERY}=${sessions.mint()}`;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? "";
    const at = target.indexOf("?");
    const path = at < 0 ? target : target.slice(0, at);
    const query = at < 0 ? "" : target.slice(at + 1);
    const as = path.startsWith(BROWSER_PATHS.api) || path === BROWSER_PATHS.session || path === BROWSER_PATHS.mint ? "json" : "text";
    const fail = (error: KvError) => refuse(res, error, as);
    const checked = checkHost(req, own);
    if ("refused" in checked) return fail(checked.refused);
    const foreign = checkOrigin(req, checked.host);
    if (foreign) return fail(foreign);
    if (path === BROWSER_PATHS.mint) return mint(req, res, fail);
    if (`${path}/` === BROWSER_PATHS.prefix) return answer(res, 308, { [HEADERS.location]: `${BROWSER_PATHS.prefix}${at < 0 ? "" : `?${query}`}` });
    // Only a browser opening the URL spends its secret: not a HEAD (a link checker), not a form's POST.
    const secret = path === BROWSER_PATHS.prefix && req.method === "GET" ? new URLSearchParams(query).get(BROWSER_SECRET_QUERY) : null;
    const session = sessionOf(sessions, req.headers[BROWSER_HEADERS.cookie], cookie);
    if (secret !== null) {
      const signedIn = sessions.redeem(secret);
      // A spent secret in a browser already signed in (a reload of the printed URL) just opens the page.
      if (!signedIn && !session) return fail(browserErrors.noSession());
      const setCookie = signedIn ? { [BROWSER_HEADERS.setCookie]: `${cookie}=${signedIn.id}; HttpOnly; SameSite=Strict; Path=${BROWSER_PATHS.prefix}` } : {};
      return answerSignedIn(res, setCookie);
    }
    if (!session) return fail(browserErrors.noSession());
    if (path.startsWith(BROWSER_PATHS.api)) {
      const refused = checkFetchSite(req) ?? checkCsrf(req, session);
      if (refused) return fail(refused);
      const apiPath = `/${target.slice(BROWSER_PATHS.api.length)}`;
      if (!staysBelowBase(apiPath)) return fail(browserErrors.notFound(path));
      return proxy.forward(req, res, apiPath);
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      return refuse(res, browserErrors.methodNotAllowed(req.method ?? "", "GET or HEAD"), as, { [HEADERS.allow]: "GET, HEAD" });
    if (path === BROWSER_PATHS.session) {
      const refused = checkFetchSite(req);
      if (refused) return fail(refused);
      return answerJson(res, 200, { csrf: session.csrf, ...options.describe } satisfies BrowserSession);
    }
    if (!path.startsWith(BROWSER_PATHS.prefix)) return fail(browserErrors.notFound(path));
    void servePageFile(res, path.slice(BROWSER_PATHS.prefix.length), path, options.describe).catch(() => res.destroy());
  };

  /** A fresh sign-in address, for a local process that read the key from the discovery file (never a browser). */
  const mint = (req: IncomingMessage, res: ServerResponse, fail: (e: KvError) => void) => {
    if (req.method !== "POST") return refuse(res, browserErrors.methodNotAllowed(req.method ?? "", "POST"), "json", { [HEADERS.allow]: "POST" });
    const given = req.headers[HEADERS.authorization]?.replace(new RegExp(`^${AUTH_SCHEME} `), "");
    if (req.headers[BROWSER_HEADERS.origin] !== undefined || !sameSecret(key, given)) return fail(browserErrors.mintRefused());
    answerJson(res, 200, { url: mintUrl() } satisfies MintAnswer);
  };

  const server = createServer({ requireHostHeader: false }, handle);
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === "ECONNRESET") return socket.destroy();
    const [status, text] =
      err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "The request's headers (or its path) are too large."]
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "The request was not received in time."]
          : [400, "The request is not valid HTTP."];
    answerSocketAndClose(socket, status, `${text}\n`);
  });
  // CONNECT asks for a tunnel, which the host does not make.
  server.on("connect", (_req: IncomingMessage, socket: Socket) => {
    socket.on("error", () => {});
    answerSocketAndClose(socket, 405, "CONNECT is not served: the KV browser's host is not a proxy.\n");
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(browserErrors.listenFailed(`${host}:${options.port ?? 0}`, describeErrno(e.code ?? "") ?? describeThrown(e))),
    );
    server.listen(options.port ?? 0, host, () => resolve((server.address() as { port: number }).port));
  });
  own = ownHosts(host, port);
  cookie = sessionCookieName(port);
  origin = `http://${own[0]}`;
  return {
    url: mintUrl(),
    origin,
    mintKey: key,
    mintUrl,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      proxy.close();
      await closed;
    },
  };
}

import type { IncomingMessage } from "node:http";
import { BROWSER_HEADERS } from "../../contract/browser-host.js";
import { HEADERS } from "../../contract/index.js";
import { browserErrors } from "../../core/browser-errors.js";
import type { KvError } from "../../core/errors.js";
import { sameSecret, type Session } from "./sessions.js";

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The names this server answers to: the address it listens on, and localhost, with its port. */
export function ownHosts(host: string, port: number): string[] {
  const shown = host.includes(":") ? `[${host}]` : host;
  return [...new Set([`${shown}:${port}`, `localhost:${port}`])];
}

/**
 * A Host header that is not one of this server's names is refused: a web page whose domain name was
 * made to point at 127.0.0.1 (DNS rebinding) would otherwise be same-origin with the host, and the
 * browser would let it read what it serves. Answers the Host as it is when it is one of them.
 */
export function checkHost(req: IncomingMessage, own: readonly string[]): { host: string } | { refused: KvError } {
  const given = header(req, HEADERS.host)?.toLowerCase();
  if (given !== undefined && own.includes(given)) return { host: given };
  return { refused: browserErrors.misdirected(given, own[0]!) };
}

/**
 * An Origin header, when a browser sends one, must be this server's own: another page (another port
 * of this machine is another origin, though the same site) may not act through the host.
 */
export function checkOrigin(req: IncomingMessage, host: string): KvError | undefined {
  const origin = header(req, BROWSER_HEADERS.origin);
  return origin === undefined || origin === `http://${host}` ? undefined : browserErrors.foreignOrigin(origin);
}

/**
 * The page's own requests, as browsers label them: a request for the API or the session from any other
 * page (Sec-Fetch-Site "same-site" is another port of this machine) is refused even when it only reads.
 */
export function checkFetchSite(req: IncomingMessage): KvError | undefined {
  const site = header(req, BROWSER_HEADERS.fetchSite);
  return site === undefined || site === "same-origin" ? undefined : browserErrors.foreignOrigin(`a page that is ${site}`);
}

/** A request that may change something (anything but GET and HEAD) carries the session's CSRF token. */
export function checkCsrf(req: IncomingMessage, session: Session): KvError | undefined {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  return sameSecret(session.csrf, header(req, BROWSER_HEADERS.csrf)) ? undefined : browserErrors.csrfMissing(req.method ?? "");
}

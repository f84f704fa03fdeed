import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { BROWSER_HEADERS, BROWSER_PATHS } from "../../contract/browser-host.js";
import { HEADERS, MEDIA, STATUS } from "../../contract/index.js";
import type { KvError } from "../../core/errors.js";

/**
 * What the host adds to every answer, its own and the API's alike. The page loads nothing but its
 * own files (no inline script or style, no other origin), cannot be framed, and nothing it gets is
 * cached, sniffed into another type, or readable by another origin's page.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  [BROWSER_HEADERS.contentSecurityPolicy]:
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  [BROWSER_HEADERS.frameOptions]: "DENY",
  [BROWSER_HEADERS.contentTypeOptions]: "nosniff",
  [BROWSER_HEADERS.referrerPolicy]: "no-referrer",
  [BROWSER_HEADERS.cacheControl]: "no-store",
  [BROWSER_HEADERS.openerPolicy]: "same-origin",
  [BROWSER_HEADERS.resourcePolicy]: "same-origin",
};

/** `headers` with the security headers put over them. */
export function secured(headers: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return { ...headers, ...SECURITY_HEADERS };
}

const TEXT = "text/plain; charset=utf-8";

/** A whole answer: its status, headers (made secure) and bytes; a HEAD gets the headers alone. */
export function answer(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer = Buffer.alloc(0)): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A request refused before its body was read: the connection closes rather than read it all.
  const req = res.req;
  const unread = (req.headers[HEADERS.transferEncoding] !== undefined || Number(req.headers[HEADERS.contentLength] ?? 0) > 0) && !req.readableEnded;
  res.writeHead(status, secured({ ...headers, [HEADERS.contentLength]: body.length, ...(unread && { [HEADERS.connection]: "close" }) }));
  res.end(res.req.method === "HEAD" ? undefined : body);
}

export function answerJson(res: ServerResponse, status: number, value: unknown): void {
  answer(res, status, { [HEADERS.contentType]: MEDIA.jsonAnswer }, Buffer.from(JSON.stringify(value)));
}

/**
 * The answer to the request that signs a browser in: the session cookie, and a document that opens the
 * page. Not a redirect: the request a 303 leads to belongs to the navigation that opened the sign-in
 * URL, and when a link on another site opened it (a web mail, a notebook's terminal), that navigation is
 * cross-site, so the browser would not send the SameSite=Strict cookie it was just given and would land
 * signed out, its secret spent. A refresh the host's own document asks for is a same-origin navigation,
 * which sends it, and takes the secret out of the address bar.
 */
export function answerSignedIn(res: ServerResponse, setCookie: OutgoingHttpHeaders): void {
  const page = BROWSER_PATHS.prefix;
  const html = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${page}"><title>KV browser</title><p><a href="${page}">Open the KV browser</a></p>\n`;
  answer(res, 200, { ...setCookie, [HEADERS.contentType]: "text/html; charset=utf-8" }, Buffer.from(html));
}

/**
 * A refusal of the host's own. The page's requests (the API, its session) get the API's error body, so
 * the page reads both alike; a person's browser, opening anything else, gets a line of text to read.
 */
export function refuse(res: ServerResponse, error: KvError, as: "json" | "text", headers: OutgoingHttpHeaders = {}): void {
  const status = STATUS[error.code];
  if (as === "json") {
    answer(res, status, { ...headers, [HEADERS.contentType]: MEDIA.jsonAnswer }, Buffer.from(JSON.stringify(error.toJSON())));
    return;
  }
  const text = `${error.message}\n\n${error.hint ?? ""}\n`;
  answer(res, status, { ...headers, [HEADERS.contentType]: TEXT }, Buffer.from(text));
}

const REASONS: Record<number, string> = { 400: "Bad Request", 405: "Method Not Allowed", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** An answer written straight to a socket HTTP parsing gave up on, then closed. */
export function answerSocketAndClose(socket: Socket, status: number, text: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
    `${HEADERS.contentType}: ${TEXT}`,
    `${HEADERS.contentLength}: ${Buffer.byteLength(text)}`,
    `${HEADERS.connection}: close`,
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${text}`);
}

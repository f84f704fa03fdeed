/**
 * The page's one way to the server: the host's session, and the platform API through the host's
 * proxy. Every failure becomes a PageError carrying what the user is shown: the catalogue's message
 * and hint when the API answered with one (src/contract/status.ts, docs/errors.md), the page's own
 * words when the answer came from the host or from no one.
 */
import { HEADERS, MEDIA } from "../../contract/headers-and-query.js";
import type { ErrorBody } from "../../contract/status.js";
import type { ErrorCode } from "../../core/errors.js";
import { BROWSER_HEADERS, BROWSER_PATHS, type BrowserSession } from "../../contract/browser-host.js";
import { apiUrl, type Query } from "./api-url.js";
import { hostHint, NETWORK_HINT, PAGE_HINTS } from "./error-advice.js";

export type Session = BrowserSession;

/** A failure as the user reads it: what happened, and what to do. */
export class PageError extends Error {
  constructor(
    message: string,
    readonly hint: string | null,
    readonly status: number,
    readonly code: ErrorCode | "HOST" | "NETWORK",
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The session's CSRF token, which every change waits for: the page reads without it meanwhile. */
let csrf: Promise<string> = new Promise(() => undefined);

export function openSession(): Promise<Session> {
  const opening = send(BROWSER_PATHS.session, { method: "GET" }).then((res) => res.json() as Promise<Session>);
  csrf = opening.then((session) => session.csrf);
  // A change made after a failed opening fails with its error; until then nobody need hear of it here.
  csrf.catch(() => undefined);
  return opening;
}

export interface Call {
  method?: "GET" | "PUT" | "POST" | "DELETE";
  query?: Query;
  headers?: Record<string, string>;
  body?: BodyInit;
}

/** One API request; resolves with the answer when it is a success, throws a PageError otherwise. */
export async function call(path: string, { method = "GET", query, headers = {}, body }: Call = {}): Promise<Response> {
  const writing = method !== "GET";
  return send(apiUrl(path, query), { method, body, headers: writing ? { ...headers, [BROWSER_HEADERS.csrf]: await csrf } : headers });
}

/** A GET of an address apiUrl() made. */
export function getUrl(url: string): Promise<Response> {
  return send(url, { method: "GET" });
}

export async function callJson<T>(path: string, options: Call = {}): Promise<T> {
  return (await (await call(path, options)).json()) as T;
}

/** A JSON body, sent with its media type. */
export function jsonBody(value: unknown): Pick<Call, "headers" | "body"> {
  return { headers: { [HEADERS.contentType]: MEDIA.json }, body: JSON.stringify(value) };
}

function send(url: string, init: RequestInit): Promise<Response> {
  return answerOf(fetch(url, { ...init, credentials: "same-origin", cache: "no-store" }));
}

/** The answer to a request already sent (early.ts sends one before this bundle runs), or its PageError. */
export async function answerOf(sent: Promise<Response>): Promise<Response> {
  let res: Response;
  try {
    res = await sent;
  } catch (e) {
    throw new PageError(`The page's server did not answer (${(e as Error).message}).`, NETWORK_HINT, 0, "NETWORK");
  }
  if (res.ok) return res;
  throw await errorOf(res);
}

/** The answer's catalogue entry, or the host's own refusal (plain text, no code). */
async function errorOf(res: Response): Promise<PageError> {
  const text = await res.text();
  let body: ErrorBody | undefined;
  try {
    const parsed = JSON.parse(text) as ErrorBody;
    if (typeof parsed.code === "string" && typeof parsed.message === "string") body = parsed;
  } catch {
    body = undefined;
  }
  if (!body) return new PageError(text.trim() || `The server answered ${res.status}.`, hostHint(res.status), res.status, "HOST");
  return new PageError(body.message, PAGE_HINTS[body.code] ?? body.hint, res.status, body.code, body.details);
}

/** The text a failure shows as one line, for places too small for its hint. */
export function errorText(e: unknown): string {
  return e instanceof PageError ? e.message : String(e);
}

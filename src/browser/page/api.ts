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

let csrf = "";

export async function openSession(): Promise<Session> {
  const session = (await (await send(BROWSER_PATHS.session, { method: "GET" })).json()) as Session;
  csrf = session.csrf;
  return session;
}

type Query = Record<string, string | number | undefined>;

/** An API path under the host's proxy, with its query (undefined parameters left out). */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  // The proxy's prefix ends in "/", an API path starts with one.
  return `${BROWSER_PATHS.api}${path.slice(1)}${search ? `?${search}` : ""}`;
}

export interface Call {
  method?: "GET" | "PUT" | "POST" | "DELETE";
  query?: Query;
  headers?: Record<string, string>;
  body?: BodyInit;
}

/** One API request; resolves with the answer when it is a success, throws a PageError otherwise. */
export function call(path: string, { method = "GET", query, headers = {}, body }: Call = {}): Promise<Response> {
  const writing = method !== "GET";
  return send(apiUrl(path, query), { method, body, headers: writing ? { ...headers, [BROWSER_HEADERS.csrf]: csrf } : headers });
}

export async function callJson<T>(path: string, options: Call = {}): Promise<T> {
  return (await (await call(path, options)).json()) as T;
}

/** A JSON body, sent with its media type. */
export function jsonBody(value: unknown): Pick<Call, "headers" | "body"> {
  return { headers: { [HEADERS.contentType]: MEDIA.json }, body: JSON.stringify(value) };
}

async function send(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, credentials: "same-origin", cache: "no-store" });
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

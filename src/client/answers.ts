/**
 * What the client makes of an answer: the API's own error bodies become the catalogue's errors; an
 * answer that is not the API's (a web page, a redirect, a proxy's) is reported as such.
 */
import { HEADERS, ROUTES } from "../contract/index.js";
import { ERROR_EXIT, errors, type ErrorCode, type KvError } from "../core/errors.js";
import { remoteErrors } from "../core/remote-errors.js";
import { formatNumber } from "../core/numbers.js";

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isJson(res: Response): boolean {
  return /^application\/json/i.test(header(res, HEADERS.contentType) ?? "");
}

/** Errors made from the API's own JSON error body: the request was answered, and did nothing. */
const fromApi = new WeakSet<KvError>();

/** Whether the API answered this error itself (so its request did nothing), rather than the answer being lost. */
export function answeredByApi(error: KvError): boolean {
  return fromApi.has(error);
}

export function toError(res: Response, apiUrl: string): KvError {
  if (isJson(res)) {
    try {
      const body = JSON.parse(res.body.toString("utf8")) as { code?: unknown; message?: unknown; hint?: unknown; details?: unknown };
      if (
        typeof body.code === "string" &&
        typeof body.message === "string" &&
        (body.hint === undefined || body.hint === null || typeof body.hint === "string")
      ) {
        const code = (Object.hasOwn(ERROR_EXIT, body.code) ? body.code : "INTERNAL") as ErrorCode;
        // What a script needs beyond the message (a failed condition's current version) travels as it came.
        const details =
          body.details !== null && typeof body.details === "object" && !Array.isArray(body.details) ? (body.details as Record<string, unknown>) : undefined;
        const error = errors.relayed(code, body.message, body.hint ?? undefined, details);
        fromApi.add(error);
        return error;
      }
    } catch {
      // Not the API's error body: judged by its status below.
    }
  }
  if (res.status >= 300 && res.status < 400) {
    const location = header(res, HEADERS.location);
    return notPlatformApi(apiUrl, `it redirected (HTTP ${res.status})${location ? ` to ${location.slice(0, 200)}` : ""}; the API never redirects`);
  }
  // A gateway or proxy in front of the API, having trouble: worth retrying.
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    return remoteErrors.apiInTrouble(apiUrl, res.status, describeBody(res));
  }
  return notPlatformApi(apiUrl, `it answered HTTP ${res.status} with ${describeBody(res)}, not an error of the API`);
}

/** The URL answered, but not as the platform API does: a web page, another service, a redirect. */
export function notPlatformApi(apiUrl: string, what: string): KvError {
  return remoteErrors.notPlatformApi(apiUrl, what, ROUTES.whoami);
}

/** What an answer held, for a message: its type, size and first characters, printable only. */
export function describeBody(res: Response): string {
  const type = header(res, HEADERS.contentType) ?? "no content type";
  if (res.body.length === 0) return `${type}, an empty body`;
  const start = res.body
    .subarray(0, 60)
    .toString("utf8")
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim();
  return `${type}, ${formatNumber(res.body.length)} bytes: ${JSON.stringify(start)}${res.body.length > 60 ? "…" : ""}`;
}

export function unreachable(e: unknown, apiUrl: string): KvError {
  const code = (e as { code?: string }).code ?? "";
  const why =
    code === "ECONNREFUSED"
      ? "the connection was refused"
      : code === "ENOTFOUND"
        ? "the host was not found"
        : code.startsWith("UND_ERR_") && code.includes("TIMEOUT")
          ? "it did not answer in time"
          : ((e as Error).message ?? String(e));
  return remoteErrors.apiUnreachable(apiUrl, why);
}

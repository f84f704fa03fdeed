/**
 * Requests to the API over a keep-alive pool: the token on each, retries with backoff for what is
 * safe to repeat (honouring Retry-After), and the shape of each successful answer checked.
 */
import type { Dispatcher, Pool } from "undici";
import { AUTH_SCHEME, HEADERS } from "../contract/index.js";
import { describeBody, header, isJson, notPlatformApi, toError, unreachable, type Response } from "./answers.js";

export interface RequestSpec {
  method: Dispatcher.HttpMethod;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Safe to send again: reads, and writes that carry an Idempotency-Key. */
  repeatable: boolean;
}

const RETRY_STATUS = new Set([408, 429, 502, 503, 504]);
const USER_AGENT = "yourspace-cli";

export class Transport {
  constructor(
    private readonly pool: Pool,
    readonly apiUrl: string,
    private readonly token: string,
    /** Retries after the first attempt, for requests that are safe to repeat. */
    private readonly retries: number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** The headers every request carries. */
  private headers(extra?: Record<string, string>): Record<string, string> {
    return { [HEADERS.authorization]: `${AUTH_SCHEME} ${this.token}`, [HEADERS.userAgent]: USER_AGENT, ...extra };
  }

  /** A successful answer's JSON, checked against the shape the contract gives it: anything else is not the platform API. */
  json<T>(res: Response, valid: (doc: unknown) => boolean): T {
    if (!isJson(res)) throw notPlatformApi(this.apiUrl, `it answered ${describeBody(res)}`);
    let doc: unknown;
    try {
      doc = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw notPlatformApi(this.apiUrl, `it answered JSON that does not parse (${describeBody(res)})`);
    }
    if (!valid(doc)) throw notPlatformApi(this.apiUrl, `its answer to a request is not of the shape the API gives it (${describeBody(res)})`);
    return doc as T;
  }

  /** Sends and fails on any non-2xx answer. */
  async call(spec: RequestSpec): Promise<Response> {
    const res = await this.send(spec);
    if (res.status < 200 || res.status >= 300) throw toError(res, this.apiUrl);
    return res;
  }

  /** Sends with retries for transient failures; returns whatever final answer came. */
  async send(spec: RequestSpec): Promise<Response> {
    const path = withQuery(spec.path, spec.query);
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let failure: unknown;
      try {
        const answer = await this.pool.request({ method: spec.method, path, headers: this.headers(spec.headers), body: spec.body });
        res = { status: answer.statusCode, headers: answer.headers, body: Buffer.from(await answer.body.arrayBuffer()) };
      } catch (e) {
        failure = e;
      }
      const canRetry = spec.repeatable && attempt < this.retries;
      if (res && !(canRetry && transient(res))) return res;
      if (!res && !canRetry) throw unreachable(failure, this.apiUrl);
      await this.sleep(res ? retryDelay(res, attempt) : backoff(attempt));
    }
  }

  /** A GET whose answer is read as it streams (an export), sent once. */
  async stream(path: string, query?: Record<string, string | undefined>): Promise<Dispatcher.ResponseData> {
    try {
      return await this.pool.request({ method: "GET", path: withQuery(path, query), headers: this.headers() });
    } catch (e) {
      throw unreachable(e, this.apiUrl);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function withQuery(path: string, query: Record<string, string | number | undefined> = {}): string {
  const given = Object.entries(query).filter(([, v]) => v !== undefined);
  return given.length ? `${path}?${new URLSearchParams(given.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : path;
}

/** A 503 from the API itself (say, a partitioned region) is an answer, not a glitch: retry only gateway trouble or what the server asks to retry. */
function transient(res: Response): boolean {
  if (!RETRY_STATUS.has(res.status)) return false;
  return res.status !== 503 || header(res, HEADERS.retryAfter) !== undefined || !isJson(res);
}

function retryDelay(res: Response, attempt: number): number {
  const after = header(res, HEADERS.retryAfter);
  if (after !== undefined) {
    const seconds = /^\d+$/.test(after) ? Number(after) : (Date.parse(after) - Date.now()) / 1000;
    if (Number.isFinite(seconds)) return Math.min(30_000, Math.max(0, seconds * 1000));
  }
  return backoff(attempt);
}

/** Exponential backoff with full jitter: 0–100 ms, 0–200 ms, 0–400 ms, … capped at 2 s. */
function backoff(attempt: number): number {
  return Math.floor(Math.random() * Math.min(2_000, 100 * 2 ** attempt));
}

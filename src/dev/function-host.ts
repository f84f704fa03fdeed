import { relative } from "node:path";
import { edgeErrors } from "../core/edge-errors.js";
import type { KvBinding } from "../edge/module.js";
import type { Bundle } from "./bundle.js";
import { type EdgeRequest, standardRequest } from "./edge-request.js";
import { EdgeResponse } from "./edge-response.js";
import type { Realm } from "./realm.js";

/** What the runner hands every function call, whatever shape the function has. */
interface CallContext {
  next(): Promise<Response>;
  region: string;
  /** The route's named bindings, by variable. */
  env: Record<string, KvBinding>;
  waitUntil(promise: unknown): void;
}

/** A loaded function: one call per request that reaches its route. */
export type LoadedFunction = (request: EdgeRequest, ctx: CallContext) => Promise<unknown>;

/**
 * Evaluates a bundle in the realm and adapts what it exports to one call. Three shapes are
 * accepted, so code written for another platform runs with only its binding renamed:
 * - the launch post's `export default async function handler(req, ctx)`, `req.url` a URL;
 * - Cloudflare's `export default { fetch(request, env, ctx) }`;
 * - EdgeOne's `export function onRequest({ request, params, env, next, waitUntil })`.
 * A module exporting none of them is refused, naming what it does export.
 */
export function loadFunction(realm: Realm, built: Bundle, filename: string, edge: unknown, projectDir: string): LoadedFunction {
  const exports = realm.load(built.code, filename, edge);
  const main = exports.default;
  if (typeof main === "function") {
    const handler = main as (req: EdgeRequest, ctx: unknown) => unknown;
    return (request, ctx) =>
      Promise.resolve(
        handler(request, {
          next: ctx.next,
          region: ctx.region,
          env: ctx.env,
          waitUntil: ctx.waitUntil,
          redirect,
        }),
      );
  }
  if (main !== null && typeof main === "object" && typeof (main as { fetch?: unknown }).fetch === "function") {
    const worker = main as { fetch(request: Request, env: unknown, ctx: unknown): unknown };
    return (request, ctx) => Promise.resolve(worker.fetch(standardRequest(request), ctx.env, { waitUntil: ctx.waitUntil, passThroughOnException: () => {} }));
  }
  if (typeof exports.onRequest === "function") {
    const onRequest = exports.onRequest as (context: unknown) => unknown;
    return (request, ctx) =>
      Promise.resolve(onRequest({ request: standardRequest(request), params: {}, env: ctx.env, next: ctx.next, waitUntil: ctx.waitUntil }));
  }
  const names = Object.keys(exports);
  throw edgeErrors.functionFailed(
    relative(projectDir, built.file),
    `it exports no handler (${names.length ? `it exports ${names.join(", ")}` : "it exports nothing"}). Export a default function (req, ctx), a default object with fetch(request, env, ctx), or a function onRequest(context).`,
  );
}

const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

/**
 * The handler's ctx.redirect: a redirect to `location` as given (a path stays a path). Another status
 * is the function's mistake, thrown as Response.redirect throws it, so the request's 500 says so.
 */
function redirect(location: string | URL, status = 302): Response {
  if (!REDIRECT_STATUSES.includes(status)) throw new RangeError(`ctx.redirect takes a status of 301, 302, 303, 307 or 308, not ${String(status)}.`);
  return new EdgeResponse(null, { status, headers: { location: String(location) } });
}

/** What a function answered, if it is a Response; anything else is the function's error. */
export function responseOf(answer: unknown, route: string): Response {
  if (answer instanceof Response) return answer;
  const what =
    answer === undefined
      ? "nothing"
      : answer === null
        ? "null"
        : `a ${typeof answer === "object" ? ((answer as object).constructor?.name ?? "object") : typeof answer}`;
  throw edgeErrors.functionFailed(route, `it answered ${what}, not a Response. Return a Response, or ctx.next().`);
}

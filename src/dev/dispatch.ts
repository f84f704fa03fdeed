import { edgeErrors } from "../core/edge-errors.js";
import { KvError } from "../core/errors.js";
import { DEFAULT_VARIABLE, type KvBinding } from "../edge/module.js";
import { EdgeRequest } from "./edge-request.js";
import { responseOf } from "./function-host.js";
import type { DevRoute } from "./project-routes.js";
import { inScope, type RequestRecord } from "./request-scope.js";
import type { RouteFunctions } from "./route-functions.js";
import { staticFile } from "./static-files.js";

/** A function's failure, with the route it happened in: the server answers it with a 500. */
export class FunctionFailure extends Error {
  constructor(
    readonly route: string,
    readonly error: unknown,
  ) {
    super(`route ${route}`);
  }
}

/** Where a request's answer goes. */
export interface Answerer {
  answered(response: Response): void;
  /** A FunctionFailure for a function's failure; anything else is the runner's. */
  failed(e: unknown): void;
}

export interface DispatchOptions {
  routes: readonly DevRoute[];
  functions: RouteFunctions;
  /** Named bindings, by variable: the same objects for every route (the broker tells routes apart). */
  bindingOf(variable: string): KvBinding;
  publicDir: string | null;
  origin: string | null;
  /** A promise handed to ctx.waitUntil() rejected, after the answer was sent. */
  onBackgroundError(route: string, error: unknown): void;
}

/**
 * Where a request goes: the first route whose pattern matches and that has a function; its
 * ctx.next() goes on to the next matching route, then to a static file of the public directory,
 * then to the origin, and else answers 404.
 */
export class Dispatcher {
  private readonly envs = new Map<DevRoute, Record<string, KvBinding>>();

  constructor(private readonly options: DispatchOptions) {}

  /** The answer to a request, from the routes from `from` on: a function's ctx.next(). */
  dispatch(request: EdgeRequest, record: RequestRecord, from = 0): Promise<Response> {
    return new Promise((answered, failed) => this.serve(request, record, { answered, failed }, from));
  }

  /**
   * Serves a request: `to` is told the response, or what went wrong (a FunctionFailure for a
   * function's failure). Told rather than given a promise, so that serving costs no promise but the
   * function's own and the one that waits for it.
   */
  serve(request: EdgeRequest, record: RequestRecord, to: Answerer, from = 0): void {
    const { routes, functions } = this.options;
    const path = EdgeRequest.pathnameOf(request);
    for (let i = from; i < routes.length; i++) {
      const route = routes[i]!;
      if (!route.file || !route.pattern.matches(path)) continue;
      const run = functions.functionOf(route);
      const text = route.pattern.text;
      // Told later, as any answer is: once the request has been read whole (an answer while it has not closes the connection).
      if (run instanceof KvError) return void Promise.resolve(new FunctionFailure(text, run)).then((failure) => to.failed(failure));
      const ctx = {
        next: () => this.dispatch(request, record, i + 1),
        region: record.region,
        env: this.envOf(route),
        waitUntil: (promise: unknown) => {
          Promise.resolve(promise).catch((e: unknown) => this.options.onBackgroundError(text, e));
        },
      };
      // A handler that throws before it returns (one that is not async) fails as one that rejects.
      let ran: Promise<unknown>;
      try {
        ran = inScope({ route, request: record }, () => run(request, ctx));
      } catch (e) {
        ran = Promise.reject(e);
      }
      ran.then(
        (answer) => {
          let response: Response;
          try {
            response = responseOf(answer, text);
          } catch (e) {
            return to.failed(e);
          }
          to.answered(response);
        },
        (e: unknown) => to.failed(e instanceof FunctionFailure ? e : new FunctionFailure(text, e)),
      );
      return;
    }
    this.fallThrough(request, path).then(
      (response) => to.answered(response),
      (e: unknown) => to.failed(e),
    );
  }

  private async fallThrough(request: EdgeRequest, path: string): Promise<Response> {
    const { publicDir, origin } = this.options;
    const file = publicDir === null ? null : staticFile(publicDir, path, request.method);
    if (file) return file;
    if (origin !== null) {
      const url = new URL(request.url.pathname + request.url.search, origin);
      const headers = new Headers(request.headers);
      headers.delete("host");
      return fetch(url, { method: request.method, headers, body: request.standard().body, redirect: "manual", duplex: "half" } as RequestInit);
    }
    return Response.json({ error: edgeErrors.nothingServes(path).toJSON() }, { status: 404 });
  }

  private envOf(route: DevRoute): Record<string, KvBinding> {
    let env = this.envs.get(route);
    if (!env) {
      env = Object.freeze(
        Object.fromEntries(route.bindings.filter((b) => b.variable !== DEFAULT_VARIABLE).map((b) => [b.variable, this.options.bindingOf(b.variable)])),
      );
      this.envs.set(route, env);
    }
    return env;
  }
}

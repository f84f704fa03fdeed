/**
 * The path every request of an endpoint takes: authenticate (the bearer token), scope (the token's
 * site), authorize (what the token may do on this namespace), check the query and the precondition
 * headers (refused where the endpoint takes none), run the resource's handler, answer. A refusal is
 * audited, and every error becomes the contract's answer here, in one place. The handlers (routes/)
 * see only a checked call.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { endpointParts, PARAMS, PRECONDITIONS, ROUTES, STATUS, type Endpoint } from "../contract/index.js";
import type { Condition } from "../core/condition.js";
import { errors, KvError } from "../core/errors.js";
import { fromSystemError } from "../core/system-errors.js";
import { STALE, type LocalBackend, type TokenInfo } from "../emulator/index.js";
import { actorOf, authorize, type Action } from "./authorize.js";
import type { ServerContext } from "./context.js";
import { send, type Reply } from "./http/reply.js";
import { bearer, checkQuery, conditionOfRequest, keyOf, NO_QUERY, queryOf } from "./params.js";

/** A request that passed the pipeline, as its handler sees it. */
export interface Call {
  req: IncomingMessage;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  token: TokenInfo;
  site: string;
  /** The request's precondition (If-Match, If-None-Match), on an endpoint that takes one. */
  onlyIf: Condition | undefined;
  /** The emulator as this token's site and actor: every operation is audited under it. */
  kv: LocalBackend;
  server: ServerContext;
}

/** A handler's answer, or "streamed" when it wrote its own (an export). */
type Answer = Reply | "streamed";

export interface Handler {
  action: Action;
  handle: (call: Call, res: ServerResponse) => Promise<Answer> | Answer;
}

/** The endpoints a resource serves (a file of routes/). */
export type Resource = Partial<Record<Endpoint, Handler>>;

type RouteParams = Record<string, string | undefined>;

/** The request handler of one endpoint: the pipeline around its handler. */
export function pipeline(
  server: ServerContext,
  endpoint: Endpoint,
  { action, handle }: Handler,
): (req: IncomingMessage, res: ServerResponse, params: RouteParams) => void {
  const { core } = server;
  const [method, name] = endpointParts(endpoint);
  const accepted = new Set<string>(PARAMS[endpoint]);
  const takesCondition = PRECONDITIONS[endpoint];
  // The endpoint as docs/api.md writes it, for a refusal that names it.
  const shown = `${method} ${ROUTES[name].replace(/:(\w+)/g, "{$1}").replace("*", "{key}")}`;
  // A value's GET runs on the settings as last seen (Settings.optimistic): the engine looks at the
  // store's data_version when it reads, once per turn, and may answer from its cache of home rows.
  const optimistic = endpoint === "GET value";
  return (req, res, params) => {
    let token: TokenInfo | undefined;
    const fail = (e: unknown) => {
      const err = asKvError(e, core.dataDir);
      // A refusal is audited too: who tried to reach what.
      if (err.code === "PERMISSION_DENIED" && token && (params.ns !== undefined || action === "control")) {
        const key = name === "value" || name === "counter" || name === "regions" ? safeKeyOf(req) : null;
        const kind =
          action === "control"
            ? "control"
            : method === "DELETE" || name === "bulkDelete" || name === "deletePrefix"
              ? "delete"
              : action === "read"
                ? "read"
                : "write";
        core.ledger.write({
          site: token.site,
          actor: actorOf(token),
          action: kind,
          // The emulator's controls act on no one namespace.
          namespace: params.ns ?? "",
          key,
          region: core.engine.homeRegion,
          outcome: "denied",
        });
      }
      // Once a stream has begun, an error can only cut it short; the client sees an incomplete body.
      if (res.headersSent) res.destroy(err);
      else send(res, { status: STATUS[err.code], json: err.toJSON() });
    };
    const answer = (reply: Answer) => {
      if (reply !== "streamed") send(res, reply);
    };
    try {
      // The settings (and so the token cache) are checked once for the synchronous part of the
      // request, which for a read is all of it: one look at the store's data_version, not three.
      const work = () => {
        const query = queryOf(req.url ?? "/");
        token = core.tokens.verify(bearer(req));
        const site = params.site ?? token.site;
        // Another site's data answers as if it did not exist, whether or not it does.
        if (site !== token.site) throw errors.siteUnknownToToken(site, token.site);
        authorize(token, params.ns ?? null, action, token.kind === "route" ? core.admin.bindings(site, token.route!) : []);
        if (query !== NO_QUERY) checkQuery(query, accepted);
        // Checked before the handler reads a body: a refused precondition is refused without reading a value.
        const onlyIf = conditionOfRequest(req, takesCondition, shown);
        return handle({ req, params, query, token, site, onlyIf, kv: server.backendFor(site, token), server }, res);
      };
      const { settings } = core.engine;
      // Another process changed the store since the settings were loaded: again, on fresh ones.
      const again = (e: unknown) => {
        if (e !== STALE) throw e;
        return settings.pinned(work, true);
      };
      let reply: Answer | Promise<Answer>;
      try {
        reply = optimistic ? settings.optimistic(work) : settings.pinned(work);
      } catch (e) {
        reply = again(e);
      }
      // A handler that answers at once (a value's GET) is answered in the same tick.
      if (reply instanceof Promise) reply.catch(again).then(answer).catch(fail);
      else answer(reply);
    } catch (e) {
      fail(e);
    }
  };
}

/** A full disk or a damaged store is the environment's failure, answered as such (503, 507), not a bug. */
function asKvError(e: unknown, dataDir: string): KvError {
  return e instanceof KvError ? e : (fromSystemError(e, { dataDir }) ?? errors.internal("The server failed to handle the request."));
}

function safeKeyOf(req: IncomingMessage): string | null {
  try {
    return keyOf(req);
  } catch {
    return null;
  }
}

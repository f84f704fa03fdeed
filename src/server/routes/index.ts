import FindMyWay from "find-my-way";
import { apiErrors } from "../../core/api-errors.js";
import { endpointParts, HEADERS, METHODS, ROUTES, type Endpoint } from "../../contract/index.js";
import type { ServerContext } from "../context.js";
import { refuse } from "../http/reply.js";
import { pipeline, type Handler } from "../pipeline.js";
import { audit } from "./audit.js";
import { bindings } from "./bindings.js";
import { bulk } from "./bulk.js";
import { counters } from "./counters.js";
import { emulator } from "./emulator.js";
import { exportStream } from "./export.js";
import { keys } from "./keys.js";
import { namespaces } from "./namespaces.js";
import { prefixDelete } from "./prefix-delete.js";
import { regions } from "./regions.js";
import { site } from "./site.js";
import { usage } from "./usage.js";
import { values } from "./values.js";
import { whoami } from "./whoami.js";

/** Every endpoint of the contract, each served by its resource's handler: the type checks that none is missing. */
const HANDLERS = {
  ...whoami,
  ...namespaces,
  ...keys,
  ...values,
  ...counters,
  ...bulk,
  ...prefixDelete,
  ...exportStream,
  ...site,
  ...bindings,
  ...usage,
  ...audit,
  ...regions,
  ...emulator,
} satisfies Record<Endpoint, Handler>;

/** The router of the API: each endpoint through the pipeline to its handler; any other path or method answered 404 or 405. */
export function buildRouter(server: ServerContext) {
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    defaultRoute: (req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const allowed = METHODS.filter((m) => router.find(m, path) !== null);
      if (allowed.length) refuse(res, apiErrors.methodNotAllowed(req.method ?? "", path, allowed.join(" or ")), [HEADERS.allow, allowed.join(", ")]);
      else refuse(res, apiErrors.routeNotFound(path));
    },
    onBadUrl: (path, _req, res) => refuse(res, apiErrors.pathNotUrl(path)),
  });
  for (const [endpoint, handler] of Object.entries(HANDLERS) as [Endpoint, Handler][]) {
    const [method, name] = endpointParts(endpoint);
    router.on(method, ROUTES[name], pipeline(server, endpoint, handler));
  }
  return router;
}

import { API_LIMITS, BODIES, QUERY, bindingToWire, type BindingBody } from "../../contract/index.js";
import { apiErrors } from "../../core/api-errors.js";
import { errors } from "../../core/errors.js";
import { readObject } from "../http/body.js";
import { PARAMS_HINT } from "../params.js";
import type { Resource } from "../pipeline.js";

/** Which namespaces each route of the site reaches, under which variable, read-only or read-write. */
export const bindings = {
  "GET bindings": {
    action: "read",
    handle: async ({ kv }) => ({ status: 200, json: { bindings: (await kv.listBindings()).map(bindingToWire) } }),
  },

  "PUT bindings": {
    action: "admin",
    handle: async ({ req, kv }) => {
      const doc = (await readObject(req, API_LIMITS.maxJsonBody, BODIES["PUT bindings"])) as unknown as BindingBody;
      if (doc.access !== "read-only" && doc.access !== "read-write")
        throw apiErrors.bodyNotShaped(BODIES["PUT bindings"].example, `"access" is ${JSON.stringify(doc.access)}`);
      return { status: 200, json: bindingToWire(await kv.bind({ route: doc.route, variable: doc.variable, namespace: doc.namespace, access: doc.access })) };
    },
  },

  "DELETE bindings": {
    action: "admin",
    handle: async ({ kv, query }) => {
      const route = query.get(QUERY.route);
      const variable = query.get(QUERY.variable);
      if (route === null || variable === null) throw errors.usage(`Give the binding's route and variable: ?${QUERY.route}=…&${QUERY.variable}=…`, PARAMS_HINT);
      return { status: 200, json: { removed: await kv.unbind(route, variable) } };
    },
  },
} satisfies Resource;

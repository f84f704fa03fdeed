import { API_LIMITS, BODIES, namespaceToWire, type NamespaceCreateBody, type WireNamespaceRemoved } from "../../contract/index.js";
import { readObject } from "../http/body.js";
import type { Resource } from "../pipeline.js";

/** The site's namespaces: those the token reaches, creating one, removing one. */
export const namespaces = {
  "GET namespaces": {
    action: "read",
    handle: async ({ kv, token, site, server }) => {
      const reachable = token.kind === "route" ? server.core.admin.bindings(site, token.route!).map((b) => b.namespace) : token.namespaces;
      const all = await kv.listNamespaces();
      return { status: 200, json: { namespaces: all.filter((n) => reachable === null || reachable.includes(n.name)).map(namespaceToWire) } };
    },
  },

  "POST namespaces": {
    action: "admin",
    handle: async ({ req, token, kv, server }) => {
      const { name } = (await readObject(req, API_LIMITS.maxJsonBody, BODIES["POST namespaces"])) as unknown as NamespaceCreateBody;
      return server.idempotent(req, token, { alone: async () => ({ status: 201, json: namespaceToWire(await kv.createNamespace(name)) }) });
    },
  },

  "DELETE namespace": {
    action: "admin",
    handle: ({ req, token, kv, params, server }) =>
      server.idempotent(req, token, {
        alone: async () => {
          await kv.removeNamespace(params.ns!);
          return { status: 200, json: { name: params.ns!, removed: true } satisfies WireNamespaceRemoved };
        },
      }),
  },
} satisfies Resource;

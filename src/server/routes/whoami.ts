import { isoOrNull, type WireWhoami } from "../../contract/index.js";
import type { Resource } from "../pipeline.js";

/** Who the token is: its site, kind, reach and, for a route token, its route's bindings. */
export const whoami = {
  "GET whoami": {
    action: "read",
    handle: ({ token, server }) => ({
      status: 200,
      json: {
        site: token.site,
        token: {
          id: token.id,
          kind: token.kind,
          access: token.access,
          namespaces: token.namespaces,
          expiresAt: isoOrNull(token.expiresAt),
          route: token.route,
        },
        bindings:
          token.kind === "route"
            ? server.core.admin.bindings(token.site, token.route!).map(({ variable, namespace, access }) => ({ variable, namespace, access }))
            : null,
      } satisfies WireWhoami,
    }),
  },
} satisfies Resource;

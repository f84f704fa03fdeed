import type { Binding } from "../core/backend.js";
import { errors } from "../core/errors.js";
import { routeAccess, type TokenInfo } from "../emulator/index.js";

/**
 * What an endpoint does: reads, writes data, manages the site (namespaces, bindings, settings, the
 * audit log), or drives the emulator's controls (its clock and faults), which change what every site
 * of the emulator sees.
 */
export type Action = "read" | "write" | "admin" | "control";

/** Who a token acts as, in the audit log. */
export function actorOf(token: TokenInfo): string {
  return token.route ? `route:${token.route}` : `token:${token.id}`;
}

/**
 * What a token may do here. Site tokens reach everything; scoped tokens their namespaces and access;
 * route tokens exactly what their route is bound to, as the bindings stand now.
 */
export function authorize(token: TokenInfo, ns: string | null, action: Action, routeBindings: readonly Binding[]): void {
  if (action === "admin" && token.kind !== "site") {
    throw errors.permission(
      `This ${token.kind} token cannot manage the site (namespaces, bindings, settings, the audit log); only a site token can.`,
      "Use a site token.",
    );
  }
  if (action === "control" && (token.kind !== "site" || token.access === "read-only")) {
    throw errors.permission(
      `This ${token.access} ${token.kind} token cannot change the emulator's clock or faults: they change what every site of the emulator sees.`,
      "Use a read-write site token.",
    );
  }
  if (ns === null) return;
  if (token.kind === "route") {
    routeAccess(token.route!, routeBindings, ns, action === "read" ? "read" : "write");
    return;
  }
  if (token.namespaces !== null && !token.namespaces.includes(ns)) {
    throw errors.permission(
      `This token cannot reach namespace "${ns}"; it is limited to ${token.namespaces.map((n) => `"${n}"`).join(", ")}.`,
      "Use a token scoped to this namespace, or a site token.",
    );
  }
  if (action !== "read" && token.access === "read-only") {
    throw errors.permission("This token is read-only; it cannot write.", "Write with a read-write token.");
  }
}

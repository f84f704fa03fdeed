import type { Binding } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import { edgeErrors } from "../../core/edge-errors.js";

/**
 * What a route's function may do to a namespace, as its bindings stand: the one rule behind both
 * the API server's route tokens and `yourspace dev`'s functions. It is checked where the data is
 * (the server's authorize step, the dev runner's broker), never only in the SDK a function holds.
 */
export function routeAccess(route: string, bindings: readonly Binding[], ns: string, action: "read" | "write"): void {
  const binding = bindings.find((b) => b.namespace === ns);
  if (!binding) {
    throw errors.permission(
      `Route ${route} is not bound to namespace "${ns}"${bindings.length ? `; it is bound to ${[...new Set(bindings.map((b) => `"${b.namespace}"`))].join(", ")}` : ""}.`,
      `Bind route ${route} to namespace "${ns}" (the site's bindings), or use a site token.`,
    );
  }
  if (action !== "read" && !bindings.some((b) => b.namespace === ns && b.access === "read-write")) {
    throw errors.permission(
      `Route ${route} is bound to namespace "${ns}" read-only (as ${binding.variable}); it cannot write.`,
      `Bind route ${route} to namespace "${ns}" read-write, or write with a site token.`,
    );
  }
}

/**
 * A write or read through one binding of a route, by its variable: the binding must exist, and a
 * write needs it read-write. A function reaches KV only by variable, so it can never name a
 * namespace its route does not bind.
 */
export function bindingAccess(route: string, bindings: readonly Binding[], variable: string, action: "read" | "write"): Binding {
  const binding = bindings.find((b) => b.variable === variable);
  if (!binding)
    throw edgeErrors.bindingMissing(
      route,
      variable,
      bindings.map((b) => b.variable),
    );
  if (action === "write" && binding.access !== "read-write") throw edgeErrors.bindingReadOnly(route, variable, binding.namespace);
  return binding;
}

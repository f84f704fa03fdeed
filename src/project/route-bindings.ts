import type { Binding } from "../core/backend.js";
import { edgeErrors } from "../core/edge-errors.js";
import { errors } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";

/** The variable the shorthand's binding has once a block holds named bindings too. */
export const DEFAULT_BINDING = "default";

const ACCESS = ["read-only", "read-write"];

/**
 * The bindings a route block's `kv` declares, checked: the launch post's shorthand (`"read-only"` or
 * `"read-write"`: the site's default namespace, the variable "default"), or an object of named
 * bindings. `yourspace dev` reads blocks through it, and kv bind and kv unbind check the block they
 * change with it, so neither writes a block that dev would refuse. `where` names the block in messages.
 */
export function declaredBindings(kv: unknown, route: string, where: string): Binding[] {
  if (kv === undefined) return [];
  const binding = (variable: string, namespace: string, access: Binding["access"]): Binding => ({ route, variable, namespace, access, createdAt: 0 });
  if (typeof kv === "string") {
    if (!ACCESS.includes(kv))
      throw errors.usage(
        `"kv" in ${where} is "${kv}"; the shorthand is "read-only" or "read-write".`,
        'Write "kv": "read-only" or "kv": "read-write", or an object of named bindings.',
      );
    return [binding(DEFAULT_BINDING, "default", kv as Binding["access"])];
  }
  if (typeof kv !== "object" || kv === null || Array.isArray(kv))
    throw errors.usage(
      `"kv" in ${where} must be "read-only", "read-write" or an object of bindings.`,
      'For example "kv": { "FLAGS": { "namespace": "flags", "access": "read-only" } }.',
    );
  return Object.entries(kv as Record<string, unknown>).map(([variable, value]) => {
    const { namespace, access } = (value ?? {}) as { namespace?: unknown; access?: unknown };
    if (typeof namespace !== "string" || (access !== undefined && !ACCESS.includes(access as string)))
      throw errors.usage(
        `The binding ${variable} in ${where} needs a "namespace" and an "access" of "read-only" or "read-write".`,
        `For example "${variable}": { "namespace": "flags", "access": "read-only" }.`,
      );
    // A name no namespace can have would otherwise be reported, call by call, as one to create.
    if (!LIMITS.namespacePattern.test(namespace)) throw edgeErrors.bindingNamespaceInvalid(variable, where, namespace);
    return binding(variable, namespace, (access as Binding["access"] | undefined) ?? "read-write");
  });
}

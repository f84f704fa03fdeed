import type { Binding } from "../core/backend.js";
import { errors } from "../core/errors.js";
import { bindingAccess, LocalBackend, STALE, type EmulatorCore } from "../emulator/index.js";
import type { KvPort, PortListPage, PortRead, PortReadOptions, PortWriteOptions } from "../edge/module.js";
import { currentScope, type KvOp, type Scope } from "./request-scope.js";

/**
 * The only way a function reaches KV. It takes a binding's variable, never a namespace, finds the
 * running route from the request's scope (which the function cannot forge), and checks the route's
 * bindings before the store is touched: a read-only binding refuses every write, whatever part of
 * the SDK the call came through. Each route acts as `route:<pattern>` in the audit log.
 */
export class KvBroker implements KvPort {
  private readonly backends = new Map<string, LocalBackend>();

  constructor(
    private readonly core: EmulatorCore,
    private readonly site: string,
  ) {}

  get(variable: string, key: string, options: PortReadOptions): PortRead {
    const { scope, binding } = this.reach(variable, "read");
    const op: KvOp = { op: "get", binding: variable, key };
    scope.request.ops.push(op);
    const backend = this.backendOf(scope);
    const readOptions = {
      region: scope.request.region,
      consistency: options.consistency,
      ...(options.cacheTtl !== undefined && { cacheTtlMs: options.cacheTtl * 1000 }),
    };
    const result = this.track(op, () => this.optimistic(() => backend.getNow(binding.namespace, key, readOptions)));
    const { entry, read } = result;
    op.servedFrom = read.servedFrom;
    // An absent or expired key has no version to show, whatever the region last held.
    op.version = entry ? read.version : null;
    op.stale = read.behind;
    op.ageMs = read.ageMs;
    return {
      value: entry ? entry.value : null,
      metadata: entry?.metadata ?? null,
      version: op.version,
      region: read.region,
      servedFrom: read.servedFrom,
      ageMs: read.ageMs,
    };
  }

  put(variable: string, key: string, value: Uint8Array, options: PortWriteOptions): void {
    const { scope, binding } = this.reach(variable, "write");
    const op: KvOp = { op: "put", binding: variable, key };
    scope.request.ops.push(op);
    this.track(op, () =>
      this.backendOf(scope).putNow(
        binding.namespace,
        key,
        {
          value,
          // An absolute expiry counts in whole seconds, as Cloudflare's does.
          ...(options.expiration !== undefined && { expiresAt: Math.floor(options.expiration) * 1000 }),
          ...(options.expirationTtl !== undefined && { ttlSeconds: options.expirationTtl }),
          ...(options.metadata !== undefined && { metadata: options.metadata as never }),
        },
        { region: scope.request.region },
      ),
    );
  }

  delete(variable: string, key: string): void {
    const { scope, binding } = this.reach(variable, "write");
    const op: KvOp = { op: "delete", binding: variable, key };
    scope.request.ops.push(op);
    this.track(op, () => this.backendOf(scope).deleteNow(binding.namespace, [key], { force: true, region: scope.request.region }));
  }

  list(variable: string, options: { prefix: string; limit: number; cursor: string | null }): PortListPage {
    const { scope, binding } = this.reach(variable, "read");
    const op: KvOp = { op: "list", binding: variable, key: options.prefix };
    scope.request.ops.push(op);
    const page = this.track(op, () => this.backendOf(scope).listNow(binding.namespace, { ...options, region: scope.request.region, consistency: "eventual" }));
    return {
      keys: page.keys.map((k) => ({
        name: k.key,
        ...(k.expiresAt !== null && { expiration: Math.floor(k.expiresAt / 1000) }),
        ...(k.metadata !== null && { metadata: k.metadata }),
      })),
      cursor: page.cursor,
    };
  }

  /**
   * A read on the settings as last seen, looking at the store's data_version along with the read
   * itself (one statement, not two), and again on fresh settings if another process changed them:
   * what the API server does for a GET.
   */
  private optimistic<T>(read: () => T): T {
    const { settings } = this.core.engine;
    try {
      return settings.optimistic(read);
    } catch (e) {
      if (e !== STALE) throw e;
      return settings.pinned(read, true);
    }
  }

  /** The running route and its binding of `variable`, refused unless the binding allows the action. */
  private reach(variable: string, action: "read" | "write"): { scope: Scope; binding: Binding } {
    const scope = currentScope();
    if (!scope)
      throw errors.usage(
        "KV was used outside a request (at a module's top level, or from a timer set there); a function reaches KV only while it answers a request.",
        "Move the call into the handler.",
      );
    return { scope, binding: bindingAccess(scope.route.pattern.text, scope.route.bindings, variable, action) };
  }

  private track<T>(op: KvOp, run: () => T): T {
    try {
      return run();
    } catch (e) {
      op.error = (e as { code?: string }).code ?? "INTERNAL";
      throw e;
    }
  }

  private backendOf(scope: Scope): LocalBackend {
    const route = scope.route.pattern.text;
    let backend = this.backends.get(route);
    if (!backend) {
      backend = new LocalBackend(this.core, this.site, `route:${route}`, { kind: "embedded", description: "yourspace dev", site: this.site });
      this.backends.set(route, backend);
    }
    return backend;
  }
}

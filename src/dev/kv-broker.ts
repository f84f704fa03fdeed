import type { Binding, GetResult, ReadOptions } from "../core/backend.js";
import type { Condition } from "../core/condition.js";
import { errors } from "../core/errors.js";
import { bindingAccess, LocalBackend, STALE, type EmulatorCore } from "../emulator/index.js";
import type { KvPort, PortIncrOptions, PortListPage, PortRead, PortReadOptions, PortWriteOptions } from "../edge/module.js";
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
    const { scope, binding, op } = this.reach(variable, "read", "get", key);
    const backend = this.backendOf(scope);
    const readOptions: ReadOptions = { region: scope.request.region, consistency: options.consistency };
    if (options.cacheTtl !== undefined) readOptions.cacheTtlMs = options.cacheTtl * 1000;
    // The read path runs for every request: no closures beyond the one optimistic() takes.
    let result: GetResult;
    try {
      result = this.optimistic(() => backend.getNow(binding.namespace, key, readOptions));
    } catch (e) {
      throw failedAs(op, e);
    }
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
    const { scope, binding, op } = this.reach(variable, "write", "put", key);
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
        { region: scope.request.region, ...(options.onlyIf && { onlyIf: options.onlyIf }) },
      ),
    );
  }

  delete(variable: string, key: string, options: { onlyIf?: Condition }): void {
    const { scope, binding, op } = this.reach(variable, "write", "delete", key);
    this.track(op, () =>
      this.backendOf(scope).deleteNow(binding.namespace, [key], {
        force: true,
        region: scope.request.region,
        ...(options.onlyIf && { onlyIf: options.onlyIf }),
      }),
    );
  }

  incr(variable: string, key: string, options: PortIncrOptions): string {
    const { scope, binding, op } = this.reach(variable, "write", "incr", key);
    const result = this.track(op, () =>
      this.backendOf(scope).incrNow(binding.namespace, key, {
        by: options.by,
        region: scope.request.region,
        ...(options.expirationTtl !== undefined && { ttlSeconds: options.expirationTtl }),
      }),
    );
    return result.value;
  }

  list(variable: string, options: { prefix: string; limit: number; cursor: string | null }): PortListPage {
    const { scope, binding, op } = this.reach(variable, "read", "list", options.prefix);
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

  /**
   * The running route and its binding of `variable`, refused unless the binding allows the action.
   * The operation is in the request's record either way: a refused write shows in the log.
   */
  private reach(variable: string, action: "read" | "write", kind: KvOp["op"], key: string): { scope: Scope; binding: Binding; op: KvOp } {
    const scope = currentScope();
    if (!scope)
      throw errors.usage(
        "KV was used outside a request (at a module's top level, or from a timer set there); a function reaches KV only while it answers a request.",
        "Move the call into the handler.",
      );
    const op: KvOp = { op: kind, binding: variable, key };
    scope.request.ops.push(op);
    // Logged once the call is over (the log goes out later in the turn), with its outcome.
    scope.request.afterLogged?.(op);
    let binding: Binding;
    try {
      binding = bindingAccess(scope.route.pattern.text, scope.route.bindings, variable, action);
    } catch (e) {
      throw failedAs(op, e);
    }
    return { scope, binding, op };
  }

  private track<T>(op: KvOp, run: () => T): T {
    try {
      return run();
    } catch (e) {
      throw failedAs(op, e);
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

/** Records on the operation that it failed, with `e`'s code; answers `e`, to be thrown on. */
function failedAs(op: KvOp, e: unknown): unknown {
  op.error = (e as { code?: string }).code ?? "INTERNAL";
  return e;
}

import { KvError } from "../core/errors.js";
import type { EmulatorCore } from "./emulator-core.js";
import { STALE } from "./settings.js";
import type { AuditAction } from "./site/ledger.js";

/**
 * The audit log as one site's actor writes to it: every operation a LocalBackend runs is logged here
 * with its outcome, whether it succeeds or fails. Reads and lists are gathered by the ledger (and
 * metered: bytes served outside home are egress); writes and deletes are a record each.
 */
export class AuditTrail {
  constructor(
    private readonly core: EmulatorCore,
    private readonly site: string,
    /** Who the audit log names: the local user, a token, or a route. */
    readonly actor: string,
  ) {}

  /**
   * Runs an operation on behalf of the actor and logs it. `outcome` turns a result into what the log
   * says: the outcome, the value bytes served, and the region that served it (when not the one asked).
   */
  run<T>(
    action: AuditAction,
    ns: string,
    key: string,
    region: string | undefined,
    run: () => T,
    outcome: (result: T) => [string, number, string | undefined],
  ): T {
    const { engine, ledger } = this.core;
    const home = engine.homeRegion;
    try {
      const result = engine.actingFor(this.actor, run);
      const [what, bytes, servedIn] = outcome(result);
      const where = servedIn ?? region ?? home;
      if (action === "read" || action === "list") {
        ledger.read({ site: this.site, actor: this.actor, action, namespace: ns, key, region: where, outcome: what }, where === home ? 0 : bytes);
      } else this.log(action, ns, key, where, what);
      return result;
    } catch (e) {
      // An optimistic read (Settings.optimistic) that failed on settings out of date is run again,
      // and logged then: it looks before it logs.
      if (e !== STALE && engine.settings.unverified) engine.settings.verify();
      if (e !== STALE) this.log(action, ns, key, region ?? home, outcomeOf(e));
      throw e;
    }
  }

  /** A read of everything under a prefix (an export), logged once. */
  readAll(ns: string, prefix: string): void {
    const record = {
      site: this.site,
      actor: this.actor,
      action: "read",
      namespace: ns,
      key: `${prefix}*`,
      region: this.core.engine.homeRegion,
      outcome: "ok",
    } as const;
    this.core.ledger.read(record, 0);
  }

  /** A step of removing everything under a prefix: one record for its `count` keys. */
  removedAll(ns: string, prefix: string, region: string, count: number): void {
    this.core.ledger.write({ site: this.site, actor: this.actor, action: "delete", namespace: ns, key: `${prefix}*`, region, outcome: "ok" }, count);
  }

  /** Logs writes that did not happen: they failed, or the transaction they shared failed to commit. */
  failed(action: "write" | "delete" | "incr", ns: string, keys: readonly string[], region: string | undefined, error: unknown): void {
    for (const key of keys) this.log(action, ns, key, region ?? this.core.engine.homeRegion, outcomeOf(error));
  }

  log(action: AuditAction, ns: string, key: string, region: string, outcome: string): void {
    this.core.ledger.write({ site: this.site, actor: this.actor, action, namespace: ns, key, region, outcome });
  }
}

/** What the log says of an operation that threw `e`: its error code, "denied", or INTERNAL for a bug. */
function outcomeOf(e: unknown): string {
  return e instanceof KvError ? (e.code === "PERMISSION_DENIED" ? "denied" : e.code) : "INTERNAL";
}

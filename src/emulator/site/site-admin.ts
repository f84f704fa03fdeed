import type { Binding, SiteChange, SiteInfo, UsageReport } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import { isTier, periodOf, TIER_NAMES } from "../../core/tiers.js";
import { retentionDays } from "./ledger.js";
import type { Database } from "../store/sqlite.js";
import { validateBindingNames } from "../../core/binding-names.js";
import type { SiteUsage } from "./usage.js";

const HOUR_MS = 3_600_000;

/** A site's settings, usage report and route bindings, over the store. Shared by both targets. */
export class SiteAdmin {
  constructor(
    private readonly db: Database,
    private readonly usage: SiteUsage,
    private readonly now: () => number,
  ) {}

  /** Every site, by name. */
  names(): string[] {
    return this.db.prepare("SELECT name FROM sites ORDER BY name").pluck().all() as string[];
  }

  info(site: string): SiteInfo {
    const tier = this.db.prepare("SELECT tier FROM sites WHERE name = ?").pluck().get(site) as string | undefined;
    if (tier === undefined) throw errors.siteNotFound(site);
    return { site, tier: isTier(tier) ? tier : "free", auditRetentionDays: retentionDays(this.db, site) };
  }

  /** Changing tier keeps every key and namespace; only the ceilings change (preview → GA lifts values to 1 MiB). */
  update(site: string, change: SiteChange): SiteInfo {
    if (change.tier !== undefined && !isTier(change.tier)) throw errors.usage(`There is no tier "${String(change.tier)}".`, `Tiers: ${TIER_NAMES.join(", ")}.`);
    if (change.auditRetentionDays !== undefined && !(change.auditRetentionDays >= 1 && change.auditRetentionDays <= 3650)) {
      throw errors.usage("Audit retention must be from 1 to 3650 days.");
    }
    this.db
      .transaction(() => {
        const current = this.info(site);
        if (change.tier) {
          this.db.prepare("UPDATE sites SET tier = ? WHERE name = ?").run(change.tier, site);
          // The next group of writes checks its ceilings against the new tier.
          this.usage.forgetCarried();
        }
        if (change.auditRetentionDays !== undefined) {
          const settings = JSON.parse((this.db.prepare("SELECT settings FROM sites WHERE name = ?").pluck().get(site) as string) || "{}") as Record<
            string,
            unknown
          >;
          settings.auditRetentionDays = change.auditRetentionDays;
          this.db.prepare("UPDATE sites SET settings = ? WHERE name = ?").run(JSON.stringify(settings), site);
        }
        return current;
      })
      .immediate();
    return this.info(site);
  }

  report(site: string): UsageReport {
    const info = this.info(site);
    const now = this.now();
    const period = periodOf(now);
    const use = this.usage.current(site);
    const meters = this.usage.meters(site, period);
    const since = this.usage.changedAt(site);
    // Storage over time so far this period, plus what is held now since the last change.
    const byteMs = meters.byteMs + (since === null ? 0 : use.bytes * Math.max(0, now - Math.max(since, Date.parse(`${period}-01T00:00:00Z`))));
    return {
      ...info,
      now: new Date(now).toISOString(),
      period,
      reads: meters.reads,
      writes: meters.writes,
      egressBytes: meters.egressBytes,
      storage: { keys: use.keys, bytes: use.bytes, gbHours: byteMs / 1e9 / HOUR_MS },
      ceilings: { keys: use.limits.keys, bytes: use.limits.bytes, maxValueBytes: use.limits.maxValueBytes },
    };
  }

  bindings(site: string, route?: string): Binding[] {
    const rows = this.db
      .prepare(
        `SELECT route, variable, namespace, access, created_at AS createdAt FROM bindings WHERE site = ? ${route === undefined ? "" : "AND route = ?"} ORDER BY route, variable`,
      )
      .all(...(route === undefined ? [site] : [site, route])) as Binding[];
    return rows;
  }

  bind(site: string, binding: Omit<Binding, "createdAt">): Binding {
    validateBindingNames(binding.route, binding.variable);
    const now = this.now();
    this.db
      .transaction(() => {
        const ns = this.db.prepare("SELECT 1 FROM namespaces WHERE site = ? AND name = ?").get(site, binding.namespace);
        if (!ns) throw errors.namespaceNotFound(binding.namespace);
        this.db
          .prepare(
            `INSERT INTO bindings (site, route, variable, namespace, access, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (site, route, variable) DO UPDATE SET namespace = excluded.namespace, access = excluded.access`,
          )
          .run(site, binding.route, binding.variable, binding.namespace, binding.access, now);
      })
      .immediate();
    return this.bindings(site, binding.route).find((b) => b.variable === binding.variable)!;
  }

  unbind(site: string, route: string, variable: string): boolean {
    return this.db.prepare("DELETE FROM bindings WHERE site = ? AND route = ? AND variable = ?").run(site, route, variable).changes > 0;
  }
}

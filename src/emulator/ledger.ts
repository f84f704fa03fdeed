import type { Database } from "./store.js";
import type { SiteUsage } from "./usage.js";

export type AuditAction = "read" | "list" | "write" | "delete";

export interface AuditRecord {
  site: string;
  t: number;
  actor: string;
  action: AuditAction;
  namespace: string;
  /** The key, or the prefix of a list. Never a value. */
  key: string | null;
  region: string;
  /** ok, not-found, denied, or an error code. */
  outcome: string;
}

export interface AuditQuery {
  key?: string;
  actor?: string;
  /** Only records from this far back, ms. */
  withinMs?: number;
  limit?: number;
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The audit log and the read meters. Reads must stay cheap, so their records are gathered here and
 * written in one small transaction by flush(): when a CLI command ends, or every few hundred
 * milliseconds in the server. Writes are metered by the engine, inside their own transactions.
 */
export class Ledger {
  private audit: AuditRecord[] = [];
  private reads = new Map<string, { reads: number; egress: number }>();
  /**
   * Records gathered before they are written out without waiting for flush(): a busy server then
   * writes small transactions often rather than one that stalls every request behind it.
   */
  flushAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly usage: SiteUsage,
    /** The time of the operation being recorded (already read by it). */
    private readonly opTime: () => number,
    /** The time now, having looked for another process's change to the clock. */
    private readonly now: () => number,
  ) {}

  /** A read or a list; `egressBytes` are value bytes served outside the home region. */
  read(record: Omit<AuditRecord, "t">, egressBytes: number): void {
    this.audit.push({ ...record, t: this.opTime() });
    const meter = this.reads.get(record.site) ?? { reads: 0, egress: 0 };
    meter.reads++;
    meter.egress += egressBytes;
    this.reads.set(record.site, meter);
    if (this.audit.length >= this.flushAt) this.flush();
  }

  write(record: Omit<AuditRecord, "t">): void {
    this.audit.push({ ...record, t: this.opTime() });
    if (this.audit.length >= this.flushAt) this.flush();
  }

  get pending(): number {
    return this.audit.length;
  }

  flush(): void {
    if (this.audit.length === 0 && this.reads.size === 0) return;
    const audit = this.audit;
    const reads = this.reads;
    this.audit = [];
    this.reads = new Map();
    const now = this.now();
    this.db.transaction(() => {
      const insert = this.db.prepare("INSERT INTO audit (site, t, actor, action, namespace, key, region, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      for (const a of audit) insert.run(a.site, a.t, a.actor, a.action, a.namespace, a.key, a.region, a.outcome);
      for (const [site, m] of reads) this.usage.meterReads(site, m.reads, m.egress, now);
      // Retention is enforced as the log grows: older records of each site touched are dropped.
      for (const site of new Set(audit.map((a) => a.site))) {
        this.db.prepare("DELETE FROM audit WHERE site = ? AND t < ?").run(site, now - retentionDays(this.db, site) * DAY_MS);
      }
    }).immediate();
  }

  query(site: string, q: AuditQuery): AuditRecord[] {
    this.flush();
    const now = this.now();
    const clauses = ["site = @site", "t >= @from"];
    if (q.key !== undefined) clauses.push("key = @key");
    if (q.actor !== undefined) clauses.push("actor = @actor");
    // Records past retention are never shown, even before the next prune removes them.
    const from = Math.max(q.withinMs === undefined ? 0 : now - q.withinMs, now - retentionDays(this.db, site) * DAY_MS);
    return this.db
      .prepare(`SELECT site, t, actor, action, namespace, key, region, outcome FROM audit WHERE ${clauses.join(" AND ")} ORDER BY t DESC, id DESC LIMIT @limit`)
      .all({ site, from, key: q.key, actor: q.actor, limit: q.limit ?? 1000 }) as AuditRecord[];
  }
}

export function retentionDays(db: Database, site: string): number {
  const settings = db.prepare("SELECT settings FROM sites WHERE name = ?").pluck().get(site) as string | undefined;
  const days = settings ? (JSON.parse(settings) as { auditRetentionDays?: number }).auditRetentionDays : undefined;
  return days ?? DEFAULT_AUDIT_RETENTION_DAYS;
}

import type { Statement } from "better-sqlite3";
import type { AuditQuery } from "../../core/backend.js";
import type { Database } from "../store/sqlite.js";
import type { SiteUsage } from "./usage.js";

/** `control`: the emulator's clock or faults changed through its API, recorded with namespace "" (the whole emulator). */
export type AuditAction = "read" | "list" | "write" | "delete" | "incr" | "control";

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
  /** How many operations the record stands for: identical reads gathered in one flush are one record. */
  count: number;
}

const DEFAULT_AUDIT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
const AUDIT_ROWS_PER_INSERT = 64;

/**
 * The audit log and the read meters. Reads must stay cheap, so their records are gathered here and
 * written in one small transaction by flush(): when a CLI command ends, or every few hundred
 * milliseconds in the server. Reads that are the same in all but their time (site, actor, key,
 * region, outcome) and fall in one flush with no write, delete or refusal between them are one
 * record with a count, timed at the first of them:
 * a hot key read by one function thousands of times a second costs a record per flush, not one per
 * read. Writes, deletes and refusals are a record each. Writes are metered by the engine, inside
 * their own transactions, except the API server's grouped writes: their meters come here once
 * their group has committed (meterWrites) and are written out with the reads'.
 */
export class Ledger {
  private audit: AuditRecord[] = [];
  /** This flush's read records, by everything but their time: a repeat adds to the count. */
  private readRecords = new Map<string, AuditRecord>();
  private reads = new Map<string, { reads: number; egress: number }>();
  /**
   * Records gathered before they are written out without waiting for flush(): a busy server then
   * writes small transactions often rather than one that stalls every request behind it.
   */
  flushAt = Number.POSITIVE_INFINITY;

  /** Runs inside each flush's transaction: the engine stores the latest time its reads used there. */
  alongFlush: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly usage: SiteUsage,
    /** The time of the operation being recorded (already read by it). */
    private readonly opTime: () => number,
    /** The time now, having looked for another process's change to the clock. */
    private readonly now: () => number,
  ) {}

  /** A read or a list; `egressBytes` are value bytes served outside the home region. */
  read(record: Omit<AuditRecord, "t" | "count">, egressBytes: number): void {
    const meter = this.reads.get(record.site);
    if (meter) {
      meter.reads++;
      meter.egress += egressBytes;
    } else this.reads.set(record.site, { reads: 1, egress: egressBytes });
    // The key comes last, as the only part that may hold a NUL: the text is then one read's alone.
    const same = `${record.site}\u0000${record.actor}\u0000${record.action}\u0000${record.namespace}\u0000${record.region}\u0000${record.outcome}\u0000${record.key === null ? "" : `k${record.key}`}`;
    const seen = this.readRecords.get(same);
    if (seen) {
      seen.count++;
      return;
    }
    const entry = recordOf(record, this.opTime());
    this.readRecords.set(same, entry);
    this.audit.push(entry);
    if (this.audit.length >= this.flushAt && !this.held) this.flush();
  }

  /** Meters of writes already committed (a server's group commit), written out with the next flush. */
  meterWrites(site: string, period: string, writes: number, byteMs: number): void {
    const id = `${site}\u0000${period}`;
    const m = this.writeMeters.get(id);
    if (m) {
      m.writes += writes;
      m.byteMs += byteMs;
    } else this.writeMeters.set(id, { site, period, writes, byteMs });
  }

  private writeMeters = new Map<string, { site: string; period: string; writes: number; byteMs: number }>();

  /** A write, a delete or an increment; `count`: how many keys one record stands for (a prefix's removal, a step at a time). */
  write(record: Omit<AuditRecord, "t" | "count">, count = 1): void {
    // Made once and counted in place: every operation is audited.
    const audited = recordOf(record, this.opTime());
    audited.count = count;
    this.audit.push(audited);
    // A read after this write is a new record: no record's reads span a write, so the log keeps its order.
    if (this.readRecords.size > 0) this.readRecords.clear();
    if (this.audit.length >= this.flushAt && !this.held) this.flush();
  }

  /**
   * Marks where the records stand before writes that share one transaction (a server's group
   * commit), and holds them until rewind() (the transaction failed: its records go) or keep().
   */
  mark(): number {
    this.held = true;
    return this.audit.length;
  }

  rewind(mark: number): void {
    this.audit.length = mark;
    this.readRecords.clear();
    this.held = false;
  }

  keep(): void {
    this.held = false;
    if (this.audit.length >= this.flushAt) this.flush();
  }

  private held = false;

  get pending(): number {
    return this.audit.length;
  }

  flush(): void {
    if (this.audit.length === 0 && this.reads.size === 0 && this.writeMeters.size === 0) return;
    const audit = this.audit;
    const reads = this.reads;
    const writeMeters = this.writeMeters;
    this.audit = [];
    this.reads = new Map();
    this.writeMeters = new Map();
    this.readRecords = new Map();
    const now = this.now();
    this.db
      .transaction(() => {
        // Many records to a statement: a statement's own cost is most of what a small insert costs.
        for (let at = 0; at < audit.length; at += AUDIT_ROWS_PER_INSERT) {
          const end = Math.min(at + AUDIT_ROWS_PER_INSERT, audit.length);
          const values: unknown[] = [];
          for (let i = at; i < end; i++) {
            const a = audit[i]!;
            values.push(a.site, a.t, a.actor, a.action, a.namespace, a.key, a.region, a.outcome, a.count);
          }
          // As arguments, not one array: better-sqlite3 reads an array's items one property lookup at a time.
          this.insertAudit(end - at).run(...values);
        }
        for (const [site, m] of reads) this.usage.meterReads(site, m.reads, m.egress, now);
        for (const m of writeMeters.values()) this.usage.meterWrites(m.site, m.period, m.writes, m.byteMs);
        // Retention is enforced as the log grows: older records of each site touched are dropped.
        for (const site of new Set(audit.map((a) => a.site))) {
          this.statement("DELETE FROM audit WHERE site = ? AND t < ?").run(site, now - retentionDays(this.db, site) * DAY_MS);
        }
        this.alongFlush?.();
      })
      .immediate();
  }

  private readonly inserts = new Map<number, Statement>();
  private readonly statements = new Map<string, Statement>();

  /** A statement prepared once: a busy server flushes many times a second. */
  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  private insertAudit(rows: number): Statement {
    let statement = this.inserts.get(rows);
    if (!statement) {
      statement = this.db.prepare(
        `INSERT INTO audit (site, t, actor, action, namespace, key, region, outcome, count) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      );
      this.inserts.set(rows, statement);
    }
    return statement;
  }

  query(site: string, q: AuditQuery): AuditRecord[] {
    this.flush();
    const now = this.now();
    const clauses = ["site = @site", "t >= @from"];
    if (q.key !== undefined) clauses.push("key = @key");
    if (q.actor !== undefined) clauses.push("actor = @actor");
    // Records past retention are never shown, even before the next prune removes them.
    const from = Math.max(q.since ?? 0, q.withinMs === undefined ? 0 : now - q.withinMs, now - retentionDays(this.db, site) * DAY_MS);
    return this.db
      .prepare(
        `SELECT site, t, actor, action, namespace, key, region, outcome, count FROM audit WHERE ${clauses.join(" AND ")} ORDER BY t DESC, id DESC LIMIT @limit`,
      )
      .all({ site, from, key: q.key, actor: q.actor, limit: q.limit ?? 1000 }) as AuditRecord[];
  }
}

/** A record of one operation, always built in the same shape. */
function recordOf(r: Omit<AuditRecord, "t" | "count">, t: number): AuditRecord {
  return { site: r.site, t, actor: r.actor, action: r.action, namespace: r.namespace, key: r.key, region: r.region, outcome: r.outcome, count: 1 };
}

const siteSettings = new WeakMap<Database, Statement>();

export function retentionDays(db: Database, site: string): number {
  let statement = siteSettings.get(db);
  if (!statement) siteSettings.set(db, (statement = db.prepare("SELECT settings FROM sites WHERE name = ?").pluck()));
  const settings = statement.get(site) as string | undefined;
  const days = settings ? (JSON.parse(settings) as { auditRetentionDays?: number }).auditRetentionDays : undefined;
  return days ?? DEFAULT_AUDIT_RETENTION_DAYS;
}

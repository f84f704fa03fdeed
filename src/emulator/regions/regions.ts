import type { Statement } from "better-sqlite3";
import type { Bug } from "../history/bugs.js";
import type { Settings } from "../settings.js";
import type { Epoch } from "../stored-settings.js";
import type { Row } from "../store/rows.js";
import { Statements, type Database } from "../store/sqlite.js";
import { delay, deliveryTime, staleness, type ModelParams } from "./model.js";

/**
 * When each version reaches each region, derived from stored state at a given instant (the model a
 * version was committed under, faults, settle marks): no process has to be running for replication
 * to "happen" (consistency model §1.11). Replicas, edge caches and compaction build on it.
 */
export class Regions {
  private readonly statements: Statements;

  constructor(
    db: Database,
    readonly settings: Settings,
    private readonly bugs: ReadonlySet<Bug>,
  ) {
    this.statements = new Statements(db);
  }

  get model(): ModelParams {
    return this.settings.model;
  }

  isHome(region: string): boolean {
    return region === this.model.home;
  }

  has(bug: Bug): boolean {
    return this.bugs.has(bug);
  }

  /**
   * When version `row` reaches edge `region`: at commit where it was written, else by propagation,
   * with the parameters it was committed under (a change of settings applies to later writes only,
   * so what a region has received stays received).
   */
  deliveredAt(row: Pick<Row, "version" | "commit_t" | "origin">, region: string): number {
    if (this.isHome(region)) return row.commit_t;
    if (row.origin === region && !this.bugs.has("no-local-apply")) return row.commit_t;
    const params = this.paramsFor(row.version);
    // Home when it was written: home had it at commit.
    if (params.home === region) return row.commit_t;
    let t: number;
    if (params.propagation === "none") t = Number.POSITIVE_INFINITY;
    else {
      const d = delay(params, row.version, params.edges.indexOf(region) + 1);
      const faults = this.settings.faults(region);
      if (this.bugs.has("partition-drops")) {
        const at = row.commit_t + d;
        t = faults.some((f) => f.start <= at && (f.end === null || at < f.end)) ? Number.POSITIVE_INFINITY : at;
      } else t = deliveryTime(row.commit_t + d, d, faults);
    }
    const settled = this.settings.settled(region);
    if (settled && row.version <= settled.seq) t = Math.min(t, settled.t);
    return t;
  }

  /**
   * True once every edge has the version. Without propagation no edge waits for it, and nothing older
   * is needed, unless older versions may still invalidate what an edge cached (a model that
   * invalidates came before): then they are kept, and this one never arrives.
   */
  deliveredEverywhere(row: Pick<Row, "version" | "commit_t" | "origin">, now: number): boolean {
    if (this.paramsFor(row.version).propagation === "none") return !this.invalidates();
    return this.model.edges.every((e) => this.deliveredAt(row, e) <= now);
  }

  partitioned(region: string): boolean {
    return this.settings.faults(region).some((f) => f.kind === "partition" && f.end === null);
  }

  /** The emulated time an edge evaluates expiry at. */
  expiryClock(region: string, now: number): number {
    return this.bugs.has("expiry-skew") && !this.isHome(region) ? now - 20 : now;
  }

  /**
   * The latest commit time whose versions have surely reached `region` by `now`: their longest delay
   * has passed, and it ended before any fault on the link began (a fault holds only messages due
   * after it begins). Versions committed by then need no call into deliveredAt().
   */
  surelyDelivered(region: string, now: number): number {
    if (this.bugs.has("partition-drops")) return Number.MIN_SAFE_INTEGER;
    let until = now;
    for (const f of this.settings.faults(region)) until = Math.min(until, f.start);
    const model = this.model;
    // The common case, settings never changed: one model.
    if (this.epochs().length === 0) return model.propagation === "none" ? Number.MIN_SAFE_INTEGER : until - (model.delayMs + model.jitterMs);
    // Every model whose versions may have been committed after `until` minus its own Δ.
    let sure = Number.MAX_SAFE_INTEGER;
    for (const params of this.inFlight(region, (p) => until - (p.delayMs + p.jitterMs))) {
      if (params.propagation === "none") return Number.MIN_SAFE_INTEGER;
      sure = Math.min(sure, until - (params.delayMs + params.jitterMs));
    }
    return sure;
  }

  /**
   * Nothing arrives by propagation sooner than the fixed part of its delay: versions committed after
   * `now` minus this have not arrived (unless written there, repaired or settled). The least fixed
   * delay of the models whose versions may have been committed that late.
   */
  leastDelay(region: string, now: number): number {
    const model = this.model;
    let least = model.propagation === "none" ? Number.MAX_SAFE_INTEGER : model.delayMs;
    if (this.epochs().length === 0) return least;
    // An earlier epoch counts when it may hold versions committed after now - least (its versions
    // were all committed by its end): one with a shorter delay lowers `least`, which may bring in no
    // other (the bar only rises), so one pass in order of delay suffices.
    const settledSeq = this.settings.settled(region)?.seq ?? 0;
    const earlier = this.epochs()
      .filter((e) => e.untilVersion > settledSeq && e.params.propagation !== "none")
      .sort((a, b) => a.params.delayMs - b.params.delayMs);
    for (const e of earlier) if (e.params.delayMs < least && e.endT > now - least) least = e.params.delayMs;
    return least;
  }

  /**
   * The current model, and each earlier epoch that `region` has not had settled and that may hold
   * versions committed after `since(its params)` (its versions were all committed by its end).
   */
  private inFlight(region: string, since: (params: ModelParams) => number): ModelParams[] {
    const out = [this.model];
    const settledSeq = this.settings.settled(region)?.seq ?? 0;
    for (const e of this.epochs()) if (e.untilVersion > settledSeq && e.endT > since(e.params)) out.push(e.params);
    return out;
  }

  /** The model version `version` was committed under. */
  private paramsFor(version: number): ModelParams {
    return this.bugs.has("recompute-past") ? this.model : this.settings.paramsFor(version);
  }

  private epochs(): readonly Epoch[] {
    return this.bugs.has("recompute-past") ? [] : this.settings.epochs;
  }

  /** Whether any version may invalidate a cached copy: some model, now or before, propagates invalidations. */
  invalidates(): boolean {
    return this.model.propagation === "invalidate" || this.epochs().some((e) => e.params.propagation === "invalidate");
  }

  /**
   * Versions that may not have reached every edge yet: superseded ones, and home's versions committed
   * after a horizon before which everything has arrived (Δ before now, or before the oldest fault that
   * still holds messages).
   */
  recentVersions(now: number): Row[] {
    const model = this.model;
    const bound = [model, ...this.epochs().map((e) => e.params)].reduce((b, p) => (Number.isFinite(staleness(p)) ? Math.max(b, staleness(p)) : b), 0);
    let horizon = now - bound;
    for (const edge of model.edges) {
      for (const f of this.settings.faults(edge)) if (f.end === null || f.end + bound > now) horizon = Math.min(horizon, f.start - bound);
    }
    // Newest first along the version index; commit times grow with versions, so stop at the horizon.
    const heads: Row[] = [];
    for (const row of this.stmt("SELECT version, commit_t, origin FROM entries ORDER BY version DESC").iterate() as IterableIterator<Row>) {
      if (row.commit_t < horizon) break;
      heads.push(row);
    }
    return [...(this.stmt("SELECT version, commit_t, origin FROM versions WHERE superseded_t IS NOT NULL").all() as Row[]), ...heads];
  }

  stmt(sql: string): Statement {
    return this.statements.get(sql);
  }
}

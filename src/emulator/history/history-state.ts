import { readCacheTtl, staleness, visibilityDeadline, type FaultInterval, type ModelParams } from "../regions/model.js";
import type { HistoryOp } from "./recorder.js";
import type { CommittedWrite } from "./violations.js";

/**
 * What the checker knows of a history after the operations it has gone through, in `seq` order: the
 * committed writes, the values of failed ones, the fault intervals, the settle marks and the model in
 * force. The rules ask it what a read at this point should have seen.
 */
export class HistoryState {
  /** The model in force: `initial`, until a recorded change of settings replaces it. */
  params: ModelParams;
  /** By namespace and key (see nsKey), in ascending version. */
  readonly writesByKey = new Map<string, CommittedWrite[]>();
  readonly byVersion = new Map<number, CommittedWrite>();
  readonly committedValues = new Map<string, CommittedWrite>();
  readonly failedValues = new Map<string, HistoryOp>();
  /** region|key → the highest ok write issued there. */
  readonly ownWrites = new Map<string, CommittedWrite>();
  /** region|key|path → the highest version read there, and the read that saw it. */
  readonly maxSeen = new Map<string, { version: number; op: HistoryOp }>();
  readonly faults = new Map<string, FaultInterval[]>();
  /** Per edge: every write before seq had arrived by t (a change of edge store, or a new edge, delivers everything). */
  private readonly settledMarks = new Map<string, { seq: number; t: number }>();
  /** By namespace and key: the last write "only if absent" that succeeded (condition-rules.ts). */
  readonly ifAbsentWinners = new Map<string, CommittedWrite>();
  /** Gets since the last committed write: the candidates for quiescence. */
  tail: HistoryOp[] = [];

  constructor(initial: ModelParams) {
    this.params = initial;
  }

  /** Keys are per namespace; \u0000 cannot occur in a namespace name. */
  nsKey(op: HistoryOp, key: string): string {
    return `${op.ns ?? ""}\u0000${key}`;
  }

  /** A read that goes to home: at home, strong, or (cache profiles) a miss fetched from home. */
  isHomeRead(op: HistoryOp): boolean {
    return op.region === this.params.home || op.consistency === "strong" || op.servedFrom === "home" || op.servedFrom === "origin";
  }

  /**
   * vis(w, R) of §1.7. Visible at once at home and where written (every profile applies locally);
   * elsewhere commit + Δ, pushed past R's partitions and pauses. The fault list is the one known at
   * the read: a fault that starts after the read cannot overlap a deadline that has already passed.
   */
  vis(w: CommittedWrite, region: string, bound: number): number {
    if (region === this.params.home || w.region === region || region === w.params.home) return w.t;
    const by = Number.isFinite(bound) ? visibilityDeadline(w.t, bound, this.faults.get(region) ?? []) : bound;
    const mark = this.settledMarks.get(region);
    return mark && w.op.seq < mark.seq ? Math.min(by, mark.t) : by;
  }

  /**
   * Δ for a write as seen by a read: the write's model's, with propagation; without (a cache that is
   * never told), the cache TTL the read's entry was stored with, which the history records.
   */
  boundOf(w: CommittedWrite, op: HistoryOp): number {
    if (w.params.propagation !== "none") return staleness(w.params);
    if (this.params.edgeStore !== "cache") return Number.POSITIVE_INFINITY; // only a settle mark makes it visible
    if (op.cacheTtlUsedMs !== undefined) return op.cacheTtlUsedMs ?? Number.POSITIVE_INFINITY;
    return readCacheTtl(this.params, op.cacheTtlMs);
  }

  /** Whether some fault is still open at the end of the history. */
  get faultOpen(): boolean {
    return [...this.faults.values()].some((list) => list.some((f) => f.end === null));
  }

  applyFault(op: HistoryOp): void {
    const f = op.fault;
    if (f?.kind === "config" && f.params) return this.applyConfig(op, { ...f.params, cacheTtlMs: f.params.cacheTtlMs ?? Number.POSITIVE_INFINITY });
    if (!f?.region || !["partition", "heal", "pause", "resume"].includes(f.kind)) return; // settle/advance only speed things up
    const kind = f.kind === "partition" || f.kind === "heal" ? "partition" : "pause";
    const opens = f.kind === "partition" || f.kind === "pause";
    // The history says which edges (a history from an emulator that took home for every edge lists them all).
    for (const region of f.regions ?? (f.region === this.params.home ? this.params.edges : [f.region])) {
      const list = this.faults.get(region) ?? [];
      this.faults.set(region, list);
      const open = list.find((x) => x.kind === kind && x.end === null);
      if (opens && !open) list.push({ region, kind, start: op.t, end: null });
      if (!opens && open) open.end = op.t;
    }
  }

  private applyConfig(op: HistoryOp, next: ModelParams): void {
    const { params } = this;
    const storeChanges = next.edgeStore !== params.edgeStore;
    for (const edge of next.edges) if (storeChanges || !params.edges.includes(edge)) this.settledMarks.set(edge, { seq: op.seq, t: op.t });
    // An edge that goes takes its open faults with it.
    for (const edge of params.edges) if (!next.edges.includes(edge)) for (const f of this.faults.get(edge) ?? []) f.end ??= op.t;
    this.params = next;
  }

  applyWrite(op: HistoryOp): void {
    if (op.type === "fail") {
      // A rejected write consumed no version; its value must never be read (G1a, aborted read).
      if (op.value !== null && op.value !== undefined) this.failedValues.set(op.value, op);
      return;
    }
    if (op.type !== "ok" || op.key === undefined || typeof op.version !== "number") return;
    const w: CommittedWrite = {
      op,
      key: op.key,
      version: op.version,
      value: op.f === "delete" ? null : (op.value ?? null),
      tombstone: op.f === "delete",
      expiresAt: op.expiresAt ?? null,
      t: op.t,
      region: op.region,
      params: this.params,
    };
    const k = this.nsKey(op, w.key);
    const list = this.writesByKey.get(k) ?? [];
    list.push(w);
    this.writesByKey.set(k, list);
    this.byVersion.set(w.version, w);
    if (op.expected === null) this.ifAbsentWinners.set(k, w);
    if (w.value !== null) this.committedValues.set(w.value, w);
    this.ownWrites.set(`${op.region}|${k}`, w); // versions only grow, so the last one is the highest
    this.tail = [];
  }
}

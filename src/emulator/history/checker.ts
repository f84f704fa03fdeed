/**
 * The history checker of consistency model §2.2: one pass over a recorded history in `seq` order,
 * reporting every violation of the guarantees G1–G7 with a minimal witness (the read, the write it
 * should have seen, the fault intervals), in the style of Elle's explanations.
 *
 * Why one pass suffices: operations are instantaneous and linearize in `seq` order, every write
 * carries the version home gave it, and tests write unique values. So "what should this read have
 * seen" is a function of the writes and faults recorded before it, and linearizability reduces to
 * "equals the latest committed version" without a Knossos-style search.
 *
 * Pure: no clock, no randomness, no I/O; the same history always gives the same report.
 */
import type { HistoryOp } from "./recorder.js";
import { readCacheTtl, staleness, visibilityDeadline, type FaultInterval, type ModelParams } from "../regions/model.js";
import type { CommittedWrite, Observation, Rule, Violation, Witness } from "./violations.js";

/**
 * `initial`: the model in force when the history begins. A recorded change of settings (a control of
 * kind "config") replaces it for the writes after it; each write keeps the model it was committed
 * under, as the emulator does.
 */
export function check(history: readonly HistoryOp[], initial: ModelParams): Violation[] {
  let params = initial;
  const ops = [...history].sort((a, b) => a.seq - b.seq);
  const t0 = ops[0]?.t ?? 0;
  const out: Violation[] = [];

  const writesByKey = new Map<string, CommittedWrite[]>(); // ascending version
  const byVersion = new Map<number, CommittedWrite>();
  const committedValues = new Map<string, CommittedWrite>();
  const failedValues = new Map<string, HistoryOp>();
  const ownWrites = new Map<string, CommittedWrite>(); // region|key → highest ok write issued there
  const maxSeen = new Map<string, { version: number; op: HistoryOp }>(); // region|key|path
  const faults = new Map<string, FaultInterval[]>();
  // Per edge: every write before seq had arrived by t (a change of edge store, or a new edge, delivers everything).
  const settledMarks = new Map<string, { seq: number; t: number }>();
  let tail: HistoryOp[] = []; // gets since the last committed write: the candidates for quiescence

  // Keys are per namespace; \u0000 cannot occur in a namespace name.
  const nsKey = (op: HistoryOp, key: string) => `${op.ns ?? ""}\u0000${key}`;
  const rel = (t: number) => `t+${t - t0}ms`;
  const q = (s: string | null | undefined) => (s === null || s === undefined ? "null" : JSON.stringify(s));
  const showOp = (op: HistoryOp) => `${op.f}(${op.region}, ${q(op.key)}${op.consistency ? `, ${op.consistency}` : ""}) #${op.seq} at ${rel(op.t)}`;
  const showWrite = (w: CommittedWrite) =>
    `${w.tombstone ? "delete" : `put ${q(w.value)}${w.expiresAt !== null ? ` (expires ${rel(w.expiresAt)})` : ""}`} of ${q(w.key)} = version ${w.version}, in ${w.region} at ${rel(w.t)} (#${w.op.seq})`;
  const showObs = (o: Observation) => `version ${o.version ?? "none"} value ${q(o.value)}`;
  const showFaults = (fs: FaultInterval[]) =>
    fs.length ? fs.map((f) => `${f.kind} [${rel(f.start)}, ${f.end === null ? "open" : rel(f.end)})`).join(", ") : "none";

  const report = (rule: Rule, op: HistoryOp, witness: Witness & { observed: Observation }, why: string) => {
    out.push({ rule, op, witness, message: `${rule}: ${showOp(op)} returned ${q(witness.observed.key)} at ${showObs(witness.observed)}; ${why}` });
  };

  /** A read that goes to home: at home, strong, or (cache profiles) a miss fetched from home. */
  const isHomeRead = (op: HistoryOp) => op.region === params.home || op.consistency === "strong" || op.servedFrom === "home" || op.servedFrom === "origin";

  /**
   * vis(w, R) of §1.7. Visible at once at home and where written (every profile applies locally);
   * elsewhere commit + Δ, pushed past R's partitions and pauses. The fault list is the one known at
   * the read: a fault that starts after the read cannot overlap a deadline that has already passed.
   */
  const vis = (w: CommittedWrite, region: string, bound: number) => {
    if (region === params.home || w.region === region || region === w.params.home) return w.t;
    const by = Number.isFinite(bound) ? visibilityDeadline(w.t, bound, faults.get(region) ?? []) : bound;
    const mark = settledMarks.get(region);
    return mark && w.op.seq < mark.seq ? Math.min(by, mark.t) : by;
  };
  /**
   * Δ for a write as seen by a read: the write's model's, with propagation; without (a cache that is
   * never told), the cache TTL the read's entry was stored with, which the history records.
   */
  const boundOf = (w: CommittedWrite, op: HistoryOp) => {
    if (w.params.propagation !== "none") return staleness(w.params);
    if (params.edgeStore !== "cache") return Number.POSITIVE_INFINITY; // only a settle mark makes it visible
    if (op.cacheTtlUsedMs !== undefined) return op.cacheTtlUsedMs ?? Number.POSITIVE_INFINITY;
    return readCacheTtl(params, op.cacheTtlMs);
  };

  const applyConfig = (op: HistoryOp, next: ModelParams) => {
    const storeChanges = next.edgeStore !== params.edgeStore;
    for (const edge of next.edges) if (storeChanges || !params.edges.includes(edge)) settledMarks.set(edge, { seq: op.seq, t: op.t });
    // An edge that goes takes its open faults with it.
    for (const edge of params.edges) if (!next.edges.includes(edge)) for (const f of faults.get(edge) ?? []) f.end ??= op.t;
    params = next;
  };

  const applyFault = (op: HistoryOp) => {
    const f = op.fault;
    if (f?.kind === "config" && f.params) return applyConfig(op, { ...f.params, cacheTtlMs: f.params.cacheTtlMs ?? Number.POSITIVE_INFINITY });
    if (!f || !f.region || !["partition", "heal", "pause", "resume"].includes(f.kind)) return; // settle/advance only speed things up
    const kind = f.kind === "partition" || f.kind === "heal" ? "partition" : "pause";
    const opens = f.kind === "partition" || f.kind === "pause";
    // partition(home) cuts every edge, as the controls do; the history says which.
    for (const region of f.regions ?? (f.region === params.home ? params.edges : [f.region])) {
      const list = faults.get(region) ?? [];
      faults.set(region, list);
      const open = list.find((x) => x.kind === kind && x.end === null);
      if (opens && !open) list.push({ region, kind, start: op.t, end: null });
      if (!opens && open) open.end = op.t;
    }
  };

  const applyWrite = (op: HistoryOp) => {
    if (op.type === "fail") {
      // A rejected write consumed no version; its value must never be read (G1a, aborted read).
      if (op.value !== null && op.value !== undefined) failedValues.set(op.value, op);
      return;
    }
    if (op.type !== "ok" || op.key === undefined || typeof op.version !== "number") return;
    const w: CommittedWrite = {
      op,
      key: op.key,
      version: op.version,
      value: op.f === "put" ? (op.value ?? null) : null,
      tombstone: op.f === "delete",
      expiresAt: op.expiresAt ?? null,
      t: op.t,
      region: op.region,
      params,
    };
    const k = nsKey(op, w.key);
    const list = writesByKey.get(k) ?? [];
    list.push(w);
    writesByKey.set(k, list);
    byVersion.set(w.version, w);
    if (w.value !== null) committedValues.set(w.value, w);
    ownWrites.set(`${op.region}|${k}`, w); // versions only grow, so the last one is the highest
    tail = [];
  };

  /** Every check that applies to one observed (key, version, value); stops at the first failure per family. */
  const checkObservation = (op: HistoryOp, o: Observation, listed: boolean) => {
    const k = nsKey(op, o.key);
    const home = isHomeRead(op);

    // G1: values come from committed writes, and version, value and liveness agree at read time.
    const w = o.version === null ? undefined : byVersion.get(o.version);
    const failed = o.value === null ? undefined : failedValues.get(o.value);
    if (failed) report("aborted-read", op, { observed: o, write: failed }, `that value was written by ${showOp(failed)}, which failed and committed nothing`);
    else if (o.value !== null && !committedValues.has(o.value)) report("phantom-value", op, { observed: o }, "no committed write (so far) wrote that value");
    else if (o.version !== null && (!w || w.key !== o.key))
      report("value-version-mismatch", op, { observed: o }, `no committed write of ${q(o.key)} has that version`);
    else if (o.version === null && o.value !== null) report("value-version-mismatch", op, { observed: o }, "a value was returned without a version");
    else if (w && o.value !== null && (w.tombstone || w.value !== o.value))
      report("value-version-mismatch", op, { observed: o, write: w }, `that version is ${showWrite(w)}`);
    else if (w && o.expiresAt !== w.expiresAt)
      report("value-version-mismatch", op, { observed: o, write: w }, `reported expiry ${o.expiresAt ?? "none"} but that version is ${showWrite(w)}`);
    else if (w) {
      // Expiry is evaluated against the one emulated clock, so every region agrees on it (§1.4).
      const expired = w.expiresAt !== null && w.expiresAt <= op.t;
      if (listed && (w.tombstone || expired))
        report("listed-dead-key", op, { observed: o, write: w }, `the key was ${w.tombstone ? "deleted" : "expired"} at that version: ${showWrite(w)}`);
      else if (!listed && o.value === null && !w.tombstone && !expired)
        report("null-but-live", op, { observed: o, write: w }, `that version is live at ${rel(op.t)}: ${showWrite(w)}`);
      else if (!listed && o.value !== null && expired)
        report("read-expired-value", op, { observed: o, write: w }, `that version expired at ${rel(w.expiresAt!)}, at or before the read`);
    }

    const seen = o.version ?? 0; // no record at all orders before every version
    // G3 read-your-writes: the region is the session, so it sees every write acknowledged there.
    const own = ownWrites.get(`${op.region}|${k}`);
    if (own && seen < own.version) report("read-your-writes", op, { observed: o, write: own }, `${op.region} had acknowledged ${showWrite(own)}`);

    // G4 monotonic reads per (region, key, path). Replica mode: get and list share one source. Cache
    // mode: list pages are cached apart from keys, so eventual lists form their own path; strong reads
    // and strong lists read-repair key entries, so they belong to the get path.
    const path = params.edgeStore === "cache" && op.f === "list" && !home ? "list" : "read";
    const mk = `${op.region}|${k}|${path}`;
    const prev = maxSeen.get(mk);
    if (prev && seen < prev.version)
      report(
        "monotonic-reads",
        op,
        { observed: o, earlier: prev.op, expectedVersion: prev.version },
        `${showOp(prev.op)} had already seen version ${prev.version} there`,
      );
    if (!prev || seen > prev.version) maxSeen.set(mk, { version: seen, op });

    const writes = writesByKey.get(k) ?? [];
    if (home) {
      // G7: a read served by home is linearizable, so it returns exactly the latest committed version.
      const latest = writes[writes.length - 1];
      const expected = latest?.version ?? null;
      if (o.version !== expected)
        report(
          "stale-strong-read",
          op,
          { observed: o, write: latest, expectedVersion: expected },
          `home's latest at that point is ${latest ? showWrite(latest) : "no version at all"}`,
        );
    } else if (!listed) {
      // G5: an eventual get at t sees every write whose fault-adjusted deadline vis(w, R) ≤ t.
      // The highest such version is enough; a stale read misses it (and maybe older ones too).
      for (let i = writes.length - 1; i >= 0; i--) {
        const cand = writes[i]!;
        if (cand.version <= seen) break;
        const bound = boundOf(cand, op);
        const by = vis(cand, op.region, bound);
        if (by > op.t) continue;
        const fs = (faults.get(op.region) ?? []).filter((f) => f.start <= op.t && (f.end === null || f.end >= cand.t)).map((f) => ({ ...f }));
        report(
          "stale-beyond-bound",
          op,
          { observed: o, write: cand, visibleBy: by, deltaMs: bound, faults: fs },
          `it should have seen ${showWrite(cand)}, visible in ${op.region} by ${rel(by)} (Δ=${bound}ms; faults of ${op.region}: ${showFaults(fs)})`,
        );
        break;
      }
    }
  };

  /**
   * A page read from home lists every key live there in its range: after the key it starts after,
   * up to its last key, or to the end of the prefix when it says it is the last. (Pages from an
   * edge's copy or cache may lag; their items are judged one by one above.)
   */
  const checkPageComplete = (op: HistoryOp) => {
    if (op.complete === undefined || op.key === undefined) return;
    const items = op.items ?? [];
    const from = op.after ?? null;
    const to = op.complete ? null : (items[items.length - 1]?.key ?? null);
    if (!op.complete && to === null) return; // an empty page that is not the last: nothing to bound it
    const listed = new Set(items.map((i) => i.key));
    const bytes = (k: string) => Buffer.from(k, "utf8");
    for (const writes of writesByKey.values()) {
      const w = writes[writes.length - 1]!;
      if ((w.op.ns ?? "") !== (op.ns ?? "") || !w.key.startsWith(op.key) || listed.has(w.key)) continue;
      if (from !== null && Buffer.compare(bytes(w.key), bytes(from)) <= 0) continue;
      if (to !== null && Buffer.compare(bytes(w.key), bytes(to)) > 0) continue;
      if (w.tombstone || (w.expiresAt !== null && w.expiresAt <= op.t)) continue;
      out.push({
        rule: "list-missed-key",
        op,
        witness: { observed: { key: w.key, version: null, value: null, expiresAt: null }, write: w },
        message: `list-missed-key: ${showOp(op)} left out ${q(w.key)}, live at home: ${showWrite(w)}; the page ${op.complete ? "said it was the last" : `ran to ${q(to)}`}`,
      });
    }
  };

  let latest: HistoryOp | undefined; // the operation with the latest time so far
  for (const op of ops) {
    // Operations are instantaneous and seq is their real-time order: emulated time never goes back.
    if (latest && op.t < latest.t) {
      out.push({
        rule: "time-went-back",
        op,
        witness: { earlier: latest },
        message: `time-went-back: ${showOp(op)} is at ${rel(op.t)}, before ${showOp(latest)}, which came first`,
      });
    }
    if (!latest || op.t > latest.t) latest = op;
    if (op.f === "fault") {
      applyFault(op);
      if (op.fault?.kind !== "advance" && op.fault?.kind !== "settle") tail = []; // a read during a fault is not quiescent
    } else if (op.f === "put" || op.f === "delete") applyWrite(op);
    else if (op.type === "ok" && op.f === "get" && op.key !== undefined) {
      checkObservation(op, { key: op.key, version: op.version ?? null, value: op.value ?? null, expiresAt: op.expiresAt ?? null }, false);
      tail.push(op);
    } else if (op.type === "ok" && op.f === "list") {
      for (const item of op.items ?? []) checkObservation(op, { key: item.key, version: item.version, value: item.value, expiresAt: item.expiresAt }, true);
      if (isHomeRead(op)) checkPageComplete(op);
    }
  }

  // G6/G2 quiescence: once every fault has healed and every write's deadline has passed in every edge
  // with no write since, each region must equal home, and home must hold the highest committed version.
  // A correct checker already implies this through G1+G5+G7; stated on its own it is a cross-check
  // that needs no per-read reasoning, and it names the failure the way a person would.
  const openFault = [...faults.values()].some((list) => list.some((f) => f.end === null));
  if (!openFault) {
    // When every write has reached every edge, for a read (Δ may depend on the cache TTL it used).
    const quietFor = new Map<string, number>();
    const quiet = (op: HistoryOp) => {
      const id = `${op.cacheTtlUsedMs}|${op.cacheTtlMs}|${isHomeRead(op)}`;
      let from = quietFor.get(id);
      if (from === undefined) {
        from = Number.NEGATIVE_INFINITY;
        for (const w of byVersion.values())
          for (const e of params.edges) from = Math.max(from, vis(w, e, isHomeRead(op) ? staleness(w.params) : boundOf(w, op)));
        quietFor.set(id, from);
      }
      return from;
    };
    for (const op of tail) {
      const quietFrom = quiet(op);
      if (op.t < quietFrom) continue;
      const writes = writesByKey.get(nsKey(op, op.key!)) ?? [];
      const latest = writes[writes.length - 1];
      const expected = latest?.version ?? null;
      if ((op.version ?? null) === expected) continue;
      const observed: Observation = { key: op.key!, version: op.version ?? null, value: op.value ?? null, expiresAt: op.expiresAt ?? null };
      const why = `after quiescence (all faults healed, every deadline passed by ${rel(quietFrom)}, no write since) every region must hold ${latest ? showWrite(latest) : "no version"}`;
      report(isHomeRead(op) ? "lost-write" : "no-convergence", op, { observed, write: latest, expectedVersion: expected }, why);
    }
  }
  return out;
}

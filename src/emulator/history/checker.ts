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
 * The pass keeps what it has seen in a HistoryState; each family of rules is in a file of its own:
 * values (value-rules.ts), recency (recency-rules.ts), complete pages and quiescence
 * (completeness-rules.ts), conditions and counters (condition-rules.ts). Pure: no clock, no randomness, no I/O; the same history always gives the
 * same report.
 */
import type { ModelParams } from "../regions/model.js";
import { checkPageComplete, checkQuiescence } from "./completeness-rules.js";
import { checkCondition } from "./condition-rules.js";
import { Findings } from "./findings.js";
import { HistoryState } from "./history-state.js";
import type { HistoryOp } from "./recorder.js";
import { checkRecency } from "./recency-rules.js";
import { checkValue } from "./value-rules.js";
import type { Observation, Violation } from "./violations.js";

/**
 * `initial`: the model in force when the history begins. A recorded change of settings (a control of
 * kind "config") replaces it for the writes after it; each write keeps the model it was committed
 * under, as the emulator does.
 */
export function check(history: readonly HistoryOp[], initial: ModelParams): Violation[] {
  const ops = [...history].sort((a, b) => a.seq - b.seq);
  const state = new HistoryState(initial);
  const findings = new Findings(ops[0]?.t ?? 0);

  /** Every check that applies to one observed (key, version, value); each family reports its first failure. */
  const checkObservation = (op: HistoryOp, o: Observation, listed: boolean) => {
    checkValue(state, findings, op, o, listed);
    checkRecency(state, findings, op, o, listed);
  };

  let latest: HistoryOp | undefined; // the operation with the latest time so far
  for (const op of ops) {
    // Operations are instantaneous and seq is their real-time order: emulated time never goes back.
    if (latest && op.t < latest.t) {
      findings.add({
        rule: "time-went-back",
        op,
        witness: { earlier: latest },
        message: `time-went-back: ${findings.op(op)} is at ${findings.rel(op.t)}, before ${findings.op(latest)}, which came first`,
      });
    }
    if (!latest || op.t > latest.t) latest = op;
    if (op.f === "fault") {
      state.applyFault(op);
      if (op.fault?.kind !== "advance" && op.fault?.kind !== "settle") state.tail = []; // a read during a fault is not quiescent
    } else if (op.f === "put" || op.f === "delete" || op.f === "incr") {
      checkCondition(state, findings, op);
      state.applyWrite(op);
    } else if (op.type === "ok" && op.f === "get" && op.key !== undefined) {
      const observed = observedBy(state, op, op.key);
      checkObservation(op, observed, false);
      // Quiescence compares the version a read saw, a reclaimed row's included.
      state.tail.push(observed.version === (op.version ?? null) ? op : { ...op, version: observed.version });
    } else if (op.type === "ok" && op.f === "list") {
      for (const item of op.items ?? []) checkObservation(op, { key: item.key, version: item.version, value: item.value, expiresAt: item.expiresAt }, true);
      if (state.isHomeRead(op)) checkPageComplete(state, findings, op);
    }
  }

  checkQuiescence(state, findings);
  return findings.violations;
}

/**
 * What a get saw. A read of a key whose row home has reclaimed (src/emulator/kv/reclaim.ts) names no
 * version: the row was dead (deleted, or expired by then) and had reached every edge. Such a read saw
 * that dead write, as a read of the row would have, so it is checked as having seen it, but only
 * where the write was visible by then: an absent key where an older live version was still due is
 * still a violation.
 */
function observedBy(state: HistoryState, op: HistoryOp, key: string): Observation {
  const observed = { key, version: op.version ?? null, value: op.value ?? null, expiresAt: op.expiresAt ?? null };
  if (observed.version !== null || observed.value !== null) return observed;
  const writes = state.writesByKey.get(state.nsKey(op, key));
  const newest = writes?.[writes.length - 1];
  if (newest === undefined) return observed;
  const dead = newest.tombstone || (newest.expiresAt !== null && newest.expiresAt <= op.t);
  const region = state.isHomeRead(op) ? state.params.home : op.region;
  if (!dead || state.vis(newest, region, state.boundOf(newest, op)) > op.t) return observed;
  return { ...observed, version: newest.version, expiresAt: newest.expiresAt };
}

import { staleness } from "../regions/model.js";
import type { Findings } from "./findings.js";
import { quote } from "./findings.js";
import type { HistoryState } from "./history-state.js";
import type { HistoryOp } from "./recorder.js";
import type { Observation } from "./violations.js";

/**
 * A page read from home lists every key live there in its range: after the key it starts after,
 * up to its last key, or to the end of the prefix when it says it is the last. (Pages from an
 * edge's copy or cache may lag; their items are judged one by one, by the value and recency rules.)
 */
export function checkPageComplete(state: HistoryState, findings: Findings, op: HistoryOp): void {
  if (op.complete === undefined || op.key === undefined) return;
  const items = op.items ?? [];
  const from = op.after ?? null;
  const to = op.complete ? null : (items[items.length - 1]?.key ?? null);
  if (!op.complete && to === null) return; // an empty page that is not the last: nothing to bound it
  const listed = new Set(items.map((i) => i.key));
  const bytes = (k: string) => Buffer.from(k, "utf8");
  for (const writes of state.writesByKey.values()) {
    const w = writes[writes.length - 1]!;
    if ((w.op.ns ?? "") !== (op.ns ?? "") || !w.key.startsWith(op.key) || listed.has(w.key)) continue;
    if (from !== null && Buffer.compare(bytes(w.key), bytes(from)) <= 0) continue;
    if (to !== null && Buffer.compare(bytes(w.key), bytes(to)) > 0) continue;
    if (w.tombstone || (w.expiresAt !== null && w.expiresAt <= op.t)) continue;
    findings.add({
      rule: "list-missed-key",
      op,
      witness: { observed: { key: w.key, version: null, value: null, expiresAt: null }, write: w },
      message: `list-missed-key: ${findings.op(op)} left out ${quote(w.key)}, live at home: ${findings.write(w)}; the page ${op.complete ? "said it was the last" : `ran to ${quote(to)}`}`,
    });
  }
}

/**
 * G6/G2 quiescence, at the end of a history: once every fault has healed and every write's deadline
 * has passed in every edge with no write since, each region must equal home, and home must hold the
 * highest committed version. A correct checker already implies this through G1+G5+G7; stated on its
 * own it is a cross-check that needs no per-read reasoning, and it names the failure the way a person
 * would.
 */
export function checkQuiescence(state: HistoryState, findings: Findings): void {
  if (state.faultOpen) return;
  // When every write has reached every edge, for a read (Δ may depend on the cache TTL it used).
  const quietFor = new Map<string, number>();
  const quiet = (op: HistoryOp) => {
    const id = `${op.cacheTtlUsedMs}|${op.cacheTtlMs}|${state.isHomeRead(op)}`;
    let from = quietFor.get(id);
    if (from === undefined) {
      from = Number.NEGATIVE_INFINITY;
      for (const w of state.byVersion.values())
        for (const e of state.params.edges) from = Math.max(from, state.vis(w, e, state.isHomeRead(op) ? staleness(w.params) : state.boundOf(w, op)));
      quietFor.set(id, from);
    }
    return from;
  };
  for (const op of state.tail) {
    const quietFrom = quiet(op);
    if (op.t < quietFrom) continue;
    const writes = state.writesByKey.get(state.nsKey(op, op.key!)) ?? [];
    const latest = writes[writes.length - 1];
    const expected = latest?.version ?? null;
    if ((op.version ?? null) === expected) continue;
    const observed: Observation = { key: op.key!, version: op.version ?? null, value: op.value ?? null, expiresAt: op.expiresAt ?? null };
    const why = `after quiescence (all faults healed, every deadline passed by ${findings.rel(quietFrom)}, no write since) every region must hold ${latest ? findings.write(latest) : "no version"}`;
    findings.report(state.isHomeRead(op) ? "lost-write" : "no-convergence", op, { observed, write: latest, expectedVersion: expected }, why);
  }
}

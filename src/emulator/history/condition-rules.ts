import { addChecked, parseCounter } from "../../core/int64.js";
import type { Findings } from "./findings.js";
import { quote } from "./findings.js";
import type { HistoryState } from "./history-state.js";
import type { HistoryOp } from "./recorder.js";
import type { CommittedWrite, Rule } from "./violations.js";

/**
 * Conditions and counters are decided at home, in the order of the history: so what each should
 * have found is home's latest committed write of its key at its point in `seq` order (live, or not:
 * deleted or expired by the operation's time). Judged before the operation itself is applied.
 *
 * - A conditional write that succeeded expected exactly home's live version (null: none), and one
 *   that failed its condition did not (`condition-wrongly-met`, `condition-wrongly-failed`).
 * - An increment's result is home's counter (0 when there is no live value) plus what it added, and
 *   it is refused exactly when that value is not a counter or the sum overflows (`incr-sequence`):
 *   so the results per key form the sequence of the committed increments.
 * - Two writes "only if absent" of one key both succeed only with a delete or an expiry between
 *   them (`if-absent-twice`).
 */
export function checkCondition(state: HistoryState, findings: Findings, op: HistoryOp): void {
  if (op.key === undefined || (op.type !== "ok" && op.type !== "fail")) return;
  const k = state.nsKey(op, op.key);
  const latest = state.writesByKey.get(k)?.at(-1);
  const home = latest && isLiveAt(latest, op.t) ? latest : undefined;
  const homeVersion = home?.version ?? null;
  if (op.f === "incr") return checkIncrement(findings, op, home);
  if (op.expected === undefined) return;
  const refused = op.type === "fail" && op.error === "CONDITION_FAILED";
  if (op.type === "ok" && (op.expected !== homeVersion || (op.current !== undefined && op.current !== homeVersion)))
    report(findings, "condition-wrongly-met", op, latest, `it expected ${version(op.expected)}, but home's live version was ${version(homeVersion)}`);
  else if (refused && op.expected === homeVersion)
    report(findings, "condition-wrongly-failed", op, latest, `it expected ${version(op.expected)}, which was home's live version`);
  if (op.type === "ok" && op.expected === null) checkIfAbsentTwice(state, findings, op, k);
}

function checkIncrement(findings: Findings, op: HistoryOp, home: CommittedWrite | undefined): void {
  if (op.by === undefined) return;
  const base = home === undefined ? 0n : home.value === null ? undefined : parseCounter(home.value);
  const sum = base === undefined ? undefined : addChecked(base, BigInt(op.by));
  const held = home === undefined ? "no live value (a counter of 0)" : `${quote(home.value)} (${findings.write(home)})`;
  if (op.type === "ok") {
    if (sum === undefined || op.value !== String(sum))
      report(findings, "incr-sequence", op, home, `it added ${op.by} and answered ${quote(op.value)}, but home held ${held}`);
  } else if (op.error === "NOT_A_COUNTER" && base !== undefined) {
    report(findings, "incr-sequence", op, home, `it was refused as not a counter, but home held ${held}`);
  } else if (op.error === "COUNTER_OVERFLOW" && (base === undefined || sum !== undefined)) {
    report(findings, "incr-sequence", op, home, `it was refused as overflowing, but home held ${held}, to which ${op.by} adds within range`);
  }
}

/** Between two successful writes "only if absent" of a key, something made it absent: a delete, or an expiry. */
function checkIfAbsentTwice(state: HistoryState, findings: Findings, op: HistoryOp, k: string): void {
  const previous = state.ifAbsentWinners.get(k);
  if (previous !== undefined) {
    const since = (state.writesByKey.get(k) ?? []).filter((w) => w.version >= previous.version);
    const absentBetween = since.some((w, i) => w.tombstone || (w.expiresAt !== null && w.expiresAt <= (since[i + 1]?.t ?? op.t)));
    if (!absentBetween)
      report(
        findings,
        "if-absent-twice",
        op,
        previous,
        `${findings.write(previous)} also succeeded only if absent, and nothing deleted the key or let it expire since`,
      );
  }
}

function isLiveAt(w: CommittedWrite, t: number): boolean {
  return !w.tombstone && (w.expiresAt === null || w.expiresAt > t);
}

const version = (v: number | null | undefined): string => (v === null || v === undefined ? "none" : String(v));

function report(findings: Findings, rule: Rule, op: HistoryOp, write: CommittedWrite | undefined, why: string): void {
  const what = `${op.f}${op.expected !== undefined ? ` if ${op.expected === null ? "absent" : `version ${op.expected}`}` : ""}`;
  findings.add({
    rule,
    op,
    witness: { ...(write && { write }), expectedVersion: op.expected ?? null },
    message: `${rule}: ${what} ${findings.op(op)} ${op.type === "ok" ? "succeeded" : `failed (${op.error})`}; ${why}`,
  });
}

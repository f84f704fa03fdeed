import type { Findings } from "./findings.js";
import { quote } from "./findings.js";
import type { HistoryState } from "./history-state.js";
import type { HistoryOp } from "./recorder.js";
import type { Observation } from "./violations.js";

/**
 * G1: values come from committed writes, and version, value and liveness agree at read time. Reports
 * the first of these that an observed (key, version, value) breaks; `listed`: it is an item of a list
 * page, which must hold live keys only.
 */
export function checkValue(state: HistoryState, findings: Findings, op: HistoryOp, o: Observation, listed: boolean): void {
  const w = o.version === null ? undefined : state.byVersion.get(o.version);
  const failed = o.value === null ? undefined : state.failedValues.get(o.value);
  if (failed)
    findings.report("aborted-read", op, { observed: o, write: failed }, `that value was written by ${findings.op(failed)}, which failed and committed nothing`);
  else if (o.value !== null && !state.committedValues.has(o.value))
    findings.report("phantom-value", op, { observed: o }, "no committed write (so far) wrote that value");
  else if (o.version !== null && (!w || w.key !== o.key))
    findings.report("value-version-mismatch", op, { observed: o }, `no committed write of ${quote(o.key)} has that version`);
  else if (o.version === null && o.value !== null) findings.report("value-version-mismatch", op, { observed: o }, "a value was returned without a version");
  else if (w && o.value !== null && (w.tombstone || w.value !== o.value))
    findings.report("value-version-mismatch", op, { observed: o, write: w }, `that version is ${findings.write(w)}`);
  else if (w && o.expiresAt !== w.expiresAt)
    findings.report(
      "value-version-mismatch",
      op,
      { observed: o, write: w },
      `reported expiry ${o.expiresAt ?? "none"} but that version is ${findings.write(w)}`,
    );
  else if (w) {
    // Expiry is evaluated against the one emulated clock, so every region agrees on it (§1.4).
    const expired = w.expiresAt !== null && w.expiresAt <= op.t;
    if (listed && (w.tombstone || expired))
      findings.report(
        "listed-dead-key",
        op,
        { observed: o, write: w },
        `the key was ${w.tombstone ? "deleted" : "expired"} at that version: ${findings.write(w)}`,
      );
    else if (!listed && o.value === null && !w.tombstone && !expired)
      findings.report("null-but-live", op, { observed: o, write: w }, `that version is live at ${findings.rel(op.t)}: ${findings.write(w)}`);
    else if (!listed && o.value !== null && expired)
      findings.report("read-expired-value", op, { observed: o, write: w }, `that version expired at ${findings.rel(w.expiresAt!)}, at or before the read`);
  }
}

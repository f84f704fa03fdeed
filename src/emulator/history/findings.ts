import type { FaultInterval } from "../regions/model.js";
import type { HistoryOp } from "./recorder.js";
import type { CommittedWrite, Observation, Rule, Violation, Witness } from "./violations.js";

/** A value as a message shows it: JSON text, or null. */
export const quote = (s: string | null | undefined): string => (s === null || s === undefined ? "null" : JSON.stringify(s));

/**
 * The violations the checker has found so far, and how its messages show operations, writes and
 * faults: times relative to the history's first operation (`t0`), so a message reads the same in
 * every run of a test.
 */
export class Findings {
  readonly violations: Violation[] = [];

  constructor(private readonly t0: number) {}

  rel(t: number): string {
    return `t+${t - this.t0}ms`;
  }

  op(op: HistoryOp): string {
    return `${op.f}(${op.region}, ${quote(op.key)}${op.consistency ? `, ${op.consistency}` : ""}) #${op.seq} at ${this.rel(op.t)}`;
  }

  write(w: CommittedWrite): string {
    const what = w.tombstone ? "delete" : `put ${quote(w.value)}${w.expiresAt !== null ? ` (expires ${this.rel(w.expiresAt)})` : ""}`;
    return `${what} of ${quote(w.key)} = version ${w.version}, in ${w.region} at ${this.rel(w.t)} (#${w.op.seq})`;
  }

  faults(fs: readonly FaultInterval[]): string {
    return fs.length ? fs.map((f) => `${f.kind} [${this.rel(f.start)}, ${f.end === null ? "open" : this.rel(f.end)})`).join(", ") : "none";
  }

  /** A read that returned `witness.observed` breaks `rule`; `why` says what it should have returned. */
  report(rule: Rule, op: HistoryOp, witness: Witness & { observed: Observation }, why: string): void {
    const observed = `version ${witness.observed.version ?? "none"} value ${quote(witness.observed.value)}`;
    this.violations.push({ rule, op, witness, message: `${rule}: ${this.op(op)} returned ${quote(witness.observed.key)} at ${observed}; ${why}` });
  }

  /** A violation whose message is not about one observed value (time-went-back, list-missed-key). */
  add(violation: Violation): void {
    this.violations.push(violation);
  }
}

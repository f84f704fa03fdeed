import type { FaultInterval, ModelParams } from "../regions/model.js";
import type { HistoryOp } from "./recorder.js";

/* What the history checker (checker.ts) reports: the guarantee broken, and the witness that shows it. */

export type Rule =
  | "phantom-value"
  | "aborted-read"
  | "value-version-mismatch"
  | "null-but-live"
  | "read-expired-value"
  | "listed-dead-key"
  | "read-your-writes"
  | "monotonic-reads"
  | "stale-strong-read"
  | "stale-beyond-bound"
  | "no-convergence"
  | "lost-write"
  | "time-went-back"
  | "list-missed-key"
  | "condition-wrongly-met"
  | "condition-wrongly-failed"
  | "incr-sequence"
  | "if-absent-twice";

/** A committed (ok) put, increment or delete, as the checker remembers it. */
export interface CommittedWrite {
  op: HistoryOp;
  key: string;
  version: number;
  /** The value written; null for a delete (tombstone). */
  value: string | null;
  tombstone: boolean;
  expiresAt: number | null;
  t: number;
  region: string;
  /** The model it was committed under: its delays, and Δ, are that model's. */
  params: ModelParams;
}

/** What a read returned for one key: a get's result, or one item of a list page. */
export interface Observation {
  key: string;
  version: number | null;
  value: string | null;
  expiresAt: number | null;
}

export interface Witness {
  /** What the read returned (for time-went-back: nothing, the operation itself is the witness). */
  observed?: Observation;
  /** The write the read contradicts or should have seen (a failed write for aborted-read). */
  write?: CommittedWrite | HistoryOp;
  /** An earlier read in the same region (and path) that saw a higher version. */
  earlier?: HistoryOp;
  expectedVersion?: number | null;
  /** stale-beyond-bound: the write's fault-adjusted visibility deadline in the region, and Δ. */
  visibleBy?: number;
  deltaMs?: number;
  /** The region's fault intervals that pushed the deadline (a snapshot as of the read). */
  faults?: FaultInterval[];
}

export interface Violation {
  rule: Rule;
  op: HistoryOp;
  witness: Witness;
  message: string;
}

/** A violation list as text for a test failure: the first few, each with its witness. */
export function formatViolations(violations: readonly Violation[], max = 5): string {
  const shown = violations.slice(0, max).map((v) => `- ${v.message}`);
  if (violations.length > max) shown.push(`- … and ${violations.length - max} more`);
  return shown.join("\n");
}

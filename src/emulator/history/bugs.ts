/** Deliberate defects, switched on only by the test suite to show that its checker catches them. */
export type Bug =
  | "apply-ignores-version"
  | "no-local-apply"
  | "partition-drops"
  | "strong-read-local"
  | "no-read-repair"
  | "expiry-skew"
  /** Delivery of every version computed with the current settings, as if they had always been in force. */
  | "recompute-past"
  /** Operations take the time as the process last saw it, not as it stands when they commit. */
  | "stale-time"
  /** A list page with exactly one key after it says it is the last. */
  | "list-drops-cursor"
  /** A condition or an increment decided on what the writing edge serves, not on home's row. */
  | "condition-at-edge"
  /** A condition or an increment decided on the row this process last wrote or checked, as a check before the write's transaction would. */
  | "check-outside-transaction";

/**
 * A condition on a single-key write, decided by the home region inside the write's transaction, so
 * that it sees every write committed before it and none after (docs/consistency.md, "Conditions and
 * counters").
 */
export interface Condition {
  /**
   * null: the key must not exist at home (absent, deleted, or expired at the moment of the write).
   * A version (20 hex digits, as reads and lists show it): home's latest live version of the key is
   * exactly this one; a key that was deleted or has expired since has no live version, so it fails.
   */
  version: string | null;
}

const VERSION_PATTERN = /^[0-9a-f]{20}$/;

/** Whether a text has the shape of a version (20 lower-case hex digits): a condition never matches anything else. */
export function isVersionText(text: string): boolean {
  return VERSION_PATTERN.test(text);
}

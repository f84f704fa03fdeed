/**
 * What the page says to do about a failure, where it knows better than the catalogue's hint, which is
 * written for any program calling the API. Every other catalogued answer shows its own hint.
 */
import type { ErrorCode } from "../../core/errors.js";

export const PAGE_HINTS: Partial<Record<ErrorCode, string>> = {
  KEY_NOT_FOUND: "It may have been deleted or have expired since the list was shown: refresh the list.",
  NAMESPACE_NOT_FOUND: "It may have been removed: choose another namespace.",
  CONDITION_FAILED: "Someone else wrote the key after you opened it: reload it to see their version, then decide.",
  QUOTA_EXCEEDED: "The Usage panel shows what the site holds against its tier; remove keys or change the tier.",
};

export const NETWORK_HINT = "Check that the command that printed this page's URL is still running, then reload the page.";

/** The host's own refusals: they carry no catalogue entry (plain text). */
export function hostHint(status: number): string | null {
  if (status === 401) return "The session has ended: open the URL printed by the command again.";
  if (status === 403) return "The host refused a request that changes data without this page's token: reload the page.";
  if (status === 421) return "Open the page at the address the command printed (127.0.0.1 or localhost).";
  return null;
}

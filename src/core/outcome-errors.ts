import { KvError, type ErrorCode } from "./errors.js";
import { formatNumber as n } from "./numbers.js";

/**
 * The catalogue's entries for a command that stopped part-way or changed one place of two: what it
 * did, what it did not, and how to finish. Each keeps the code (and exit code) of what stopped it,
 * except a multi-key operation, which is PARTIALLY_APPLIED. The codes are in errors.ts.
 */

/** What a multi-key operation did before it stopped: keys in the order given, each in exactly one list. */
export interface PartialOutcome {
  action: "remove" | "write";
  namespace: string;
  /** Keys whose request committed. */
  done: string[];
  /** Keys of the request whose answer never came: it may or may not have committed. */
  unknown: string[];
  /** Keys never sent, or sent in a request the target refused. */
  notDone: string[];
  cause: KvError;
}

/** `"a"`, `"a", "b"`, or `"first" … "last"`: which keys, in the order given. */
function keyRange(keys: readonly string[]): string {
  const q = (k: string) => JSON.stringify(k.length > 60 ? `${k.slice(0, 60)}…` : k);
  return keys.length <= 2 ? keys.map(q).join(", ") : `${q(keys[0]!)} … ${q(keys[keys.length - 1]!)}`;
}

export const outcomeErrors = {
  partiallyApplied: (p: PartialOutcome) => {
    const total = p.done.length + p.unknown.length + p.notDone.length;
    const [did, not, noun, plural] = p.action === "remove" ? ["Removed", "removed", "key", "keys"] : ["Wrote", "written", "entry", "entries"];
    const count = (keys: readonly string[]) => `${n(keys.length)} ${keys.length === 1 ? noun : plural} (${keyRange(keys)})`;
    return new KvError(
      "PARTIALLY_APPLIED",
      `${did} ${n(p.done.length)} of ${n(total)} ${plural} in namespace "${p.namespace}" (${keyRange(p.done)}), then a request failed: ${p.cause.message}` +
        (p.unknown.length ? ` Whether ${count(p.unknown)} ${p.unknown.length === 1 ? "was" : "were"} ${not} is not known: the answer was lost.` : "") +
        (p.notDone.length ? ` The other ${count(p.notDone)} ${p.notDone.length === 1 ? "was" : "were"} not ${not}.` : ""),
      `Nothing ${not} was undone. Look at what the namespace holds now before running the command again.`,
      { action: p.action, namespace: p.namespace, done: p.done, unknown: p.unknown, notDone: p.notDone, cause: p.cause.toJSON() },
    );
  },

  /**
   * A prefix's removal stopped by a failed step after earlier steps removed keys. Steps go in key
   * order, so what is left is the keys from the failed step's first on; that step itself committed
   * or not as a whole, which a lost answer leaves unknown.
   */
  prefixPartlyRemoved: (p: { namespace: string; prefix: string; removed: number; counted: number | null; cause: KvError }) =>
    new KvError(
      "PARTIALLY_APPLIED",
      `Removed ${n(p.removed)}${p.counted === null ? "" : ` of the ${n(p.counted)}`} keys ${p.counted === null ? "" : "counted "}under "${p.prefix}" in namespace "${p.namespace}", then a step failed: ${p.cause.message}` +
        " The keys after those were not removed; if the failed step's answer was lost, it may have removed some of them.",
      "Nothing removed was undone. Run the same removal again to remove the rest.",
      { action: "remove", namespace: p.namespace, prefix: p.prefix, removed: p.removed, counted: p.counted, cause: p.cause.toJSON() },
    ),

  /** An import stopped by a batch refused whole; `account` says what was written before it. */
  importStopped: (cause: KvError, account: string, notPruned: boolean) =>
    new KvError(
      cause.code,
      `${cause.message} The import stopped ${account}${notPruned ? "; nothing was pruned" : ""}.`,
      `${cause.hint ? `${cause.hint} ` : ""}Then run the same command again: entries already written are skipped as unchanged.`,
      cause.details,
      cause.exitCode,
    ),
  /**
   * Entries of an import refused one by one when written (for a reason the check before writing could
   * not know, such as a clock that moved), the others written; `report` is the file that has each
   * outcome, if one was asked for and written. A dry run wrote nothing.
   */
  importEntriesFailed: (
    first: { code: ErrorCode; key: string | null; where: string; message: string },
    failed: number,
    total: number,
    notPruned: boolean,
    report: string | undefined,
    dryRun = false,
  ) =>
    dryRun
      ? new KvError(
          first.code,
          `${n(failed)} of ${n(total)} entries would fail (first: ${first.key} at ${first.where}: ${first.message}); nothing was written.`,
          "Fix those entries, or run the dry run again if the target's clock or settings have changed since.",
        )
      : new KvError(
          first.code,
          `${n(failed)} of ${n(total)} entries failed (first: ${first.key} at ${first.where}: ${first.message}); the others were written${notPruned ? "; nothing was pruned" : ""}.`,
          `Run the same import again to retry only what is missing; ${report === undefined ? "a report file records the outcome of every entry" : `${report} has the outcome of every entry`}.`,
        ),
  /**
   * An import done whole whose report file could not be written: the cause's code (and exit code),
   * with what the import did (`done`), so that nobody runs it again for the report's sake.
   */
  importReportNotWritten: (cause: KvError, done: string) =>
    new KvError(
      cause.code,
      `${done}, but its report could not be written: ${cause.message}`,
      `${cause.hint ? `${cause.hint} ` : ""}The import itself need not be run again.`,
      cause.details,
      cause.exitCode,
    ),

  /** The project file could not take a change the target made, and the target's change was undone. */
  changeUndone: (cause: KvError, what: "binding" | "unbinding") =>
    new KvError(
      cause.code,
      `${cause.message.replace(/\.$/, "")}; the ${what} on the target was undone, so nothing changed.`,
      cause.hint,
      cause.details,
      cause.exitCode,
    ),
  /** The same, and the undo failed too: the target has the change and the project file does not. */
  changeHalfDone: (cause: KvError, what: "binding" | "unbinding", undoFailure: string, path: string) =>
    new KvError(
      cause.code,
      `${cause.message.replace(/\.$/, "")}, and undoing the ${what} on the target failed too (${undoFailure.replace(/\.$/, "")}): the target has the change and ${path} does not.`,
      what === "binding"
        ? "Make the file writable and run the same bind again, or remove the binding from the target."
        : "Make the file writable and run the same unbind again.",
      undefined,
      cause.exitCode,
    ),
};

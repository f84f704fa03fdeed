import type { Transaction } from "better-sqlite3";
import type { Database } from "./sqlite.js";

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Called instead of resolve/reject when the shared transaction fails to begin or to commit. */
  aborted: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Whether writes must each have a transaction of their own now (the history is being recorded). */
  alone: () => boolean;
  /**
   * Runs the group's writes, inside its transaction: the place to look once for another process's
   * changes (settings, tokens) and to hold that look for the whole group.
   */
  within: <T>(run: () => T) => T;
  /** Turns a SQLite error from BEGIN or COMMIT into the error the writes fail with. */
  translate: (error: unknown) => unknown;
  /**
   * The log the writes add to as they run (the audit log): a mark before the group runs, then either
   * undoing it back to the mark (the transaction failed) or keeping it (committed).
   */
  mark: () => number;
  rewind: (mark: number) => void;
  keep: () => void;
  /**
   * What the writes gather in memory to write out once per group (the engine's version counter,
   * usage, meters and compaction): begun inside the transaction before the first write, marked
   * before each write and undone with its savepoint, ended inside the transaction after the last,
   * told when it has committed, aborted if it fails.
   */
  gathering?: Gathering<unknown>;
}

export interface Gathering<M> {
  begin(): void;
  mark(): M;
  undo(mark: M): void;
  end(): void;
  /** After the commit: what is to be written out later, now that it happened (meters, through the ledger). */
  committed(): void;
  abort(): void;
}

/**
 * Group commit for a server: the writes that reach it during one turn of the event loop commit
 * together, in one IMMEDIATE transaction, when the turn ends (setImmediate). Under load that is one
 * BEGIN, one COMMIT and one write of each shared page (the site's usage) for several writes
 * instead of one each, which is most of what a small write costs.
 *
 * The writes run in the order they arrived. One that fails is undone alone and answered with its own
 * error; the others commit. To that end the group first runs without a savepoint per write (two
 * statements a write saved); if a write throws, the whole transaction is rolled back, what the
 * writes gathered and logged is taken back, and the group runs again with each write in a savepoint
 * of its own. What the writes gather to write out once (see GroupCommitOptions.gathering) is written
 * before the commit. No write is answered before the transaction has committed; if BEGIN or COMMIT
 * fails, none of them is stored and every one fails with that error. A write waits at most for the
 * writes that arrived in the same turn, never for a timer.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  /** Made once: better-sqlite3 prepares BEGIN, COMMIT and the savepoint statements per transaction function. */
  private transaction: Transaction<(work: () => unknown) => unknown> | undefined;
  private scheduled = false;
  /**
   * Writes committed, and the transactions that held them (their ratio is the batch size); and the
   * groups that ran a second time, each write in a savepoint, because one of their writes failed.
   */
  readonly stats = { writes: 0, transactions: 0, rerun: 0 };

  constructor(
    private readonly db: Database,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Runs `work` (synchronous, on the store) in the next group; resolves once that group has committed. */
  run<T>(work: () => T, aborted: (error: unknown) => void = () => {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject, aborted });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushNow);
      }
    });
  }

  private readonly flushNow = () => this.flush();

  /** Commits the writes waiting now. Runs by itself at the end of the turn; a server calls it before it closes the store. */
  flush(): void {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    if (this.options.alone()) {
      // While a history is recorded, each write takes its own transaction, as the CLI's writes do.
      for (const p of group) settle(p, p.work);
      return;
    }
    let outcomes: Outcome[] | undefined;
    try {
      // Almost always no write fails, and then none needs a savepoint. If one does, again, each in one.
      outcomes = this.commit(group, false);
      if (!outcomes) {
        this.stats.rerun++;
        outcomes = this.commit(group, true)!;
      }
    } catch (e) {
      const error = this.options.translate(e);
      for (const p of group) {
        p.aborted(error);
        p.reject(error);
      }
      return;
    }
    this.stats.transactions++;
    this.stats.writes += group.length;
    for (const [i, p] of group.entries()) outcomes[i]!.ok ? p.resolve(outcomes[i]!.value) : p.reject(outcomes[i]!.value);
  }

  /**
   * Runs the group's writes in one transaction and commits it. `isolated`: each write in a savepoint
   * of its own, undone alone if it fails; otherwise a write that fails undoes the whole transaction,
   * and the answer is undefined (nothing stored, nothing gathered or logged). Throws if BEGIN or
   * COMMIT fails, having undone what the writes gathered and logged.
   */
  private commit(group: readonly Pending[], isolated: boolean): Outcome[] | undefined {
    const outcomes: Outcome[] = [];
    const mark = this.options.mark();
    // A transaction function called inside another runs in a savepoint (better-sqlite3).
    this.transaction ??= this.db.transaction((work: () => unknown) => work());
    const transaction = this.transaction;
    const gathering = this.options.gathering;
    try {
      transaction.immediate(() =>
        this.options.within(() => {
          gathering?.begin();
          for (const p of group) {
            if (!isolated) {
              try {
                outcomes.push({ ok: true, value: p.work() });
              } catch {
                throw WRITE_FAILED;
              }
              continue;
            }
            const before = gathering?.mark();
            try {
              outcomes.push({ ok: true, value: transaction(p.work) });
            } catch (e) {
              if (gathering) gathering.undo(before);
              outcomes.push({ ok: false, value: e });
            }
          }
          gathering?.end();
        }),
      );
    } catch (e) {
      gathering?.abort();
      this.options.rewind(mark);
      if (e === WRITE_FAILED) return undefined;
      throw e;
    }
    gathering?.committed();
    this.options.keep();
    return outcomes;
  }
}

interface Outcome {
  ok: boolean;
  value: unknown;
}

/** Thrown out of a group's transaction, to roll it back, when a write without a savepoint fails. */
const WRITE_FAILED = Symbol("a write of the group failed");

function settle(p: Pending, run: () => unknown): void {
  let value: unknown;
  try {
    value = run();
  } catch (e) {
    p.reject(e);
    return;
  }
  p.resolve(value);
}

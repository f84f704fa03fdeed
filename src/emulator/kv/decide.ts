import { errors, type KvError } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import type { ConditionFailure } from "../../core/condition-errors.js";
import type { OpRecord } from "../history/recording.js";
import type { Row } from "../store/rows.js";
import { counted, deciding, expectedVersion, failedCondition, liveVersion } from "./conditions.js";
import { FAILED, type KvContext } from "./context.js";
import type { Mutation, Resolved } from "./mutation.js";

/** What home held of a key when its condition or increment was decided: its live version (null: none), and its row. */
export interface Decided {
  current: number | null;
  head: Row | undefined;
}

/** Where a write runs: its namespace (name and id), region and time. */
interface WriteAt {
  namespace: string;
  ns: number;
  region: string;
  now: number;
}

/**
 * The conditions and increments of a write, decided on home's rows before anything is written (see
 * write.ts). A key with a condition or an increment comes once in a write (checked before), so no
 * other mutation of the same write changes the row it was decided on.
 */
export class Decisions {
  constructor(
    private readonly engine: KvContext,
    private readonly at: WriteAt,
    private readonly decided: Map<Resolved, Decided>,
  ) {}

  get(r: Resolved): Decided | undefined {
    return this.decided.get(r);
  }

  /** Home's row of the key, as read when it was decided, or read now: a decided key comes once in a write, so it is still the row. */
  head(r: Resolved): Row | undefined {
    const decided = this.decided.get(r);
    return decided ? decided.head : this.engine.head(this.at.ns, r.keyBytes);
  }

  /**
   * A put of a batch that writes absent keys only, whose key exists at home: left alone, and
   * recorded as a condition that failed (it committed nothing), without its value, which may well
   * be the one stored (an import run again).
   */
  skipped(r: Resolved, head: Row | undefined): boolean {
    if (r.mutation.kind !== "put" || !r.mutation.skipIfPresent) return false;
    const { engine, at } = this;
    const current = liveVersion(deciding(engine, at.region, at.ns, r.keyBytes, at.now, head).decidedOn, at.now);
    if (current === null) {
      this.decided.set(r, { current, head });
      return false;
    }
    engine.record({
      t: at.now,
      region: at.region,
      f: "put",
      key: r.mutation.key,
      ns: at.namespace,
      type: "fail",
      error: "CONDITION_FAILED",
      expected: null,
      current,
      skipped: true,
    });
    return true;
  }
}

/**
 * Refuses a write in which a key with a condition or an increment comes more than once: its condition
 * would be decided on a row an earlier mutation of the same write replaces.
 */
export function refuseRepeatedConditions(mutations: readonly Mutation[]): void {
  // A single write (almost every one) repeats nothing: no set to build.
  if (mutations.length < 2) return;
  const keys = new Set(mutations.map((m) => m.key));
  if (keys.size === mutations.length) return;
  const counts = new Map<string, number>();
  for (const m of mutations) counts.set(m.key, (counts.get(m.key) ?? 0) + 1);
  const repeated = mutations.find((m) => counts.get(m.key)! > 1 && (m.kind === "incr" || m.onlyIf !== undefined));
  if (repeated)
    throw errors.usage(
      `The key "${repeated.key}" comes more than once in a write that has a condition on it.`,
      "Give each key with a condition once in a batch.",
    );
}

/**
 * Decides every condition and increment of a write on home's rows. When one fails, records each that
 * failed and answers FAILED (run() then throws the error, with nothing written): a single write's
 * own error, or for a batch one error naming every key whose condition did not hold.
 */
export function decide(engine: KvContext, at: WriteAt, resolved: readonly (Resolved | KvError)[]): Decisions | typeof FAILED {
  const decided = new Map<Resolved, Decided>();
  const refused: { r: Resolved; error: KvError | undefined; failure: ConditionFailure | undefined; current: number | null }[] = [];
  for (const r of resolved) {
    if (!("mutation" in r) || (r.mutation.kind !== "incr" && expectedVersion(r) === undefined)) continue;
    const { head, decidedOn } = deciding(engine, at.region, at.ns, r.keyBytes, at.now);
    const current = liveVersion(decidedOn, at.now);
    const failure = failedCondition(r, decidedOn, at.now);
    const error = failure ? undefined : counted(r, decidedOn, at.now);
    if (failure || error) refused.push({ r, error, failure, current });
    else decided.set(r, { current, head });
  }
  if (refused.length === 0) return new Decisions(engine, at, decided);
  const failures = refused.flatMap((x) => (x.failure ? [x.failure] : []));
  const error = refused[0]!.error ?? conditionsFailed(failures, resolved.length);
  const records = refused.map(({ r, error: own, current }): Omit<OpRecord, "type"> & { error: string } => ({
    t: at.now,
    region: at.region,
    f: r.mutation.kind,
    key: r.mutation.key,
    ns: at.namespace,
    error: own?.code ?? "CONDITION_FAILED",
    ...(r.mutation.kind === "put" && { value: r.value }),
    ...historyOfCondition(r, { current, head: undefined }),
  }));
  for (const record of records.slice(0, -1)) engine.record({ ...record, type: "fail" });
  const { error: _code, ...last } = records[records.length - 1]!;
  engine.fail(error, last);
  return FAILED;
}

/** The error of a write whose conditions did not hold: a single write's own, or for a batch one naming every key that failed. */
export function conditionsFailed(failures: readonly ConditionFailure[], mutations: number): KvError {
  const [first] = failures;
  return failures.length === 1 && mutations === 1
    ? conditionErrors.conditionFailed(first!.key, first!.expected, first!.current)
    : conditionErrors.batchConditionsFailed(failures);
}

/** The history's fields for what a write asked, before anything was decided (a partitioned region's): its condition, or what it would add. */
export function asked(m: Mutation): Pick<OpRecord, "expected" | "by"> {
  if (m.kind === "incr") return { by: String(m.by) };
  if (m.onlyIf === undefined) return {};
  return { expected: m.onlyIf.version === null ? null : Number.parseInt(m.onlyIf.version, 16) };
}

/** The history's fields for a conditional write or an increment: what it expected, what home held, what it added. */
export function historyOfCondition(r: Resolved, decided: Decided | undefined): Pick<OpRecord, "expected" | "current" | "by"> {
  if (decided === undefined) return {};
  const m = r.mutation;
  // A put of a batch of absent keys only, that found the key absent: recorded as "only if absent".
  if (m.kind === "put" && m.onlyIf === undefined && m.skipIfPresent) return { expected: null, current: decided.current };
  return { ...asked(m), current: decided.current };
}

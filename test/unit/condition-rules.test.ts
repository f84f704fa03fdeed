/**
 * The checker's rules for conditions and counters (src/emulator/history/condition-rules.ts), on
 * histories written by hand: each rule passes the history a correct engine records and reports the
 * one a broken engine would.
 */
import { describe, expect, it } from "vitest";
import { check } from "../../src/emulator/history/checker.js";
import type { HistoryOp } from "../../src/emulator/history/recorder.js";
import { DEFAULT_PARAMS } from "../../src/emulator/regions/model.js";
import { T0 } from "../support/engine.js";

const HOME = DEFAULT_PARAMS.home;

/** A history from operations given without seq, time, client and region: they get seq order, T0 + 1 ms each, home. */
function history(...ops: Partial<HistoryOp>[]): HistoryOp[] {
  return ops.map((op, i) => ({ seq: i + 1, t: T0 + i, client: "t", region: HOME, ns: "default", type: "ok", ...op }) as HistoryOp);
}

const rules = (ops: HistoryOp[]) => check(ops, DEFAULT_PARAMS).map((v) => v.rule);

describe("the checker's rules for conditions", () => {
  it("pass a conditional write that expected home's live version, and one refused that did not", () => {
    expect(
      rules(
        history(
          { f: "put", key: "k", value: "a", version: 1, expected: null, current: null },
          { f: "put", key: "k", value: "b", version: 2, expected: 1, current: 1 },
          { f: "put", key: "k", value: "c", type: "fail", error: "CONDITION_FAILED", expected: 1, current: 2 },
          { f: "delete", key: "k", version: 3, expected: 2, current: 2 },
          { f: "put", key: "k", value: "d", version: 4, expected: null, current: null },
        ),
      ),
    ).toEqual([]);
  });

  it("report a write whose condition was met against a version home no longer held", () => {
    const ops = history(
      { f: "put", key: "k", value: "a", version: 1 },
      { f: "put", key: "k", value: "b", version: 2 },
      { f: "put", key: "k", value: "c", version: 3, expected: 1 },
    );
    expect(rules(ops)).toEqual(["condition-wrongly-met"]);
    expect(check(ops, DEFAULT_PARAMS)[0]!.message).toContain("home's live version was 2");
  });

  it("report a refusal when home held exactly the version expected", () => {
    expect(
      rules(history({ f: "put", key: "k", value: "a", version: 1 }, { f: "delete", key: "k", type: "fail", error: "CONDITION_FAILED", expected: 1 })),
    ).toEqual(["condition-wrongly-failed"]);
  });

  it("count an expired value as absent", () => {
    const ops = history({ f: "put", key: "k", value: "a", version: 1, expiresAt: T0 + 1 }, { f: "put", key: "k", value: "b", version: 2, expected: null });
    expect(rules(ops)).toEqual([]);
  });

  it("report two writes only if absent with nothing between them that made the key absent", () => {
    const twice = history(
      { f: "put", key: "k", value: "a", version: 1, expected: null },
      { f: "put", key: "k", value: "b", version: 2 },
      // A broken engine that also says it found no live value: only the if-absent rule sees past that.
      { f: "put", key: "k", value: "c", version: 3, expected: null, current: null },
    );
    expect(rules(twice)).toEqual(["condition-wrongly-met", "if-absent-twice"]);
    const deletedBetween = history(
      { f: "put", key: "k", value: "a", version: 1, expected: null },
      { f: "delete", key: "k", version: 2 },
      { f: "put", key: "k", value: "c", version: 3, expected: null },
    );
    expect(rules(deletedBetween)).toEqual([]);
  });
});

describe("the checker's rules for counters", () => {
  it("pass increments whose results are the sequence of the committed ones", () => {
    const ops = history(
      { f: "incr", key: "n", value: "1", version: 1, by: "1" },
      { f: "incr", key: "n", value: "-2", version: 2, by: "-3" },
      { f: "put", key: "n", value: "v", version: 3 },
      { f: "incr", key: "n", type: "fail", error: "NOT_A_COUNTER", by: "1" },
      { f: "put", key: "n", value: "9223372036854775807", version: 4 },
      { f: "incr", key: "n", type: "fail", error: "COUNTER_OVERFLOW", by: "1" },
      { f: "delete", key: "n", version: 5 },
      { f: "incr", key: "n", value: "5", version: 6, by: "5" },
    );
    expect(rules(ops)).toEqual([]);
  });

  it("report an increment that counted from a value home no longer held", () => {
    const ops = history(
      { f: "incr", key: "n", value: "1", version: 1, by: "1" },
      { f: "incr", key: "n", value: "2", version: 2, by: "1" },
      { f: "incr", key: "n", value: "2", version: 3, by: "1" },
    );
    expect(rules(ops)).toEqual(["incr-sequence"]);
    expect(check(ops, DEFAULT_PARAMS)[0]!.message).toContain('home held "2"');
  });

  it("report a refusal of a value that was a counter, and an overflow that was not one", () => {
    expect(rules(history({ f: "put", key: "n", value: "7", version: 1 }, { f: "incr", key: "n", type: "fail", error: "NOT_A_COUNTER", by: "1" }))).toEqual([
      "incr-sequence",
    ]);
    expect(rules(history({ f: "put", key: "n", value: "7", version: 1 }, { f: "incr", key: "n", type: "fail", error: "COUNTER_OVERFLOW", by: "1" }))).toEqual([
      "incr-sequence",
    ]);
    expect(rules(history({ f: "put", key: "n", value: "x", version: 1 }, { f: "incr", key: "n", value: "1", version: 2, by: "1" }))).toEqual(["incr-sequence"]);
  });
});

import { describe, expect, it } from "vitest";
import { KvError } from "../../src/core/errors.js";
import { EdgeKvError } from "../../src/edge/edge-error.js";
import { conditionOf, counterValue, incrementOf, secondsOf } from "../../src/edge/write-options.js";

/** The SDK's side of conditions and counters: what a function passes, and what it gets back. */
describe("a counter's answer", () => {
  it("is a number while a number is exact, a bigint beyond, and a bigint whenever by was one", () => {
    expect(counterValue("42", undefined)).toBe(42);
    expect(counterValue("-7", 3)).toBe(-7);
    expect(counterValue(String(Number.MAX_SAFE_INTEGER), 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(counterValue(String(Number.MIN_SAFE_INTEGER), -1)).toBe(Number.MIN_SAFE_INTEGER);
    expect(counterValue("9007199254740992", 1)).toBe(9007199254740992n);
    expect(counterValue("-9007199254740992", -1)).toBe(-9007199254740992n);
    expect(counterValue("-9223372036854775808", undefined)).toBe(-(2n ** 63n));
    expect(counterValue("5", 5n)).toBe(5n);
  });
});

describe("what a function passes", () => {
  it("takes a version or null as a condition, and refuses any other shape as USAGE", () => {
    expect(conditionOf(undefined)).toBeUndefined();
    expect(conditionOf({ version: null })).toEqual({ version: null });
    expect(conditionOf({ version: "0000000000000000002a" })).toEqual({ version: "0000000000000000002a" });
    for (const bad of [null, {}, [], "0000000000000000002a", { version: undefined }, { version: 42 }]) {
      expect(() => conditionOf(bad)).toThrow(KvError);
      expect(() => conditionOf(bad)).toThrow(/onlyIf/);
    }
  });

  it("takes an increment as a number within 2^53 or a bigint; 1 by default", () => {
    expect(incrementOf(undefined)).toBe(1n);
    expect(incrementOf(-3)).toBe(-3n);
    expect(incrementOf(2n ** 62n)).toBe(2n ** 62n);
    for (const bad of [0, 0n, 1.5, Number.NaN, 2 ** 53, "1", null, 2n ** 63n]) expect(() => incrementOf(bad), String(bad)).toThrow(KvError);
    // Named as the function passes it, the value as it is, never a rounded print of it.
    expect(() => incrementOf(0)).toThrow(/^by is 0, which would change nothing\.$/);
    expect(() => incrementOf(1.5)).toThrow(/^by "1\.5" is not a signed 64-bit integer\.$/);
    expect(() => incrementOf(2 ** 60)).toThrow(/^by is 1152921504606846976, beyond 2\^53 − 1/);
  });

  it("takes seconds as a number, and refuses NaN as bad input rather than as an expiry of NaN s", () => {
    expect(secondsOf("expirationTtl", undefined, "seconds")).toBeUndefined();
    expect(secondsOf("expirationTtl", 60, "seconds")).toBe(60);
    expect(() => secondsOf("expirationTtl", Number.NaN, "seconds")).toThrow(/^expirationTtl is seconds, a number, not NaN\.$/);
    expect(() => secondsOf("expiration", "soon", "epoch seconds")).toThrow(/^expiration is epoch seconds, a number, not string\.$/);
  });
});

describe("EdgeKvError", () => {
  it("carries home's version for the condition and counter codes, and none for others", () => {
    expect(new EdgeKvError("CONDITION_FAILED", "m", null, { key: "k", expected: null, current: "0000000000000000002a" }).version).toBe("0000000000000000002a");
    expect(new EdgeKvError("CONDITION_FAILED", "m", null, { key: "k", expected: "0000000000000000002a", current: null }).version).toBeNull();
    expect(new EdgeKvError("NOT_A_COUNTER", "m", null, { key: "k", version: "00000000000000000001", type: "text" }).version).toBe("00000000000000000001");
    expect(new EdgeKvError("UNAVAILABLE", "m", null).version).toBeUndefined();
  });
});

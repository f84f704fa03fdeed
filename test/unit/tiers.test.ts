import { describe, expect, it } from "vitest";
import { periodOf } from "../../src/core/tiers.js";

describe("periodOf", () => {
  it("names the UTC calendar month of a time, at both edges of a month and across a year, in any order", () => {
    const feb = Date.UTC(2027, 1, 1);
    const jan2028 = Date.UTC(2028, 0, 1);
    const times = [feb - 1, feb, feb - 1, Date.UTC(2027, 0, 1), jan2028 - 1, jan2028, Date.UTC(2024, 1, 29, 23, 59, 59, 999), feb + 5];
    expect(times.map(periodOf)).toEqual(["2027-01", "2027-02", "2027-01", "2027-01", "2027-12", "2028-01", "2024-02", "2027-02"]);
    for (const t of times) expect(periodOf(t)).toBe(new Date(t).toISOString().slice(0, 7));
  });
});

import { describe, expect, it } from "vitest";
import { parseDuration, parseTimestamp } from "../../src/core/duration.js";
import { KvError } from "../../src/core/errors.js";
import { EXIT } from "../../src/core/exit-codes.js";
import { parseLimit, parseMetadata, expiryAfterTtl, validateExpiresAt, validateKey, validateNamespaceName, validateValue } from "../../src/core/validate.js";

function failure(fn: () => unknown): KvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KvError) return e;
    throw e;
  }
  throw new Error("expected a KvError");
}

describe("validateKey", () => {
  it("accepts 1 to 512 bytes of UTF-8 and returns the bytes", () => {
    expect(validateKey("a")).toEqual(Buffer.from("a"));
    expect(validateKey("é".repeat(256)).length).toBe(512);
    expect(validateKey("x".repeat(512)).length).toBe(512);
  });

  it("measures bytes, not characters", () => {
    const e = failure(() => validateKey(`${"é".repeat(256)}a`));
    expect(e.code).toBe("INVALID_KEY");
    expect(e.message).toContain("513 bytes");
    expect(e.message).toContain("512");
    expect(e.exitCode).toBe(EXIT.usage);
  });

  it.each([
    ["", "empty"],
    [".", "reserved"],
    ["..", "reserved"],
    ["\ud800", "not valid Unicode"],
  ])("rejects %j", (key, words) => {
    const e = failure(() => validateKey(key));
    expect(e.code).toBe("INVALID_KEY");
    expect(e.message).toContain(words);
    expect(e.hint).toBeTruthy();
  });

  it("allows dots inside keys", () => {
    expect(() => validateKey("./a")).not.toThrow();
    expect(() => validateKey("...")).not.toThrow();
  });
});

describe("validateValue", () => {
  it("accepts exactly 1 MiB and rejects one byte more, naming both sizes", () => {
    expect(() => validateValue(new Uint8Array(1_048_576))).not.toThrow();
    const e = failure(() => validateValue(new Uint8Array(1_048_577)));
    expect(e.code).toBe("VALUE_TOO_LARGE");
    expect(e.message).toContain("1,048,577 bytes");
    expect(e.message).toContain("1,048,576 bytes");
  });
});

describe("parseMetadata", () => {
  it("accepts a JSON object", () => {
    expect(parseMetadata('{"owner":"web","n":1}')).toEqual({ owner: "web", n: 1 });
  });

  it.each([
    ["{nope", "not valid JSON"],
    ["[1,2]", "an array"],
    ["null", "null"],
    ['"text"', "a string"],
    ["42", "a number"],
  ])("rejects %s", (text, words) => {
    const e = failure(() => parseMetadata(text));
    expect(e.code).toBe("INVALID_METADATA");
    expect(e.message).toContain(words);
  });

  it("limits the compact JSON form to 1 KiB", () => {
    // {"a":"…"} has 8 bytes of framing.
    expect(() => parseMetadata(JSON.stringify({ a: "x".repeat(1024 - 8) }))).not.toThrow();
    const e = failure(() => parseMetadata(JSON.stringify({ a: "x".repeat(1024 - 7) })));
    expect(e.message).toContain("1,025 bytes");
  });
});

describe("expiry", () => {
  it("requires a TTL of at least 60 s", () => {
    const now = Date.UTC(2027, 0, 1);
    expect(expiryAfterTtl(60, now)).toBe(now + 60_000);
    expect(failure(() => expiryAfterTtl(59, now)).message).toContain("59 s");
    expect(failure(() => expiryAfterTtl(100_000_000 * 86_400, now)).message).toContain("after the year 9999");
    // A function may pass Infinity: never kept as no expiry at all.
    expect(failure(() => expiryAfterTtl(Number.POSITIVE_INFINITY, now)).message).toContain("after the year 9999");
    expect(failure(() => validateExpiresAt(Number.POSITIVE_INFINITY, now)).message).toContain("after the year 9999");
  });

  it("keeps an expiry in whole milliseconds, rounded up so it is never earlier than asked", () => {
    const now = Date.UTC(2027, 0, 1);
    expect(expiryAfterTtl(60.0001, now)).toBe(now + 60_001);
    expect(expiryAfterTtl(100.123456, now)).toBe(now + 100_124);
    // 60.3 × 1000 is 60299.999… in binary: the float's own error is not a fraction of a millisecond.
    expect(expiryAfterTtl(60.3, now)).toBe(now + 60_300);
    expect(expiryAfterTtl(60.001, now)).toBe(now + 60_001);
    expect(validateExpiresAt(now + 60_000.1, now)).toBe(now + 60_001);
    expect(validateExpiresAt(1_799_999_999.0001 * 1000, 1_700_000_000_000)).toBe(1_799_999_999_001);
  });

  it("requires an absolute expiry at least 60 s ahead of the clock", () => {
    const now = 1_800_000_000_000;
    expect(validateExpiresAt(now + 60_000, now)).toBe(now + 60_000);
    expect(failure(() => validateExpiresAt(now + 59_999, now)).code).toBe("INVALID_EXPIRY");
    expect(failure(() => validateExpiresAt(now - 1000, now)).message).toContain("in the past");
    expect(failure(() => validateExpiresAt(99_999_999_999_999_000, now)).message).toContain("after the year 9999");
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["12h", 43_200_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
    ["300ms", 300],
    ["120", 120_000],
    ["1.5h", 5_400_000],
    ["1.1s", 1_100],
    ["0.001s", 1],
    ["0.0001m", 6],
    ["007.250s", 7_250],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text, "--ttl")).toBe(ms);
  });

  it.each(["", "10 minutes", "1h30m", "-5s", "s", "10y", "abc"])("rejects %j", (text) => {
    const e = failure(() => parseDuration(text, "--ttl"));
    expect(e.code).toBe("USAGE");
    expect(e.message).toContain("--ttl");
  });
});

describe("parseDuration of less than a millisecond", () => {
  it.each(["0.5ms", "1.5ms", "0.0001s", "0.00001m"])("rejects %j, rather than rounding it", (text) => {
    const e = failure(() => parseDuration(text, "The time to advance by", "ms"));
    expect([e.code, e.message]).toEqual(["USAGE", `The time to advance by "${text}" is not a whole number of milliseconds; time is kept in milliseconds.`]);
  });
});

describe("parseTimestamp", () => {
  it("reads epoch seconds and ISO 8601, as UTC when no offset is given", () => {
    expect(parseTimestamp("1800000000")).toBe(1_800_000_000_000);
    expect(parseTimestamp("2027-01-31T12:00:00Z")).toBe(Date.UTC(2027, 0, 31, 12));
    expect(parseTimestamp("2027-01-31T12:00:00")).toBe(Date.UTC(2027, 0, 31, 12));
    expect(parseTimestamp("2027-01-31T14:00:00+02:00")).toBe(Date.UTC(2027, 0, 31, 12));
    expect(parseTimestamp("2027-01-31")).toBe(Date.UTC(2027, 0, 31));
    expect(parseTimestamp("2027-01-31T12:00:00.250Z")).toBe(Date.UTC(2027, 0, 31, 12, 0, 0, 250));
  });

  it.each(["tomorrow", "31/01/2027", "2027-13-45T99:00:00Z", "2099-02-30T00:00:00Z", "2099-01-01 junk", "2027-01-31T24:00:00Z"])("rejects %j", (text) => {
    expect(failure(() => parseTimestamp(text)).code).toBe("INVALID_EXPIRY");
  });
});

describe("parseLimit and namespace names", () => {
  it("takes whole numbers from 1 to 1000", () => {
    expect(parseLimit("1")).toBe(1);
    expect(parseLimit("1000")).toBe(1000);
    for (const bad of ["0", "1001", "-1", "1.5", "ten", ""]) expect(failure(() => parseLimit(bad)).code).toBe("INVALID_LIMIT");
  });

  it("checks namespace names", () => {
    expect(validateNamespaceName("staging-2")).toBe("staging-2");
    for (const bad of ["", "Upper", "-lead", "has space", "x".repeat(64)]) expect(failure(() => validateNamespaceName(bad)).code).toBe("INVALID_NAMESPACE");
  });
});

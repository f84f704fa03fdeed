import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { paths } from "../../src/contract/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { ApiServer } from "../../src/server/server.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * What a write is given, checked the same on every path: sub-millisecond expiries, bulk puts that are
 * all or nothing, metadata and values that are not what they say, counter increments.
 */

async function serve() {
  const clock = new ManualClock(T0);
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const call = async (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await request(`${server.url}${path}`, {
      method: method as "GET",
      headers: { authorization: `Bearer ${token}`, ...(typeof body === "string" && { "content-type": "application/json" }), ...headers },
      ...(body !== undefined && { body }),
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: String(res.headers["content-type"]).startsWith("application/json") ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  };
  const value = (key: string, query = "") => `${paths.value("local", "default", key)}${query}`;
  return { server, clock, call, value };
}

describe("an expiry given twice", () => {
  it("ttl and expires_at together answer 400 USAGE, and nothing is written", async () => {
    const { call, value } = await serve();
    const both = await call("PUT", value("both", `?ttl=100&expires_at=${T0 / 1000 + 1000}`), Buffer.from("x"));
    expect([both.status, both.json?.code]).toEqual([400, "USAGE"]);
    expect((await call("GET", value("both"))).status).toBe(404);
  });
});

describe("an expiry finer than a millisecond", () => {
  it("is kept rounded up to the next millisecond, on a put, a counter and a bulk put", async () => {
    const { call, value } = await serve();
    for (const [key, query, expiresAt] of [
      ["t1", "?ttl=60.0001", T0 + 60_001],
      ["t2", "?ttl=100.123456", T0 + 100_124],
      ["t3", `?expires_at=${T0 / 1000 + 1000}.0001`, T0 + 1_000_001],
    ] as const) {
      expect((await call("PUT", value(key, query), Buffer.from("x"))).status).toBe(200);
      const read = await call("GET", value(key));
      expect(read.headers["x-yourspace-expires-at"]).toBe(new Date(expiresAt).toISOString());
    }
    expect((await call("POST", paths.counter("local", "default", "c"), '{"ttl":60.0001}')).status).toBe(200);
    const bulk = await call(
      "POST",
      paths.bulkPut("local", "default"),
      JSON.stringify({
        entries: [
          { key: "b1", value: "x", expiration_ttl: 60.0001 },
          { key: "b2", value: "x" },
        ],
      }),
    );
    expect(bulk.status, JSON.stringify(bulk.json)).toBe(200);
    expect((await call("GET", value("b1"))).headers["x-yourspace-expires-at"]).toBe(new Date(T0 + 60_001).toISOString());
    expect((await call("GET", value("b2"))).status).toBe(200);
  });
});

describe("a bulk put with conditions", () => {
  it("writes nothing when an entry is invalid, and names the entry", async () => {
    const { call, value } = await serve();
    const bulk = (entries: unknown[], dryRun = false) => call("POST", paths.bulkPut("local", "default"), JSON.stringify({ entries, dryRun }));
    for (const [bad, code] of [
      [{ key: "q2", value: "x", only_if: { version: "zz" } }, "USAGE"],
      [{ key: "q2", value: "x", only_if: { version: null }, expiration_ttl: 5 }, "INVALID_EXPIRY"],
      // Invalid only once the write's time is known: an absolute expiry in the past.
      [{ key: "q2", value: "x", only_if: { version: null }, expiration: 1 }, "INVALID_EXPIRY"],
    ] as const) {
      for (const dryRun of [false, true]) {
        const res = await bulk([{ key: "q1", value: "x" }, bad], dryRun);
        expect(res.status, JSON.stringify(res.json)).toBe(400);
        expect(res.json).toMatchObject({ code, details: { key: "q2", index: 1 } });
        expect(res.json!.message).toContain('index 1 of the batch (key "q2")');
      }
      expect((await call("GET", value("q1"))).status).toBe(404);
    }
    // An invalid entry in a batch without conditions still fails alone.
    const alone = await bulk([
      { key: "q1", value: "x" },
      { key: "q2", value: "x", expiration_ttl: 5 },
    ]);
    expect(alone.status).toBe(200);
    expect((await call("GET", value("q1"))).status).toBe(200);
  });
});

describe("deleting a key that has expired", () => {
  it("reports it missing, with no version: nothing was deleted", async () => {
    const { call, value, clock } = await serve();
    for (const key of ["e1", "e2"]) expect((await call("PUT", value(key, "?ttl=60"), Buffer.from("x"))).status).toBe(200);
    clock.advance(61_000);
    expect((await call("DELETE", value("e1", "?force=true"))).json).toEqual({ deleted: [], missing: ["e1"], version: null });
    const bulk = await call("POST", paths.bulkDelete("local", "default"), JSON.stringify({ keys: ["e2"], force: true }));
    expect(bulk.json).toEqual({ deleted: [], missing: ["e2"], version: null });
  });
});

describe("metadata and values that would be stored as something else", () => {
  it("are refused: a number JSON cannot hold, bytes that are not UTF-8, a lone surrogate", async () => {
    const { call, value } = await serve();
    const header = (bytes: Buffer) => ({ "x-yourspace-metadata": bytes.toString("base64url") });
    for (const bytes of [Buffer.from('{"x":1e400}'), Buffer.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), Buffer.from('{"x":"\\ud800"}')]) {
      const res = await call("PUT", value("m"), Buffer.from("v"), header(bytes));
      expect(res.status, bytes.toString("latin1")).toBe(400);
      expect(res.json!.code).toBe("INVALID_METADATA");
    }
    expect((await call("GET", value("m"))).status).toBe(404);
    // Written by hand: JSON.stringify would not leave the escapes as they are.
    const body =
      '{"entries":[{"key":"b1","value":"x","metadata":{"n":1e400}},{"key":"b2","value":"x","metadata":{"\\ud800":1}},{"key":"b3","value":"\\ud800"}]}';
    const bulk = await call("POST", paths.bulkPut("local", "default"), body);
    expect(bulk.status).toBe(200);
    expect((bulk.json!.results as { outcome: string; error: { code: string } }[]).map((r) => [r.outcome, r.error?.code])).toEqual([
      ["failed", "INVALID_METADATA"],
      ["failed", "INVALID_METADATA"],
      ["failed", "USAGE"],
    ]);
  });
});

describe("a counter's by", () => {
  it("is taken only as a counter is stored, and anything else that is a number or text is USAGE", async () => {
    const { call } = await serve();
    const incr = (by: unknown) => call("POST", paths.counter("local", "default", "c"), JSON.stringify({ by }));
    for (const by of ["+5", "05", "1e3", " 5", 1.5, "1.5", 2 ** 60]) {
      const res = await incr(by);
      expect(res.status, JSON.stringify(by)).toBe(400);
      expect(res.json!.code, JSON.stringify(by)).toBe("USAGE");
    }
    expect((await incr(true)).json!.code).toBe("MALFORMED_BODY");
    expect((await incr("-5")).json).toMatchObject({ value: "-5" });
    expect((await incr(7)).json).toMatchObject({ value: "2" });
  });
});

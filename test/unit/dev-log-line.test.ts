import { describe, expect, it } from "vitest";
import { kvHeader, logLine } from "../../src/dev/log-line.js";

describe("yourspace dev's log line for a request that failed", () => {
  const failed = {
    method: "GET",
    path: "/boom",
    status: 500,
    ms: 1.25,
    record: { region: "iad", ops: [] },
    error: {
      code: "FUNCTION_ERROR",
      message: "The function of route /boom failed: TypeError: the flag was not\u001b[31m there",
      stack: "TypeError: the flag was not there\n    at explode (functions/lib/explode.ts:2:9)\n    at handler (functions/boom.ts:6:10)",
    },
  };

  it("is followed in the terminal by the error and the function's frames, escaped", () => {
    expect(logLine(failed, false)).toBe(
      [
        "GET /boom 500 1.3ms iad",
        "  ✖ FUNCTION_ERROR: The function of route /boom failed: TypeError: the flag was not\\u001b[31m there",
        "    at explode (functions/lib/explode.ts:2:9)",
        "    at handler (functions/boom.ts:6:10)",
      ].join("\n"),
    );
  });

  it("carries the error under --json", () => {
    expect(JSON.parse(logLine(failed, true))).toMatchObject({ event: "request", status: 500, error: failed.error });
  });

  it("has no region for a request served in none (it named a region there is not)", () => {
    const unknown = { ...failed, status: 400, record: { region: "", ops: [] }, error: { code: "USAGE", message: 'There is no region "mars".' } };
    expect(logLine(unknown, false).split("\n")[0]).toBe("GET /boom 400 1.3ms");
    expect(JSON.parse(logLine(unknown, true))).toMatchObject({ event: "request", status: 400, region: null });
  });

  it("is one line for a request that did not fail", () => {
    expect(logLine({ ...failed, status: 200, error: undefined }, false)).toBe("GET /boom 200 1.3ms iad");
  });
});

describe("yourspace dev's log line for KV operations after a request's answer", () => {
  it("names the request they belong to", () => {
    const late = {
      method: "POST",
      path: "/visit",
      status: 200,
      ms: 0,
      afterAnswer: true,
      record: { region: "fra", ops: [{ op: "put" as const, binding: "default", key: "visits" }] },
    };
    expect(logLine(late, false)).toBe('POST /visit after its answer fra [put "visits"]');
    expect(JSON.parse(logLine(late, true))).toEqual({ event: "afterAnswer", method: "POST", path: "/visit", region: "fra", kv: late.record.ops });
  });
});

describe("yourspace dev's log line for a request its client gave up on", () => {
  const abandoned = { method: "GET", path: "/hang", status: 0, ms: 30_000, record: { region: "iad", ops: [] }, abandoned: true };

  it("says it went unanswered, and why, with no status", () => {
    expect(logLine(abandoned, false)).toBe("GET /hang unanswered 30000ms iad: the client closed the connection");
  });

  it("is an abandoned event under --json", () => {
    expect(JSON.parse(logLine(abandoned, true))).toEqual({ event: "abandoned", method: "GET", path: "/hang", ms: 30_000, region: "iad", kv: [] });
  });
});

describe("the x-yourspace-kv header", () => {
  it("lists the reads that were served, in order, each key percent-encoded; writes and failed reads are not listed", () => {
    const record = {
      region: "sin",
      ops: [
        { op: "get" as const, binding: "default", key: "a/b c", servedFrom: "home" as const, version: "00000000000000000001", stale: false, ageMs: 0 },
        { op: "put" as const, binding: "default", key: "w" },
        { op: "get" as const, binding: "default", key: "gone", error: "PERMISSION_DENIED" },
        { op: "get" as const, binding: "FLAGS", key: "é", servedFrom: "cache" as const, version: null, ageMs: 1200 },
        { op: "get" as const, binding: "default", key: "r", servedFrom: "replica" as const, version: "00000000000000000002", stale: true, ageMs: 35 },
      ],
    };
    expect(kvHeader(record)).toBe(
      "a%2Fb%20c v=00000000000000000001 from=home stale=0 age=0, %C3%A9 v=none from=cache stale=unknown age=1200, r v=00000000000000000002 from=replica stale=1 age=35",
    );
    expect(kvHeader({ region: "iad", ops: [{ op: "put", binding: "default", key: "w" }] })).toBe("");
  });
});

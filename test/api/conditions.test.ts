import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { HttpBackend } from "../../src/client/client.js";
import { KvError } from "../../src/core/errors.js";
import { endpointParts, paths, PRECONDITIONS, type Endpoint } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { rawRequest } from "./raw-http.js";

/**
 * Conditions and counters on the wire: the If-Match / If-None-Match preconditions of a value's PUT and
 * DELETE, the counter route, and what the HTTP client makes of their answers. A real ApiServer on a
 * loopback port over its own store; requests sent raw (undici) where the client would not send them.
 */

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const call = async (method: "GET" | "PUT" | "POST" | "DELETE", path: string, headers: Record<string, string> = {}, body?: string) => {
    const res = await request(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body });
    const text = await res.body.text();
    const isJson = String(res.headers["content-type"] ?? "").startsWith("application/json");
    return { status: res.statusCode, json: isJson ? (JSON.parse(text) as any) : undefined, text };
  };
  const client = await HttpBackend.open({ apiUrl: server.url, token, site: "local", retries: 0 });
  onTestFinished(() => client.close());
  return { server, call, client, token };
}

const value = (key: string) => paths.value("local", "default", key);
const counter = (key: string) => paths.counter("local", "default", key);
const BIN = { "content-type": "application/octet-stream" };

describe("conditional writes over HTTP", () => {
  it("If-None-Match: * writes once, then answers 412 with the catalogue body and details", async () => {
    const { call } = await serve();
    const first = await call("PUT", value("lock"), { ...BIN, "if-none-match": "*" }, "me");
    expect(first.status, first.text).toBe(200);
    const second = await call("PUT", value("lock"), { ...BIN, "if-none-match": "*" }, "you");
    expect(second.status).toBe(412);
    expect(second.json).toEqual({
      code: "CONDITION_FAILED",
      message: `The key "lock" already exists at home (version ${first.json.version}); nothing was written.`,
      hint: expect.any(String),
      details: { key: "lock", expected: null, current: first.json.version },
    });
    expect((await call("GET", value("lock"))).text).toBe("me");
  });

  it('If-Match: "<version>" on PUT and DELETE: the current version succeeds, any other answers 412', async () => {
    const { call } = await serve();
    const v1 = (await call("PUT", value("k"), BIN, "a")).json.version as string;
    const v2 = (await call("PUT", value("k"), { ...BIN, "if-match": `"${v1}"` }, "b")).json.version as string;
    expect(v2 > v1).toBe(true);
    const stale = await call("PUT", value("k"), { ...BIN, "if-match": `"${v1}"` }, "c");
    expect(stale.status).toBe(412);
    expect(stale.json.details).toEqual({ key: "k", expected: v1, current: v2 });
    expect((await call("DELETE", value("k"), { "if-match": `"${v1}"` })).status).toBe(412);
    expect((await call("GET", value("k"))).text).toBe("b");
    const removed = await call("DELETE", value("k"), { "if-match": ` "${v2}" ` });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.json).toMatchObject({ deleted: ["k"], missing: [] });
    expect((await call("DELETE", value("k"), { "if-match": `"${v2}"` })).json.details).toEqual({ key: "k", expected: v2, current: null });
  });

  it("malformed preconditions answer 400 BAD_HEADER and write nothing", async () => {
    const { server, call } = await serve();
    const v = (await call("PUT", value("k"), BIN, "a")).json.version as string;
    const before = server.engine.homeSeq();
    const bad: [string, Record<string, string>][] = [
      ["PUT", { "if-match": v }],
      ["PUT", { "if-match": "*" }],
      ["PUT", { "if-match": `W/"${v}"` }],
      ["PUT", { "if-match": `"${v}", "${v}"` }],
      ["PUT", { "if-match": '"0000000000000000000A"' }],
      ["PUT", { "if-match": '"latest"' }],
      ["PUT", { "if-match": "" }],
      ["PUT", { "if-none-match": `"${v}"` }],
      ["PUT", { "if-none-match": "**" }],
      ["PUT", { "if-match": `"${v}"`, "if-none-match": "*" }],
      ["DELETE", { "if-match": "nope" }],
    ];
    for (const [method, headers] of bad) {
      const res = await call(method as "PUT" | "DELETE", value("k"), { ...BIN, ...headers }, method === "PUT" ? "b" : undefined);
      expect(res.status, `${method} ${JSON.stringify(headers)}: ${res.text}`).toBe(400);
      expect(res.json.code, JSON.stringify(headers)).toBe("BAD_HEADER");
    }
    // The headers named as HTTP writes them, whatever case they were sent in.
    const messageOf = async (headers: Record<string, string>) => (await call("PUT", value("k"), { ...BIN, ...headers }, "b")).json.message as string;
    expect(await messageOf({ "if-match": "*" })).toBe('If-Match must be one quoted version, "<20 hex digits>", not "*".');
    expect(await messageOf({ "if-none-match": "**" })).toBe('If-None-Match must be *, not "**".');
    expect(await messageOf({ "if-match": `"${v}"`, "if-none-match": "*" })).toBe("Give If-Match or If-None-Match, not both.");
    // Well formed, but meaningless for a removal: refused as every target refuses it.
    const absent = await call("DELETE", value("k"), { "if-none-match": "*" });
    expect(absent.status, absent.text).toBe(400);
    expect(absent.json.code).toBe("USAGE");
    expect(server.engine.homeSeq()).toBe(before);
    expect((await call("GET", value("k"))).text).toBe("a");
  });

  it("If-Match or If-None-Match sent on two lines answers 400 BAD_HEADER, whichever line holds the current version", async () => {
    const { server, token } = await serve();
    const v = server.engine.put("local", "default", "k", { value: Buffer.from("a") }).version;
    const host = new URL(server.url).host;
    const put = (lines: string[]) =>
      rawRequest(
        server.url,
        `PUT ${value("k")} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n${lines.map((l) => `${l}\r\n`).join("")}Content-Length: 1\r\nConnection: close\r\n\r\nb`,
      );
    const stale = '"00000000000000000001"';
    for (const lines of [
      [`If-Match: "${v}"`, `If-Match: ${stale}`],
      [`If-Match: ${stale}`, `If-Match: "${v}"`],
      [`if-match: "${v}"`, `IF-MATCH: "${v}"`],
      ["If-None-Match: *", "If-None-Match: *"],
    ]) {
      const res = await put(lines);
      expect(res.status, `${lines.join(", ")}: ${res.body.toString()}`).toBe(400);
      const { code, message } = res.json as { code: string; message: string };
      expect(code).toBe("BAD_HEADER");
      // Named as HTTP writes it, not in the case this request's second line happened to use.
      expect(message).toMatch(/^If-(None-)?Match is sent on more than one line;/);
    }
    expect(server.engine.get("local", "default", "k").entry?.version).toBe(v);
  });

  it("every route that takes no precondition refuses one with 400 BAD_HEADER and does nothing", async () => {
    const { server, call } = await serve();
    server.engine.put("local", "default", "k", { value: Buffer.from("1") });
    const before = server.engine.homeSeq();
    const refused: Endpoint[] = [];
    for (const [endpoint, takes] of Object.entries(PRECONDITIONS) as [Endpoint, boolean][]) {
      if (takes) continue;
      const [method, name] = endpointParts(endpoint);
      const path = (paths[name] as (...a: string[]) => string)(...(name.startsWith("emulator") || name === "whoami" ? [] : ["local", "default", "k"]));
      const headers: Record<string, string>[] = [{ "if-match": '"00000000000000000001"' }, { "if-none-match": "*" }];
      for (const header of headers) {
        const res = await call(method as "GET", path, { "content-type": "application/json", ...header }, method === "GET" ? undefined : "{}");
        expect(res.status, `${endpoint} ${JSON.stringify(header)}: ${res.text}`).toBe(400);
        expect(res.json.code).toBe("BAD_HEADER");
      }
      refused.push(endpoint);
    }
    expect(refused).toContain("POST counter");
    expect(server.engine.homeSeq()).toBe(before);
  });

  it("a namespace's removal, a counter and bulk writes with a precondition are refused, not done blind", async () => {
    const { server, call } = await serve();
    await call("POST", paths.namespaces("local"), { "content-type": "application/json" }, JSON.stringify({ name: "flags" }));
    const cur = server.engine.put("local", "default", "c", { value: Buffer.from("10") }).version;
    const json = { "content-type": "application/json" };
    const stale = { "if-match": '"00000000000000000001"' };
    expect((await call("DELETE", paths.namespace("local", "flags"), stale)).status).toBe(400);
    expect((await call("POST", counter("c"), stale)).status).toBe(400);
    expect((await call("POST", counter("c"), { "if-none-match": "*" })).status).toBe(400);
    expect((await call("POST", counter("c"), { "if-match": `"${cur}"` })).status).toBe(400);
    const entries = JSON.stringify({ entries: [{ key: "n", value: "v" }] });
    expect((await call("POST", paths.bulkPut("local", "default"), { ...json, ...stale }, entries)).status).toBe(400);
    const keys = JSON.stringify({ keys: ["c"] });
    expect((await call("POST", paths.bulkDelete("local", "default"), { ...json, ...stale }, keys)).status).toBe(400);
    expect((await call("GET", paths.namespaces("local"))).json.namespaces.map((n: { name: string }) => n.name)).toContain("flags");
    expect(server.engine.get("local", "default", "c").entry?.value.toString()).toBe("10");
    expect(server.engine.get("local", "default", "n").entry).toBeNull();
  });

  it("a precondition is part of what an Idempotency-Key stands for", async () => {
    const { call } = await serve();
    const v = (await call("PUT", value("k"), BIN, "a")).json.version as string;
    const key = { "idempotency-key": "3b1f7a4e-0c55-4f43-9d4b-6f1f0d3c2a10" };
    expect((await call("PUT", value("k"), { ...BIN, ...key, "if-match": `"${v}"` }, "b")).status).toBe(200);
    expect((await call("PUT", value("k"), { ...BIN, ...key, "if-none-match": "*" }, "b")).json.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // The same request again gets the first answer, although its condition no longer holds.
    expect((await call("PUT", value("k"), { ...BIN, ...key, "if-match": `"${v}"` }, "b")).status).toBe(200);
  });
});

describe("counters over HTTP", () => {
  it("POST …/counters/{key}: no body adds 1; by as a string or a safe integer; the answer's value is a string", async () => {
    const { call } = await serve();
    expect((await call("POST", counter("a/b"))).json).toEqual({ value: "1", version: expect.any(String), region: "iad" });
    expect((await call("POST", counter("a/b"), { "content-type": "application/json" }, '{"by":"-3"}')).json.value).toBe("-2");
    expect((await call("POST", counter("a/b"), { "content-type": "application/json" }, '{"by":10}')).json.value).toBe("8");
    expect((await call("GET", value("a/b"))).text).toBe("8");
    // A key that ends in what looks like a route stays a key.
    expect((await call("POST", counter("x/incr"))).json.value).toBe("1");
    expect((await call("GET", value("x/incr"))).text).toBe("1");
  });

  it("refusals: a bad by (400), a value that is not a counter (409 with details), an overflow (409)", async () => {
    const { call } = await serve();
    const json = { "content-type": "application/json" };
    for (const body of ['{"by":"1.5"}', '{"by":"0"}', '{"by":"99999999999999999999"}', '{"by":1.5}', '{"per":1}', "[]"]) {
      const res = await call("POST", counter("c"), json, body);
      expect(res.status, `${body}: ${res.text}`).toBe(400);
      expect(["USAGE", "MALFORMED_BODY"], body).toContain(res.json.code);
    }
    // Numbers refused by what they are, never "must be a number, not a number".
    const infinite = await call("POST", counter("c"), json, '{"ttl":1e400}');
    expect([infinite.status, infinite.json.code]).toEqual([400, "MALFORMED_BODY"]);
    expect(infinite.json.message).toMatch(/"ttl" must be a number, not a number beyond a 64-bit float \(read as infinite\)\.$/);
    const inexact = await call("POST", counter("c"), json, '{"by":1152921504606846976}');
    expect([inexact.status, inexact.json.code, inexact.json.message]).toEqual([
      400,
      "USAGE",
      '"by" is 1152921504606846976, beyond 2^53 − 1, where a number is not exact.',
    ]);
    expect((await call("GET", value("c"))).status).toBe(404);
    const name = (await call("PUT", value("name"), BIN, "alice")).json.version as string;
    const notCounter = await call("POST", counter("name"));
    expect(notCounter.status).toBe(409);
    expect(notCounter.json).toMatchObject({ code: "NOT_A_COUNTER", details: { key: "name", version: name } });
    await call("PUT", value("max"), BIN, "9223372036854775807");
    const overflow = await call("POST", counter("max"));
    expect(overflow.status).toBe(409);
    expect(overflow.json.code).toBe("COUNTER_OVERFLOW");
    expect((await call("GET", value("max"))).text).toBe("9223372036854775807");
  });

  it("the HTTP client gives the same results and typed errors, details included", async () => {
    const { client } = await serve();
    expect(await client.incr("default", "n", { by: 5n })).toMatchObject({ value: "5", region: "iad" });
    const first = await client.put("default", "lock", { value: Buffer.from("me") }, { onlyIf: { version: null } });
    const failed = await client.put("default", "lock", { value: Buffer.from("you") }, { onlyIf: { version: null } }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(KvError);
    expect(failed).toMatchObject({ code: "CONDITION_FAILED", exitCode: 7, details: { key: "lock", expected: null, current: first.version } });
    // A dry run with a condition says what home would do, and removes nothing.
    await expect(client.delete("default", ["lock"], { force: false, dryRun: true, onlyIf: { version: "00000000000000000001" } })).rejects.toMatchObject({
      code: "CONDITION_FAILED",
      details: { key: "lock", expected: "00000000000000000001", current: first.version },
    });
    expect(await client.delete("default", ["lock"], { force: false, dryRun: true, onlyIf: { version: first.version } })).toEqual({
      deleted: ["lock"],
      missing: [],
      version: null,
    });
    await expect(client.put("default", "lock", { value: Buffer.from("x") }, { onlyIf: { version: "latest" } })).rejects.toMatchObject({ code: "USAGE" });
    const removed = await client.delete("default", ["lock"], { force: false, onlyIf: { version: first.version } });
    expect(removed).toMatchObject({ deleted: ["lock"], missing: [] });
    await expect(client.delete("default", ["a", "b"], { force: false, onlyIf: { version: first.version } })).rejects.toMatchObject({ code: "USAGE" });
    const outcomes = await client.bulkPut(
      "default",
      [
        { key: "n", value: Buffer.from("x") },
        { key: "fresh", value: Buffer.from("y") },
      ],
      { ifAbsent: true },
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(["skipped", "created"]);
  });

  it("a bulk write's entries may carry conditions (only_if): one that fails fails the batch, which writes nothing and names every failure", async () => {
    const { call, client } = await serve();
    const lock = await client.put("default", "lock", { value: Buffer.from("me") });
    const entries = [
      { key: "a", value: Buffer.from("1"), onlyIf: { version: null } },
      { key: "lock", value: Buffer.from("you"), onlyIf: { version: null } },
      { key: "b", value: Buffer.from("2"), onlyIf: { version: "00000000000000000009" } },
    ];
    const failed = await client.bulkPut("default", entries).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: "CONDITION_FAILED",
      exitCode: 7,
      details: {
        failed: [
          { key: "lock", expected: null, current: lock.version },
          { key: "b", expected: "00000000000000000009", current: null },
        ],
      },
    });
    expect((await call("GET", value("a"))).status).toBe(404);
    const written = await client.bulkPut("default", [entries[0]!, { ...entries[1]!, onlyIf: { version: lock.version } }]);
    expect(written.map((o) => o.outcome)).toEqual(["created", "updated"]);
    // On the wire: "only_if" beside the entry's fields; a malformed one fails the batch, which has
    // conditions and so is all or nothing, naming the entry.
    const json = { "content-type": "application/json" };
    const raw = await call(
      "POST",
      paths.bulkPut("local", "default"),
      json,
      JSON.stringify({ entries: [{ key: "c", value: "3", only_if: { version: "latest" } }] }),
    );
    expect(raw.status).toBe(400);
    expect(raw.json).toMatchObject({ code: "USAGE", message: expect.stringContaining('"latest" is not a version'), details: { key: "c", index: 0 } });
    const shape = await call("POST", paths.bulkPut("local", "default"), json, JSON.stringify({ entries: [{ key: "c", value: "3", only_if: "*" }] }));
    expect(shape.json).toMatchObject({ code: "USAGE", details: { key: "c", index: 0 } });
  });
});

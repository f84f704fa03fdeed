import { once } from "node:events";
import type { Server } from "node:http";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { HEADERS, paths, STATUS } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { ERROR_EXIT, type ErrorCode } from "../../src/core/errors.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { rawConnect, rawRequest, type RawResponse } from "./raw-http.js";

/**
 * Bad input at the API, against a real ApiServer on a loopback port: every refusal is a structured
 * JSON error {code, message, hint}, the body is not read past a limit, and the server keeps serving.
 */

async function serve(options: { requestTimeoutMs?: number } = {}) {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0), ...options });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const host = new URL(server.url).host;
  const auth = `Bearer ${token}`;
  /** Proves the server is still up and serving: an authenticated request succeeds. */
  const stillUp = async () => {
    const r = await request(`${server.url}/v1/whoami`, { headers: { authorization: auth } });
    expect(r.statusCode).toBe(200);
    expect(((await r.body.json()) as { site: string }).site).toBe("local");
  };
  return { server, token, auth, host, stillUp };
}

/** Every error body: exactly {code, message, hint}, a known code, a non-empty message. */
function expectErrorBody(body: unknown, code: ErrorCode): void {
  expect(body, JSON.stringify(body)).toEqual({
    code,
    message: expect.any(String),
    hint: expect.toSatisfy((h: unknown) => h === null || typeof h === "string"),
  });
  const b = body as { code: string; message: string };
  expect(b.code in ERROR_EXIT).toBe(true);
  expect(b.message.length).toBeGreaterThan(0);
}

async function expectError(res: { statusCode: number; headers: Record<string, unknown>; body: { text(): Promise<string> } }, status: number, code: ErrorCode) {
  const text = await res.body.text();
  expect(res.statusCode, text).toBe(status);
  expect(String(res.headers["content-type"])).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { code: ErrorCode; message: string; hint: string | null };
  expectErrorBody(body, code);
  return body;
}

function expectRawError(res: RawResponse, status: number, code: ErrorCode) {
  expect(res.status, res.body.toString()).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expectErrorBody(res.json, code);
  return res.json as { code: ErrorCode; message: string; hint: string | null };
}

const NS = paths.namespaces("local");
const VALUE = paths.value("local", "default", "k");

describe("bad requests get structured errors and the server stays up", () => {
  it("malformed JSON: 400 MALFORMED_BODY", async () => {
    const { server, auth, stillUp } = await serve();
    for (const [path, body] of [
      [NS, "{not json"],
      [NS, ""],
      [NS, '{"name": 42}'],
      [NS, "[]"],
      [NS, "null"],
      [paths.bulkDelete("local", "default"), '{"keys": "k"}'],
      [paths.bulkDelete("local", "default"), '{"keys": [1, 2]}'],
      [paths.bulkDelete("local", "default"), "{"],
    ] as const) {
      const res = await request(`${server.url}${path}`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body });
      await expectError(res, 400, "MALFORMED_BODY");
    }
    await stillUp();
  });

  it("a cursor is taken only by the route, namespace and prefix that answered it", async () => {
    const { server, auth } = await serve();
    for (const k of ["m1", "m2", "m3"]) server.engine.put("local", "default", k, { value: Buffer.from("v") });
    server.engine.createNamespace("local", "other");
    const call = async (method: "GET" | "POST", path: string, body?: unknown) => {
      const res = await request(`${server.url}${path}`, {
        method,
        headers: { authorization: auth, ...(body !== undefined && { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, json: (await res.body.json()) as { code?: string; cursor: string } };
    };
    const listed = await call("GET", `${paths.keys("local", "default")}?prefix=m&limit=1`);
    expect(listed.json.cursor).toEqual(expect.any(String));
    // A listing's cursor, given to a removal: refused, and nothing removed.
    const removal = await call("POST", paths.deletePrefix("local", "default"), { prefix: "m", cursor: listed.json.cursor });
    expect([removal.status, removal.json.code]).toEqual([400, "INVALID_CURSOR"]);
    expect(["m1", "m2", "m3"].map((k) => server.engine.get("local", "default", k).entry !== null)).toEqual([true, true, true]);
    // The listing's cursor in another namespace, with the same prefix: refused too.
    const elsewhere = await call("GET", `${paths.keys("local", "other")}?prefix=m&cursor=${listed.json.cursor}`);
    expect([elsewhere.status, elsewhere.json.code]).toEqual([400, "INVALID_CURSOR"]);
    // A cursor of the time before cursors named their route ({p, k}): a listing takes it, a removal does not.
    const old = Buffer.from(JSON.stringify({ p: "m", k: "m1" })).toString("base64url");
    const oldListed = await call("GET", `${paths.keys("local", "default")}?prefix=m&cursor=${old}`);
    expect(oldListed.status).toBe(200);
    const oldRemoval = await call("POST", paths.deletePrefix("local", "default"), { prefix: "m", cursor: old });
    expect([oldRemoval.status, oldRemoval.json.code]).toEqual([400, "INVALID_CURSOR"]);
    // A removal's own cursor goes on; a listing refuses it.
    const step = server.engine.deletePrefixStep("local", "default", "m", { cursor: null, limit: 1 });
    expect(step.cursor).toEqual(expect.any(String));
    const listedFrom = await call("GET", `${paths.keys("local", "default")}?prefix=m&cursor=${step.cursor}`);
    expect([listedFrom.status, listedFrom.json.code]).toEqual([400, "INVALID_CURSOR"]);
    const next = await call("POST", paths.deletePrefix("local", "default"), { prefix: "m", cursor: step.cursor });
    expect(next.status).toBe(200);
    expect(["m1", "m2", "m3"].map((k) => server.engine.get("local", "default", k).entry)).toEqual([null, null, null]);
  });

  it("a prefix's removal: a bad cursor, a missing prefix or fields of the wrong type are refused, and remove nothing", async () => {
    const { server, auth, stillUp } = await serve();
    const path = paths.deletePrefix("local", "default");
    const post = (body: string) =>
      request(`${server.url}${path}`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body });
    for (const k of ["a/1", "a/2", "b/1"])
      await request(`${server.url}${paths.value("local", "default", k)}`, { method: "PUT", headers: { authorization: auth }, body: "v" });
    const otherPrefix = Buffer.from(JSON.stringify({ p: "b/", k: "b/1" })).toString("base64url");
    const outside = Buffer.from(JSON.stringify({ p: "a/", k: "b/1" })).toString("base64url");
    for (const cursor of ["garbage!", "", otherPrefix, outside, Buffer.from("[1,2]").toString("base64url")])
      await expectError(await post(JSON.stringify({ prefix: "a/", cursor })), 400, "INVALID_CURSOR");
    for (const body of [
      "{}",
      '{"cursor": null}',
      '{"prefix": null}',
      '{"prefix": 1}',
      '{"prefix": ["a/"]}',
      '{"prefix": "a/", "cursor": 7}',
      '{"prefix": "a/", "limit": 5}',
      '{"prefix": "a/", "dryRun": "yes"}',
      '"a/"',
    ])
      await expectError(await post(body), 400, "MALFORMED_BODY");
    const ghost = await request(`${server.url}${paths.deletePrefix("local", "ghost")}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: '{"prefix": "a/"}',
    });
    await expectError(ghost, 404, "NAMESPACE_NOT_FOUND");
    expect(server.engine.list("local", "default", { prefix: "", limit: 10 }).keys.map((k) => k.key)).toEqual(["a/1", "a/2", "b/1"]);
    // A dry run answers what the step would remove and removes nothing; a read-only token may not ask.
    const dry = await post('{"prefix": "a/", "cursor": null, "dryRun": true}');
    expect([dry.statusCode, await dry.body.json()]).toEqual([200, { removed: 2, cursor: null }]);
    expect(server.engine.list("local", "default", { prefix: "", limit: 10 }).keys.map((k) => k.key)).toEqual(["a/1", "a/2", "b/1"]);
    const readOnly = server.tokens.create({ site: "local", access: "read-only" }).token;
    const refused = await request(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${readOnly}`, "content-type": "application/json" },
      body: '{"prefix": "a/", "dryRun": true}',
    });
    await expectError(refused, 403, "PERMISSION_DENIED");
    // And a good one, answered as the contract says.
    const res = await post('{"prefix": "a/", "cursor": null}');
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ removed: 2, cursor: null });
    await stillUp();
  });

  it("a JSON body with the wrong or no content type: 400 BAD_HEADER", async () => {
    const { server, auth, stillUp } = await serve();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
      const res = await request(`${server.url}${NS}`, {
        method: "POST",
        headers: { authorization: auth, ...(type && { "content-type": type }) },
        body: '{"name":"ok"}',
      });
      const body = await expectError(res, 400, "BAD_HEADER");
      expect(body.message).toContain("Content-Type must be application/json");
    }
    await stillUp();
  });

  it("a PUT declaring a 2 MiB Content-Length is refused with 413 before its body is sent", async () => {
    const { server, auth, host, stillUp } = await serve();
    const c = await rawConnect(server.url);
    // Only the head goes out; the server must answer without waiting for a byte of the body.
    await c.write(
      `PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${2 * 1_048_576}\r\n\r\n`,
    );
    const res = await c.response;
    const body = expectRawError(res, 413, "VALUE_TOO_LARGE");
    expect(body.message).toBe("The value is 2,097,152 bytes; the limit is 1,048,576 bytes (1 MiB).");
    expect(c.socket.bytesWritten).toBeLessThan(1024);
    // A JSON body over its own limit is refused the same way.
    const ns = await rawConnect(server.url);
    await ns.write(
      `POST ${NS} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1_048_576}\r\n\r\n`,
    );
    expectRawError(await ns.response, 413, "BODY_TOO_LARGE");
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  it("a chunked body that streams past 1 MiB gets 413 without the server waiting for its end", async () => {
    const { server, auth, host, stillUp } = await serve();
    const c = await rawConnect(server.url);
    // Connection: close, so that the server drops the connection after answering (see the keep-alive bug below).
    await c.write(
      `PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let answered = false;
    void c.response.then(() => (answered = true));
    // 17 chunks of 64 KiB: 1 MiB + 64 KiB, and never the terminating chunk. Once the server has answered
    // it may stop reading, so each write races the answer rather than waiting for the socket to drain.
    for (let i = 0; i < 17 && !answered; i++) {
      await Promise.race([c.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])).catch(() => {}), c.response]);
    }
    const body = expectRawError(await c.response, 413, "VALUE_TOO_LARGE");
    // The size is what had arrived when the limit was crossed: past 1 MiB, by at most the piece the
    // last read brought (however the socket split the 64 KiB chunks).
    const match = /^The value is ([\d,]+) bytes; the limit is 1,048,576 bytes \(1 MiB\)\.$/.exec(body.message);
    expect(match, body.message).not.toBeNull();
    const size = Number(match![1]!.replaceAll(",", ""));
    expect(size).toBeGreaterThan(1_048_576);
    expect(size).toBeLessThanOrEqual(17 * 64 * 1024);
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  // BUG: after refusing a streamed (chunked) body that runs past the limit, the server answers with
  // "Connection: keep-alive" but stops reading the connection: a follow-up request on it is never answered,
  // and ApiServer.stop() (so SIGTERM on `kv emulator start`) waits for the keep-alive timeout, about 6 s,
  // even after the client has gone. Repro: the test above without "Connection: close", then server.stop().
  it("after refusing a streamed body past the limit, the server closes the connection", async () => {
    const { server, auth, host } = await serve();
    // Cleanup only: drop the connection the server holds, so the stop() above does not wait for it.
    onTestFinished(() => (server as unknown as { server: Server }).server.closeAllConnections());
    const c = await rawConnect(server.url);
    await c.write(`PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let answered = false;
    void c.response.then(() => (answered = true));
    for (let i = 0; i < 17 && !answered; i++) {
      await Promise.race([c.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])).catch(() => {}), c.response]);
    }
    const res = await c.response;
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe("close");
  });

  it("a chunked body of exactly 1 MiB is accepted", async () => {
    const { server, auth, host, stillUp } = await serve();
    const c = await rawConnect(server.url);
    await c.write(`PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    for (let i = 0; i < 16; i++) await c.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]));
    await c.write("0\r\n\r\n");
    const res = await c.response;
    expect(res.status, res.body.toString()).toBe(200);
    expect(res.json).toEqual({ version: "00000000000000000001", region: "iad" });
    await stillUp();
  });

  it("a bad Content-Length: a JSON 400", async () => {
    const { server, auth, host, stillUp } = await serve();
    for (const length of ["abc", "-1", "1, 2", "12abc"]) {
      const res = await rawRequest(server.url, `PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Length: ${length}\r\n\r\n`);
      expectRawError(res, 400, "BAD_HEADER");
    }
    // Two different lengths: request smuggling territory; refused as well.
    const res = await rawRequest(
      server.url,
      `PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    );
    expectRawError(res, 400, "BAD_HEADER");
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  it("unknown routes: 404 NOT_FOUND", async () => {
    const { server, auth, stillUp } = await serve();
    for (const path of [
      "/",
      "/v2/whoami",
      "/v1",
      "/v1/nothing",
      "/v1/sites/local/nothing-here",
      "/v1/sites/local/namespaces/default/nothing-here",
      "/favicon.ico",
    ]) {
      const res = await request(`${server.url}${path}`, { headers: { authorization: auth } });
      const body = await expectError(res, 404, "NOT_FOUND");
      expect(body.message).toContain("There is no route");
    }
    // With no token at all, an unknown route is still a structured 404.
    await expectError(await request(`${server.url}/nowhere`), 404, "NOT_FOUND");
    await stillUp();
  });

  it("a wrong method: 405 METHOD_NOT_ALLOWED with an Allow header", async () => {
    const { server, auth, stillUp } = await serve();
    for (const [method, path, allow] of [
      ["POST", "/v1/whoami", "GET"],
      ["DELETE", "/v1/whoami", "GET"],
      ["PATCH", NS, "GET, POST"],
      ["PUT", NS, "GET, POST"],
      ["POST", VALUE, "GET, PUT, DELETE"],
      ["PATCH", VALUE, "GET, PUT, DELETE"],
      ["GET", paths.bulkDelete("local", "default"), "POST"],
      ["PUT", paths.keys("local", "default"), "GET"],
      ["GET", paths.namespace("local", "default"), "DELETE"],
    ] as const) {
      const res = await request(`${server.url}${path}`, { method, headers: { authorization: auth } });
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      await expectError(res, 405, "METHOD_NOT_ALLOWED");
    }
    await stillUp();
  });

  it("a client too slow to send its headers gets a JSON 408", async () => {
    const { server, host, stillUp } = await serve({ requestTimeoutMs: 300 });
    const c = await rawConnect(server.url);
    await c.write(`GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\n`);
    const body = expectRawError(await c.response, 408, "REQUEST_TIMEOUT");
    expect(body.message).toBe("The request was not received within 300 ms.");
    await stillUp();
  });

  it("a client too slow to send its body gets a JSON 408 and nothing is stored", async () => {
    const { server, auth, host, stillUp } = await serve({ requestTimeoutMs: 300 });
    const c = await rawConnect(server.url);
    await c.write(`PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Length: 10\r\n\r\nhalf`);
    expectRawError(await c.response, 408, "REQUEST_TIMEOUT");
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  it("a client that goes away halfway through its body stores nothing, and the server keeps serving", async () => {
    const { server, auth, host, stillUp } = await serve();
    const c = await rawConnect(server.url);
    await c.write(`PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Length: 10\r\n\r\nhalf`);
    c.socket.destroy();
    await once(c.socket, "close");
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  it("malformed HTTP gets a JSON 400", async () => {
    const { server, auth, host, stillUp } = await serve();
    for (const head of [
      "GARBAGE\r\n\r\n",
      "GET /v1/whoami HTTP/9.9\r\n\r\n",
      "FROB /v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n",
      `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nBad Header Name: x\r\n\r\n`,
      "\u0000\u0001\u0002\r\n\r\n",
    ]) {
      const res = await rawRequest(server.url, head);
      expect(res.status, JSON.stringify(head)).toBe(400);
      expectRawError(res, 400, "BAD_HEADER");
    }
    // A chunked body that is not chunked encoding, on a route that reads its body.
    const bad = await rawRequest(
      server.url,
      `PUT ${VALUE} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    );
    expectRawError(bad, 400, "BAD_HEADER");
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  // BUG (found by the fuzz test): a request with an Expect header other than 100-continue gets Node's bare
  // "417 Expectation Failed" with an empty chunked body, not a JSON error: the server has no
  // 'checkExpectation' handler. Repro: curl -H 'Expect: bytes=0-1' -H "Authorization: Bearer $T" $URL/v1/whoami
  it("an unsupported Expect header gets a JSON error body", async () => {
    const { server, auth, host, stillUp } = await serve();
    const res = await rawRequest(
      server.url,
      `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nExpect: bytes=0-1\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(417);
    expect(res.headers["content-type"] ?? "(none)").toMatch(/^application\/json/);
    expectErrorBody(res.json, "BAD_HEADER");
    await stillUp();
  });

  // Found by the fuzz test: a valid request followed on the same connection by bytes that are not HTTP
  // (pipelining, or a body sent without Content-Length) used to get the 400 meant for the garbage, and its
  // own answer was lost.
  it("a valid request pipelined before garbage gets its own answer first", async () => {
    const { server, auth, host } = await serve();
    const res = await rawRequest(server.url, `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\n\r\nGARBAGE\r\n\r\n`);
    expect(res.status, res.body.toString()).toBe(200);
    expect(res.json).toMatchObject({ site: "local" });
  });

  it("pipelined valid requests are answered in order", async () => {
    const { server, auth, host } = await serve();
    const c = await rawConnect(server.url);
    const chunks: Buffer[] = [];
    c.socket.on("data", (d: Buffer) => chunks.push(d));
    const closed = new Promise((resolve) => c.socket.once("close", resolve));
    await c.write(
      `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\n\r\n` +
        `GET /nowhere HTTP/1.1\r\nHost: ${host}\r\n\r\n` +
        `GET ${paths.keys("local", "default")} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`,
    );
    await closed;
    const text = Buffer.concat(chunks).toString();
    expect([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))).toEqual([200, 404, 200]);
  });

  it("headers that are too large get a JSON 431", async () => {
    const { server, host, stillUp } = await serve();
    const res = await rawRequest(server.url, `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`);
    expectRawError(res, 431, "BAD_HEADER");
    await stillUp();
  });

  it("bad paths, query parameters and headers on real routes: structured 400s", async () => {
    const { server, auth, stillUp } = await serve();
    const get = (path: string, headers: Record<string, string> = {}) => request(`${server.url}${path}`, { headers: { authorization: auth, ...headers } });
    const put = (path: string, headers: Record<string, string> = {}) =>
      request(`${server.url}${path}`, { method: "PUT", headers: { authorization: auth, ...headers }, body: "v" });
    await expectError(await get(`${paths.keys("local", "default")}?limit=abc`), 400, "INVALID_LIMIT");
    await expectError(await get(`${paths.keys("local", "default")}?limit=0`), 400, "INVALID_LIMIT");
    await expectError(await get(`${paths.keys("local", "default")}?cursor=nope`), 400, "INVALID_CURSOR");
    await expectError(await get(`${paths.keys("local", "default")}?consistency=sometimes`), 400, "USAGE");
    await expectError(await get(`${VALUE}?region=mars`), 400, "USAGE");
    await expectError(await put(`${VALUE}?ttl=soon`), 400, "USAGE");
    await expectError(await put(`${VALUE}?ttl=30`), 400, "INVALID_EXPIRY");
    await expectError(await put(`${VALUE}?expires_at=-5`), 400, "USAGE");
    await expectError(await put(VALUE, { [HEADERS.metadata]: "!!not base64 json!!" }), 400, "INVALID_METADATA");
    await expectError(await put(VALUE, { [HEADERS.metadata]: Buffer.from("[1]").toString("base64url") }), 400, "INVALID_METADATA");
    await expectError(await put(`/v1/sites/local/namespaces/default/values/${"k".repeat(513)}`), 400, "INVALID_KEY");
    // A path that does not percent-decode is refused by the router as a bad URL.
    await expectError(await get("/v1/sites/local/namespaces/default/values/%E0%A4%A"), 400, "BAD_HEADER");
    await expectError(await get("/v1/sites/%zz/namespaces"), 400, "BAD_HEADER");
    const bulk = await request(`${server.url}${paths.bulkDelete("local", "default")}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) }),
    });
    await expectError(bulk, 413, "BODY_TOO_LARGE");
    await stillUp();
    expect(server.engine.homeSeq()).toBe(0);
  });

  it("a query parameter that does not percent-decode as UTF-8 answers 400 BAD_HEADER, as the path does", async () => {
    const { server, auth, stillUp } = await serve();
    server.engine.put("local", "default", "\uFFFDkey", { value: Buffer.from("v") });
    const get = (path: string) => request(`${server.url}${path}`, { headers: { authorization: auth } });
    const keys = paths.keys("local", "default");
    for (const path of [
      `${keys}?prefix=%FF`,
      `${keys}?prefix=%E0%A4`,
      `${keys}?prefix=%ED%A0%80`,
      `${keys}?limit=5&prefix=a%`,
      `${keys}?prefix=%zz`,
      `${keys}?pre%FFfix=a`,
      `${paths.export("local", "default")}?prefix=%FF`,
      `${paths.audit("local")}?key=%FF`,
      `${paths.value("local", "default", "k")}?region=%C0%AF`,
    ]) {
      const body = await expectError(await get(path), 400, "BAD_HEADER");
      expect(body.message, path).toMatch(/percent-encoded/);
    }
    // Valid encoding still decodes: U+FFFD sent as its own UTF-8 finds the key.
    const listed = await get(`${keys}?prefix=%EF%BF%BD`);
    expect(((await listed.body.json()) as { keys: { key: string }[] }).keys.map((k) => k.key)).toEqual(["\uFFFDkey"]);
    await stillUp();
  });

  it("every error status is the catalogue's status for its code", async () => {
    const { server, auth } = await serve();
    const checks: [string, string, ErrorCode][] = [
      ["GET", "/nowhere", "NOT_FOUND"],
      ["POST", "/v1/whoami", "METHOD_NOT_ALLOWED"],
      ["GET", `${paths.keys("local", "default")}?limit=x`, "INVALID_LIMIT"],
      ["GET", paths.value("local", "default", "missing"), "KEY_NOT_FOUND"],
      ["GET", paths.keys("local", "ghost"), "NAMESPACE_NOT_FOUND"],
      ["DELETE", paths.namespace("local", "default"), "NAMESPACE_PROTECTED"],
    ];
    for (const [method, path, code] of checks) {
      const res = await request(`${server.url}${path}`, { method: method as "GET", headers: { authorization: auth } });
      await expectError(res, STATUS[code], code);
    }
  });
});

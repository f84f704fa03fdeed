import { describe, expect, it, onTestFinished } from "vitest";
import { paths } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { parseResponses, rawConnect, rawExchange, type ParsedResponse } from "./raw-http.js";

/**
 * Requests pipelined on one connection, with and without `Expect: 100-continue`, sent byte for byte:
 * the bytes the server sends back must parse as well-formed responses, one per request and in order,
 * with a "100 Continue" only right before the answer of a request that asked for one.
 */

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  return { server, token, host: new URL(server.url).host };
}

/** One request of a pipeline: its bytes, whether it asks for 100-continue, and the status it must get. */
interface Piece {
  name: string;
  bytes: string;
  expects: boolean;
  status: number;
}

function pieces(token: string, host: string): Record<string, (n: number) => Piece> {
  const put = (n: number, expects: boolean, auth: boolean): string =>
    `PUT ${paths.value("local", "default", `k${n}`)} HTTP/1.1\r\nHost: ${host}\r\n${auth ? `Authorization: Bearer ${token}\r\n` : ""}` +
    `Content-Type: application/octet-stream\r\nContent-Length: ${`value-${n}`.length}\r\n${expects ? "Expect: 100-continue\r\n" : ""}\r\nvalue-${n}`;
  return {
    put: (n) => ({ name: "put", bytes: put(n, false, true), expects: false, status: 200 }),
    "put with Expect": (n) => ({ name: "put with Expect", bytes: put(n, true, true), expects: true, status: 200 }),
    "refused put with Expect": (n) => ({ name: "refused put with Expect", bytes: put(n, true, false), expects: true, status: 401 }),
    get: () => ({
      name: "get",
      bytes: `GET ${paths.value("local", "default", "k0")} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      expects: false,
      status: 404,
    }),
    "bulk delete with Expect": () => {
      const body = JSON.stringify({ keys: ["nothing"], force: true });
      return {
        name: "bulk delete with Expect",
        bytes: `POST ${paths.bulkDelete("local", "default")} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n${body}`,
        expects: true,
        status: 200,
      };
    },
  };
}

/**
 * The final answers, in request order, checked against the interim ones: a 100 only right before the
 * answer of a request that asked for one. A request answered with `Connection: close` is the last.
 */
function finalAnswers(responses: ParsedResponse[], sent: Piece[]): ParsedResponse[] {
  const finals: ParsedResponse[] = [];
  let interim = 0;
  for (const r of responses) {
    if (r.status === 100) {
      interim++;
      expect(interim, "two 100s in a row").toBe(1);
      expect(sent[finals.length]?.expects, `a 100 before the answer to ${sent[finals.length]?.name}`).toBe(true);
      continue;
    }
    expect(r.status).toBeGreaterThanOrEqual(200);
    interim = 0;
    finals.push(r);
  }
  expect(interim, "a 100 with no answer after it").toBe(0);
  const closing = finals.findIndex((r) => r.headers.connection === "close");
  expect(closing === -1 || closing === finals.length - 1, "answers after one that closed the connection").toBe(true);
  return finals;
}

describe("pipelined requests", () => {
  it("every pair, with and without Expect: 100-continue, gets its answers in order and nothing else", async () => {
    const { server, token, host } = await serve();
    const kinds = pieces(token, host);
    let n = 0;
    for (const first of Object.keys(kinds)) {
      for (const second of Object.keys(kinds)) {
        const sent = [kinds[first]!(++n), kinds[second]!(++n)];
        const closer = `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
        const stream = await rawExchange(server.url, sent.map((p) => p.bytes).join("") + closer);
        const label = `${first}, then ${second}: ${JSON.stringify(stream.toString("latin1"))}`;
        const finals = finalAnswers(parseResponses(stream), sent);
        // A request refused before its body was read closes the connection: what follows it is not answered.
        const refused = sent.findIndex((p) => p.status === 401);
        const expected = refused === -1 ? [...sent.map((p) => p.status), 200] : sent.slice(0, refused + 1).map((p) => p.status);
        expect(
          finals.map((r) => r.status),
          label,
        ).toEqual(expected);
        for (const r of finals) {
          if (r.status !== 200 || r.headers["content-type"]?.startsWith("application/json")) {
            expect(() => JSON.parse(r.body.toString()), label).not.toThrow();
          }
        }
      }
    }
    expect(server.engine.homeSeq()).toBeGreaterThan(0);
  });

  it("a client that waits for 100 Continue gets it after the answer before it, then sends its body", async () => {
    const { server, token, host } = await serve();
    const kinds = pieces(token, host);
    const first = kinds.put!(1);
    const second = kinds["put with Expect"]!(2);
    const c = await rawConnect(server.url);
    let received = Buffer.alloc(0);
    let arrived = () => {};
    c.socket.on("data", (d: Buffer) => {
      received = Buffer.concat([received, d]);
      arrived();
    });
    const closed = new Promise<void>((resolve) => c.socket.once("close", () => resolve()));
    const headOnly = second.bytes.slice(0, second.bytes.indexOf("\r\n\r\n") + 4);
    await c.write(first.bytes + headOnly);
    // The body goes only once the 100 is in; it must come after the first answer, whole.
    while (!received.toString("latin1").includes("HTTP/1.1 100 Continue\r\n\r\n")) await new Promise<void>((resolve) => (arrived = resolve));
    const upTo100 = parseResponses(received);
    expect(upTo100.map((r) => r.status)).toEqual([200, 100]);
    await c.write(`value-2GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    await closed;
    expect(parseResponses(received).map((r) => r.status)).toEqual([200, 100, 200, 200]);
    expect(server.engine.get("local", "default", "k2").entry?.value.toString()).toBe("value-2");
  });

  it("a request with Expect refused before its body is read gets no 100, and the connection closes", async () => {
    const { server, host } = await serve();
    const c = await rawConnect(server.url);
    // No token: refused before the body is read, so the body is never invited.
    await c.write(`PUT ${paths.value("local", "default", "k")} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    const res = await c.response;
    expect(res.status).toBe(401);
    expect(res.headers.connection).toBe("close");
  });
});

describe("pipelined writes and reads of one key", () => {
  it("each request is handled after the one before it on the connection: as if sent one after another", async () => {
    const { server, token, host } = await serve();
    const auth = `Host: ${host}\r\nAuthorization: Bearer ${token}\r\n`;
    const value = paths.value("local", "default", "k");
    const stream = await rawExchange(
      server.url,
      `PUT ${value} HTTP/1.1\r\n${auth}Content-Length: 2\r\n\r\n10` +
        `POST ${paths.counter("local", "default", "k")} HTTP/1.1\r\n${auth}\r\n` +
        `GET ${value} HTTP/1.1\r\n${auth}\r\n` +
        `DELETE ${value} HTTP/1.1\r\n${auth}Connection: close\r\n\r\n`,
    );
    const [put, incr, get, del] = parseResponses(stream);
    const json = (r: ParsedResponse | undefined) => JSON.parse(r!.body.toString());
    expect([put, incr, get, del].map((r) => r?.status)).toEqual([200, 200, 200, 200]);
    expect(json(incr)).toMatchObject({ value: "11" });
    expect(json(incr).version > json(put).version).toBe(true);
    expect(get!.body.toString()).toBe("11");
    expect(json(del)).toMatchObject({ deleted: ["k"] });
    expect(server.engine.get("local", "default", "k").entry).toBeNull();
  });

  it("every whole request before bytes that are not HTTP gets its answer, in order", async () => {
    const { server, token, host } = await serve();
    const put = (key: string) =>
      `PUT ${paths.value("local", "default", key)} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1\r\n\r\nv`;
    const stream = await rawExchange(server.url, `${put("a")}${put("b")}GARBAGE\r\n\r\n`);
    expect(parseResponses(stream).map((r) => r.status)).toEqual([200, 200]);
    expect(server.engine.get("local", "default", "b").entry?.value.toString()).toBe("v");
  });

  it("a request after one answered with Connection: close is not run", async () => {
    const { server, token, host } = await serve();
    const put = (key: string, auth: string) => `PUT ${paths.value("local", "default", key)} HTTP/1.1\r\nHost: ${host}\r\n${auth}Content-Length: 1\r\n\r\nv`;
    // Refused before its body is read, the first closes the connection: the second is never answered, so never applied.
    const stream = await rawExchange(server.url, put("refused", "") + put("after", `Authorization: Bearer ${token}\r\n`));
    expect(parseResponses(stream).map((r) => r.status)).toEqual([401]);
    expect(server.engine.get("local", "default", "after").entry).toBeNull();
  });
});

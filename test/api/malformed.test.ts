import fc from "fast-check";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { BODIES, ENDPOINTS, HEADERS, STATUS, type Endpoint, type FieldKind, type ROUTES } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { ERROR_EXIT, type ErrorCode } from "../../src/core/errors.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { samplePaths } from "../support/routes.js";
import { parseResponses, rawExchange, type ParsedResponse } from "./raw-http.js";

/**
 * The class of "the server answers every request well-formed": for every endpoint of the contract,
 * malformed bodies, malformed headers, odd methods and odd request targets, sent byte for byte. Each
 * answer must be one well-formed HTTP response; an error is JSON {code, message, hint} with a code of
 * the catalogue and its status; nothing answers 500; and the server keeps serving.
 */

const SEED = Number(process.env.MALFORMED_SEED ?? 16_004);

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  return { server, token, host: new URL(server.url).host };
}

const PATHS = samplePaths("k");

const ALL_ENDPOINTS = (Object.keys(ENDPOINTS) as (keyof typeof ENDPOINTS)[]).flatMap((route) =>
  ENDPOINTS[route].map((method) => `${method} ${route}` as Endpoint),
);

/** A valid body for each endpoint that takes a JSON one: the base that malformed bodies are made from. */
const VALID: Record<keyof typeof BODIES, Record<string, unknown>> = {
  "POST namespaces": { name: "fresh" },
  "POST bulkDelete": { keys: ["k"], force: true },
  "POST deletePrefix": { prefix: "k", cursor: null },
  "POST bulkPut": { entries: [{ key: "k", value: "v" }] },
  "PATCH site": { tier: "free", auditRetentionDays: 30 },
  "PUT bindings": { route: "/r/*", variable: "V", namespace: "default", access: "read-only" },
  "POST counter": { by: "1", ttl: 60 },
  "POST emulatorClock": { mode: "manual" },
  "POST emulatorAdvance": { ms: 1000 },
  "POST emulatorFaults": { command: "partition", region: "fra" },
};

/** Numbers JSON.stringify cannot write: put in the text as they are. */
const RAW_NUMBERS = ["1e400", "-1e400", "9007199254740993", "1e-400", "-0"];
const raw = (n: string) => `@@${n}@@`;
const json = (doc: unknown) => Buffer.from(JSON.stringify(doc).replace(/"@@([^@]+)@@"/g, "$1"));

const WRONG: Record<FieldKind, unknown[]> = {
  string: [1, null, true, [], {}, ["a"], raw("1e400")],
  stringOrNull: [1, true, [], {}, ["a"], raw("1e400")],
  boolean: ["true", 1, 0, null, [], {}],
  number: ["30", null, true, [], {}, raw("1e400"), raw("-1e400")],
  // Of the kind only: a number or a string that is not a signed 64-bit integer is USAGE, as documented (write-validation.test.ts).
  int64: [null, true, [], {}, ["1"]],
  integer: [1.5, "30", null, true, [], {}, raw("9007199254740993"), raw("1e400"), raw("-1e400"), raw("1.0000000000000002")],
  strings: ["k", [1], [null], [["k"]], {}, null, [{}]],
  array: [{}, "x", null, 1, true],
};

/** Bodies no endpoint takes: not objects, not JSON, not UTF-8, or JSON that is merely odd. */
const GENERIC_BODIES: Buffer[] = [
  ...["null", "[]", '""', "1", '"str"', "true", "", " ", "{", '{"a":', "}", "[1,", "NaN", "undefined", "{'a':1}", '{"a":1}{"b":2}', "\u0000"].map((t) =>
    Buffer.from(t),
  ),
  ...RAW_NUMBERS.map((n) => Buffer.from(n)),
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
  Buffer.from(`${"[".repeat(20_000)}${"]".repeat(20_000)}`),
  Buffer.from('{"__proto__":{"admin":true}}'),
  Buffer.from('{"constructor":{"prototype":{}}}'),
];

/** For each endpoint with a JSON body: every field of the wrong kind, each required field missing, an unknown field. */
function shapedBodies(endpoint: keyof typeof BODIES): Buffer[] {
  const { fields } = BODIES[endpoint];
  const base = VALID[endpoint];
  const out: Buffer[] = [
    json({ ...base, unknownField: 1 }),
    json({ ...base, dryrun: true }),
    Buffer.from(JSON.stringify(base).replace(/^\{/, '{"__proto__":null,')),
  ];
  for (const [name, spec] of Object.entries(fields) as [string, { kind: FieldKind; required?: true }][]) {
    for (const wrong of WRONG[spec.kind]) out.push(json({ ...base, [name]: wrong }));
    if (spec.required) {
      const { [name]: _, ...without } = base;
      out.push(json(without));
    }
  }
  return out;
}

const BAD_ENTRIES: unknown[] = [
  null,
  1,
  "x",
  [],
  {},
  { key: 1, value: "v" },
  { key: "k", value: 1 },
  { key: "k" },
  { value: "v" },
  { key: "", value: "v" },
  { key: "k".repeat(600), value: "v" },
  { key: "k", value: "v", expiration: "soon" },
  { key: "k", value: "v", expiration: raw("1e400") },
  { key: "k", value: "v", expiration: -1 },
  { key: "k", value: "v", expiration_ttl: 1 },
  { key: "k", value: "v", expiration_ttl: raw("1e400") },
  { key: "k", value: "v", expiration: 4e9, expiration_ttl: 60 },
  { key: "k", value: "v", metadata: "x" },
  { key: "k", value: "v", metadata: [1] },
  { key: "k", value: "v", metadata: { big: "x".repeat(2000) } },
  { key: "k", value: "v", base64: "yes" },
  { key: "k", value: "%%%", base64: true },
  { key: "k", value: "v", extra: 1 },
  { key: ".", value: "v" },
];

function head(method: string, target: string, host: string | null, headers: Record<string, string>, body?: Buffer): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (host !== null) lines.push(`Host: ${host}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined && !Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h))) lines.push(`Content-Length: ${body.length}`);
  lines.push("Connection: close");
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body ?? Buffer.alloc(0)]);
}

/** The one final answer on a connection, checked: well-formed, never 500, an error of the catalogue with its status. */
async function exchange(url: string, bytes: Buffer, label: string, options: { head?: boolean } = {}): Promise<ParsedResponse> {
  const stream = await rawExchange(url, bytes);
  let responses: ParsedResponse[];
  try {
    responses = parseResponses(stream, options);
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`, { cause: e });
  }
  const finals = responses.filter((r) => r.status >= 200);
  expect(finals.length, `${label}: ${JSON.stringify(stream.toString("latin1"))}`).toBeGreaterThanOrEqual(1);
  for (const res of finals) expectWellFormed(res, label, options.head === true);
  return finals[0]!;
}

/**
 * One expect for an answer, on the list of what is wrong with it: thousands of answers are checked
 * here, and the six expects each took through chai were a second of the file's CPU.
 */
function expectWellFormed(res: ParsedResponse, label: string, isHead: boolean): void {
  const problems = wellFormedProblems(res, isHead);
  expect(problems, `${label}: ${res.status} ${res.body.toString("utf8").slice(0, 300)}`).toEqual([]);
}

/** What is wrong with an answer: nothing, when it is not 500 and an error is JSON {code, message, hint} of the catalogue, with its status. */
function wellFormedProblems(res: ParsedResponse, isHead: boolean): string[] {
  if (res.status === 500) return ["status 500"];
  if (res.status < 400) return [];
  const type = res.headers["content-type"];
  if (type === undefined || !/^application\/json/.test(type)) return [`content-type ${type}, not application/json`];
  if (isHead) return [];
  const body = JSON.parse(res.body.toString("utf8")) as { code: ErrorCode; message: string; hint: string | null };
  const problems: string[] = [];
  const keys = body !== null && typeof body === "object" ? Object.keys(body).sort() : [];
  if (keys.join() !== "code,hint,message") problems.push(`fields ${JSON.stringify(keys)}, not code, hint and message`);
  if (!Object.hasOwn(ERROR_EXIT, body.code)) problems.push(`code ${JSON.stringify(body.code)} is not in the catalogue`);
  if (!(typeof body.message === "string" && body.message.length > 0)) problems.push("no message");
  if (!(body.hint === null || typeof body.hint === "string")) problems.push("a hint neither null nor text");
  // BAD_HEADER also answers 431 (headers too large) and 417 (an expectation not met): the status says which.
  const statuses = body.code === "BAD_HEADER" ? [STATUS.BAD_HEADER, 417, 431] : [STATUS[body.code]];
  if (!statuses.includes(res.status)) problems.push(`status ${res.status} for ${body.code}, not ${statuses.join(" or ")}`);
  return problems;
}

const jsonHeaders = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}`, "Content-Type": "application/json" });

describe("malformed requests on every endpoint get a well-formed answer", () => {
  it("every endpoint, every malformed body: a JSON error of the catalogue, never 500", async () => {
    const { server, token, host } = await serve();
    for (const endpoint of ALL_ENDPOINTS) {
      const [method, route] = endpoint.split(" ") as [string, keyof typeof ROUTES];
      const shaped = endpoint in BODIES ? shapedBodies(endpoint as keyof typeof BODIES) : [];
      for (const [i, body] of [...GENERIC_BODIES, ...shaped].entries()) {
        const label = `${endpoint} with body ${JSON.stringify(body.toString("latin1").slice(0, 80))}`;
        const res = await exchange(server.url, head(method, PATHS[route], host, jsonHeaders(token), body), label);
        // A route with a JSON body refuses every one of these; the others ignore the body.
        if (endpoint in BODIES && !(i < GENERIC_BODIES.length && body.toString() === "{}")) {
          expect(res.status, label).toBe(400);
          expect((JSON.parse(res.body.toString()) as { code: string }).code, label).toBe("MALFORMED_BODY");
        }
      }
    }
    const who = await request(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(who.statusCode).toBe(200);
  });

  it("a bulk put of malformed entries fails each of them, with a catalogued code, and writes nothing", async () => {
    const { server, token, host } = await serve();
    const res = await exchange(server.url, head("POST", PATHS.bulkPut, host, jsonHeaders(token), json({ entries: BAD_ENTRIES })), "bulk put of bad entries");
    expect(res.status).toBe(200);
    const { results } = JSON.parse(res.body.toString()) as { results: { outcome: string; error?: { code: string } }[] };
    expect(results).toHaveLength(BAD_ENTRIES.length);
    for (const [i, r] of results.entries()) {
      expect(r.outcome, JSON.stringify(BAD_ENTRIES[i])).toBe("failed");
      expect(Object.hasOwn(ERROR_EXIT, r.error!.code), JSON.stringify(r)).toBe(true);
    }
    expect(server.engine.homeSeq()).toBe(0);
  });

  it("every endpoint, malformed headers: a JSON error of the catalogue, never 500", async () => {
    const { server, token, host } = await serve();
    const auth = { Authorization: `Bearer ${token}` };
    const variants: [string, string | null, Record<string, string>, Buffer | undefined][] = [
      ["no Host", null, { ...auth }, undefined],
      ["two Hosts", host, { ...auth, Host: "other.example" }, undefined],
      ["Content-Length not a number", host, { ...auth, "Content-Length": "abc" }, Buffer.from("{}")],
      ["Content-Length negative", host, { ...auth, "Content-Length": "-1" }, Buffer.from("{}")],
      ["Content-Length and Transfer-Encoding", host, { ...auth, "Content-Length": "2", "Transfer-Encoding": "chunked" }, Buffer.from("2\r\n{}\r\n0\r\n\r\n")],
      ["Transfer-Encoding gzip", host, { ...auth, "Transfer-Encoding": "gzip" }, Buffer.from("{}")],
      ["a broken chunk", host, { ...auth, "Transfer-Encoding": "chunked", "Content-Type": "application/json" }, Buffer.from("zz\r\n{}\r\n0\r\n\r\n")],
      ["Content-Type text/plain", host, { ...auth, "Content-Type": "text/plain" }, Buffer.from('{"name":"x"}')],
      ["Content-Type with charset latin1", host, { ...auth, "Content-Type": "application/json; charset=latin1" }, Buffer.from('{"name":"x"}')],
      ["no Authorization", host, {}, undefined],
      ["Authorization empty", host, { Authorization: "" }, undefined],
      ["Authorization Bearer alone", host, { Authorization: "Bearer" }, undefined],
      ["Authorization two words", host, { Authorization: `Bearer ${token} extra` }, undefined],
      ["Authorization Basic", host, { Authorization: "Basic dXNlcjpwYXNz" }, undefined],
      ["Authorization lower-case scheme", host, { Authorization: `bearer ${token}` }, undefined],
      ["Authorization of 8 KB", host, { Authorization: `Bearer ${"t".repeat(8_000)}` }, undefined],
      ["Authorization of Latin-1 bytes", host, { Authorization: "Bearer caf\u00e9" }, undefined],
      ["metadata not base64 JSON", host, { ...auth, [HEADERS.metadata]: "!!" }, Buffer.from("v")],
      ["metadata an array", host, { ...auth, [HEADERS.metadata]: Buffer.from("[1]").toString("base64url") }, Buffer.from("v")],
      ["metadata null", host, { ...auth, [HEADERS.metadata]: Buffer.from("null").toString("base64url") }, Buffer.from("v")],
      ["Idempotency-Key empty", host, { ...auth, [HEADERS.idempotencyKey]: "" }, undefined],
      ["Idempotency-Key of 8 KB", host, { ...auth, [HEADERS.idempotencyKey]: "i".repeat(8_000) }, undefined],
      ["Expect: something else", host, { ...auth, Expect: "something-else" }, undefined],
      ["headers too large", host, { ...auth, "X-Big": "x".repeat(70_000) }, undefined],
      ["a header with NUL", host, { ...auth, "X-Nul": "a\u0000b" }, undefined],
      ["a folded header", host, { ...auth, "X-Fold": "a\r\n b" }, undefined],
      ["a header name with a space", host, { ...auth, "Bad Name": "x" }, undefined],
      ["an unknown query parameter", host, { ...auth }, undefined],
    ];
    for (const endpoint of ALL_ENDPOINTS) {
      const [method, route] = endpoint.split(" ") as [string, keyof typeof ROUTES];
      for (const [name, hostHeader, headers, body] of variants) {
        const target = name === "an unknown query parameter" ? `${PATHS[route]}?limit=1&within=5&limit=2` : PATHS[route];
        const res = await exchange(server.url, head(method, target, hostHeader, headers, body), `${endpoint}, ${name}`);
        if (name === "no Host" || name === "an unknown query parameter") expect(res.status, `${endpoint}, ${name}`).toBe(400);
      }
    }
  });

  it("odd methods and request targets: a JSON error of the catalogue; an absolute-form target is its path", async () => {
    const { server, token, host } = await serve();
    const auth = { Authorization: `Bearer ${token}` };
    for (const path of Object.values(PATHS)) {
      for (const method of ["TRACE", "OPTIONS", "PROPFIND", "M-SEARCH", "PURGE", "LINK", "FOO", "get", "G\u00c9T"]) {
        await exchange(server.url, head(method, path, host, auth), `${method} ${path}`);
      }
      const headRes = await exchange(server.url, head("HEAD", path, host, auth), `HEAD ${path}`, { head: true });
      expect(headRes.status).toBe(405);
      // The same request in absolute form answers as in origin form.
      const plain = await exchange(server.url, head("GET", path, host, auth), `GET ${path}`);
      const absolute = await exchange(server.url, head("GET", `http://${host}${path}`, host, auth), `GET absolute ${path}`);
      expect(absolute.status, path).toBe(plain.status);
    }
    for (const [method, target] of [
      ["OPTIONS", "*"],
      ["GET", "*"],
      ["GET", "example.com:443"],
      ["GET", "v1/whoami"],
      ["GET", "http://"],
      ["GET", "https://elsewhere.example"],
      ["GET", "//v1/whoami"],
      ["GET", "/v1/whoami#frag"],
    ]) {
      const res = await exchange(server.url, head(method!, target!, host, auth), `${method} ${target}`);
      expect(res.status, `${method} ${target}`).toBeGreaterThanOrEqual(200);
    }
    const connect = await exchange(server.url, Buffer.from(`CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`), "CONNECT");
    expect(connect.status).toBe(405);
    const who = await request(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(who.statusCode).toBe(200);
  });

  it(`a property over the route table (seed ${SEED}): a mutated body or header is answered well-formed`, async () => {
    const { server, token, host } = await serve();
    const mutation = fc.record({
      endpoint: fc.constantFrom(...ALL_ENDPOINTS),
      body: fc.oneof(
        fc.jsonValue().map((v) => ({ kind: "whole" as const, v })),
        fc.tuple(fc.string({ maxLength: 12 }), fc.jsonValue()).map(([field, v]) => ({ kind: "field" as const, field, v })),
        fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: "bytes" as const, v: Buffer.from(b) })),
      ),
      contentType: fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "", "application/octet-stream"),
      query: fc.constantFrom("", "?limit=2", "?region=mars", "?consistency=x", "?prefix=%FF", "?cache_ttl=-1", "?since=soon", "?force=maybe", "?ttl=1e400"),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ endpoint, body, contentType, query }) => {
        const [method, route] = endpoint.split(" ") as [string, keyof typeof ROUTES];
        const base = (VALID as Record<string, Record<string, unknown>>)[endpoint] ?? {};
        const bytes = body.kind === "bytes" ? body.v : body.kind === "whole" ? json(body.v) : json({ ...base, [body.field]: body.v });
        const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
        if (contentType) headers["Content-Type"] = contentType;
        await exchange(
          server.url,
          head(method, `${PATHS[route]}${query}`, host, headers, bytes),
          `${endpoint}${query} ${bytes.toString("latin1").slice(0, 80)}`,
        );
      }),
      { seed: SEED, numRuns: 300 },
    );
    const who = await request(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(who.statusCode).toBe(200);
  });
});

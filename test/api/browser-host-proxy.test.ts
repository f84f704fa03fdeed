import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Client, request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { hostFixture, INDEX_HTML, signIn } from "../support/browser-host.js";
import { rawExchange, rawRequest } from "./raw-http.js";

/**
 * The KV browser's host (src/browser/host/): what it serves once signed in. The platform API's
 * answers pass through byte for byte; paths never reach outside the page's directory; an API that
 * cannot be reached, or a flood of bad requests, is answered, never a crash.
 */

const NS = "/v1/sites/local/namespaces/default";

/** Every byte value, four times over: a value no text decoding survives. */
const BINARY = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));

describe("the platform API, passed through", () => {
  it("a binary value: written and read back through the host byte for byte, with its headers, as the API itself answers", async () => {
    const { host, api, signIn } = await hostFixture();
    const { cookie, csrf } = await signIn();
    const path = `${NS}/values/${encodeURIComponent("bin/ü key")}?ttl=3600`;
    const written = await request(`${host.origin}/kv/api${path}`, {
      method: "PUT",
      headers: {
        cookie,
        "x-yourspace-csrf": csrf,
        "content-type": "application/octet-stream",
        "x-yourspace-metadata": Buffer.from('{"type":"bin"}').toString("base64url"),
      },
      body: BINARY,
    });
    expect(written.statusCode).toBe(200);
    const { version } = (await written.body.json()) as { version: string };
    const through = await request(`${host.origin}/kv/api${NS}/values/${encodeURIComponent("bin/ü key")}`, { headers: { cookie } });
    const bytes = Buffer.from(await through.body.arrayBuffer());
    expect(bytes.equals(BINARY)).toBe(true);
    expect(through.headers["x-yourspace-version"]).toBe(version);
    expect(through.headers["content-length"]).toBe(String(BINARY.length));
    expect(through.headers["x-frame-options"]).toBe("DENY");
    const direct = await request(`${api.apiUrl}${NS}/values/${encodeURIComponent("bin/ü key")}`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(Buffer.from(await direct.body.arrayBuffer()).equals(BINARY)).toBe(true);
    for (const name of ["x-yourspace-version", "x-yourspace-metadata", "x-yourspace-expires-at", "content-type"])
      expect(through.headers[name], name).toBe(direct.headers[name]);
    // HEAD: as the API answers it, without a body.
    const head = await request(`${host.origin}/kv/api${NS}/values/${encodeURIComponent("bin/ü key")}`, { method: "HEAD", headers: { cookie } });
    expect(head.statusCode).toBe((await request(`${api.apiUrl}${NS}/values/x`, { method: "HEAD" })).statusCode);
    expect((await head.body.arrayBuffer()).byteLength).toBe(0);
    // The API's refusals come back as the API made them, status and body.
    const missing = await request(`${host.origin}/kv/api${NS}/values/nope`, { headers: { cookie } });
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.json()).toEqual((await api.http("GET", `${NS}/values/nope`)).json);
  });

  it("a query string goes as sent, and the host's token is the one the API sees", async () => {
    const { host, api, signIn } = await hostFixture();
    const { cookie } = await signIn();
    for (const key of ["a1", "b1", "b2", "b3", "c1"]) expect((await api.http("PUT", `${NS}/values/${key}`, { body: key })).status).toBe(200);
    const through = await request(`${host.origin}/kv/api${NS}/keys?prefix=b&limit=2`, { headers: { cookie } });
    const text = await through.body.text();
    expect(text).toBe((await api.http("GET", `${NS}/keys?prefix=b&limit=2`)).text);
    expect(JSON.parse(text).keys.map((k: { key: string }) => k.key)).toEqual(["b1", "b2"]);
    const who = await request(`${host.origin}/kv/api/v1/whoami`, { headers: { cookie, authorization: "Bearer not-the-host-token" } });
    expect((await who.body.json()) as object).toMatchObject({ token: { id: await api.tokenId(api.token) } });
  });

  it("an export streams through unchanged, however long", async () => {
    const { host, api, signIn } = await hostFixture();
    const { cookie } = await signIn();
    for (let batch = 0; batch < 3; batch++) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({ key: `k/${batch}/${String(i).padStart(4, "0")}`, value: `value ${batch} ${i}`.repeat(3) }));
      const put = await api.http("POST", `${NS}/bulk/put`, { body: JSON.stringify({ entries }), type: "application/json" });
      expect(put.status, put.text).toBe(200);
    }
    expect((await api.http("PUT", `${NS}/values/zz-binary`, { body: BINARY })).status).toBe(200);
    const through = await request(`${host.origin}/kv/api${NS}/export`, { headers: { cookie } });
    expect(through.headers["content-type"]).toBe("application/x-ndjson");
    const bytes = Buffer.from(await through.body.arrayBuffer());
    const direct = await request(`${api.apiUrl}${NS}/export`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(bytes.equals(Buffer.from(await direct.body.arrayBuffer()))).toBe(true);
    expect(bytes.toString().trim().split("\n")).toHaveLength(3001);
  });

  it("an answer the API cuts short is cut short for the browser too, never ended as if whole", async () => {
    // Not the API server: an upstream that breaks off in the middle of a chunked answer.
    const broken = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"key":"a","value":"1"}\n', () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => broken.close(() => resolve())));
    const { host } = await hostFixture({ apiUrl: `http://127.0.0.1:${(broken.address() as AddressInfo).port}` });
    const { cookie } = await signIn(host);
    const answer = await request(`${host.origin}/kv/api${NS}/export`, { headers: { cookie } });
    expect(answer.statusCode).toBe(200);
    await expect(answer.body.text()).rejects.toThrow();
  });

  it("an API that cannot be reached is a catalogued 503, and the host keeps serving", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { host } = await hostFixture({ apiUrl: `http://127.0.0.1:${port}` });
    const { cookie, csrf } = await signIn(host);
    for (const method of ["GET", "PUT"] as const) {
      const r = await request(`${host.origin}/kv/api${NS}/values/k`, {
        method,
        headers: { cookie, "x-yourspace-csrf": csrf },
        body: method === "PUT" ? "v" : undefined,
      });
      expect(r.statusCode).toBe(503);
      expect(r.headers["x-frame-options"]).toBe("DENY");
      expect(await r.body.json()).toEqual({
        code: "UNAVAILABLE",
        message: `Cannot reach the platform API at http://127.0.0.1:${port}: connection refused (ECONNREFUSED).`,
        hint: expect.any(String),
      });
    }
    const session = await request(`${host.origin}/kv/session`, { headers: { cookie } });
    expect(session.statusCode).toBe(200);
    await session.body.dump();
  });
});

describe("paths", () => {
  it("no path reaches outside the page's directory: traversal, encodings, separators, NUL, links, folders, very long paths", async () => {
    const { host, sb, pageDir, signIn } = await hostFixture();
    const { cookie } = await signIn();
    writeFileSync(join(sb.root, "secret.txt"), "TOP SECRET");
    mkdirSync(join(pageDir, "sub"));
    writeFileSync(join(pageDir, "sub", "inner.txt"), "INNER FILE");
    symlinkSync(join(sb.root, "secret.txt"), join(pageDir, "link.txt"));
    writeFileSync(join(pageDir, ".hidden"), "HIDDEN FILE");
    const { port } = new URL(host.origin);
    const paths: [string, number][] = [
      ["/kv/../secret.txt", 404],
      ["/kv/%2e%2e/secret.txt", 404],
      ["/kv/%2E%2E%2Fsecret.txt", 404],
      ["/kv/..%2fsecret.txt", 404],
      ["/kv/..%5csecret.txt", 404],
      ["/kv/..\\secret.txt", 404],
      ["/kv/\\..\\secret.txt", 404],
      ["/kv/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 404],
      ["/kv/..;/secret.txt", 404],
      ["/kv//etc/passwd", 404],
      ["/kv/.", 404],
      ["/kv/..", 404],
      ["/kv/.hidden", 404],
      ["/kv/sub", 404],
      ["/kv/sub/inner.txt", 404],
      ["/kv/sub%2finner.txt", 404],
      ["/kv/link.txt", 404],
      ["/kv/index.html%00", 404],
      ["/kv/index.html%00.js", 404],
      [`/kv/${"a".repeat(300)}`, 404],
      [`/kv/${"../".repeat(2000)}etc/passwd`, 404],
      [`/kv/${"a".repeat(20_000)}`, 431],
      ["/secret.txt", 404],
      ["/kv/api/../../secret.txt", 404],
      [`http://127.0.0.1:${port}/kv/../secret.txt`, 404],
    ];
    for (const [path, status] of paths) {
      const r = await rawRequest(host.origin, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
      const body = r.body.toString();
      expect(r.status, path.slice(0, 80)).toBe(status);
      for (const leaked of ["TOP SECRET", "INNER FILE", "HIDDEN FILE", "root:", INDEX_HTML]) expect(body, path.slice(0, 80)).not.toContain(leaked);
    }
    // A NUL byte in the target is not HTTP: the connection is answered 400 and closed.
    const nul = await rawExchange(host.origin, `GET /kv/index.html\0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\n\r\n`);
    expect(nul.toString()).toMatch(/^HTTP\/1\.1 400 /);
    expect(nul.toString()).not.toContain(INDEX_HTML);
    // What is there is served, by its plain name only.
    const page = await rawRequest(host.origin, `GET /kv/index.html HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect(page.body.toString()).toBe(INDEX_HTML);
  });

  it("no path passed on to the API climbs out of its base path: dot segments, encoded or not, and backslashes are refused before anything is sent", async () => {
    // An API behind a base path, on a server that serves something else beside it.
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(`${req.url} ${req.headers.authorization}`);
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { host } = await hostFixture({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/platform/`, token: "platform-token" });
    const { cookie } = await signIn(host);
    const { port } = new URL(host.origin);
    for (const path of [
      "/kv/api/../other",
      "/kv/api/v1/%2e%2e/%2E%2E/other",
      "/kv/api/.%2e/other",
      "/kv/api/v1/./whoami",
      "/kv/api/v1\\..\\other",
      "/kv/api/%2e",
    ]) {
      const r = await rawRequest(host.origin, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
      expect(r.status, path).toBe(404);
      expect(r.json, path).toMatchObject({ code: "NOT_FOUND" });
    }
    expect(received).toEqual([]);
    // Keys holding dots and slashes are one encoded segment each, and pass.
    for (const key of ["..%2Fother", "...", ".hidden", "a%2F..%2Fb"]) {
      const r = await request(`${host.origin}/kv/api${NS}/values/${key}`, { headers: { cookie } });
      expect(r.statusCode, key).toBe(200);
      await r.body.dump();
    }
    expect(received).toEqual(["..%2Fother", "...", ".hidden", "a%2F..%2Fb"].map((key) => `/platform${NS}/values/${key} Bearer platform-token`));
  });

  it("many bad requests do not take the host down", async () => {
    const { host, signIn } = await hostFixture();
    const { cookie } = await signIn();
    const { port } = new URL(host.origin);
    const bad = [
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      `GET /kv/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
      `GET /kv/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`,
      `POST /kv/api/v1/whoami HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nContent-Length: 5\r\n\r\nab`,
      `PUT /kv/api${NS}/values/k HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `GET /kv/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n`,
      `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
      "\0\0\0\0\r\n\r\n",
      `GET /kv/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie.replace(/=.*/, "=forged")}\r\nConnection: close\r\n\r\n`,
    ];
    for (let round = 0; round < 20; round++) await Promise.all(bad.map((bytes) => rawExchange(host.origin, bytes).catch(() => Buffer.alloc(0))));
    const page = await request(`${host.origin}/kv/`, { headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toBe(INDEX_HTML);
    const who = await request(`${host.origin}/kv/api/v1/whoami`, { headers: { cookie } });
    expect(who.statusCode).toBe(200);
    await who.body.dump();
  });

  it("stops: connections end, in the middle of an answer too, and nothing listens", async () => {
    const { host, api, signIn } = await hostFixture();
    const { cookie } = await signIn();
    const entries = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: "v".repeat(1000) }));
    expect((await api.http("POST", `${NS}/bulk/put`, { body: JSON.stringify({ entries }), type: "application/json" })).status).toBe(200);
    const streaming = await request(`${host.origin}/kv/api${NS}/export`, { headers: { cookie } });
    expect(streaming.statusCode).toBe(200);
    await host.stop();
    // Whole or cut off, the answer ends: a connection left open would keep stop() from resolving.
    await streaming.body.arrayBuffer().catch(() => undefined);
    // On a connection of its own: the shared pool may still hold one the host closed, which answers "other side closed".
    const fresh = new Client(host.origin);
    onTestFinished(() => fresh.destroy());
    await expect(fresh.request({ method: "GET", path: "/kv/" })).rejects.toThrow(/ECONNREFUSED/);
    // The API was not touched by the host's stopping.
    expect((await api.http("GET", "/v1/whoami")).status).toBe(200);
  });
});

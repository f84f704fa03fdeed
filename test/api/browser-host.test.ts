import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { DESCRIPTION_META, DESCRIPTION_PLACEHOLDER } from "../../src/contract/browser-host.js";
import { hostFixture, INDEX_HTML } from "../support/browser-host.js";
import { rawRequest } from "./raw-http.js";

/**
 * The KV browser's host (src/browser/host/): who it serves. A real API server and a real host on
 * loopback ports; requests as browsers send them (undici), and as no browser would (raw bytes).
 */

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const VALUE_PATH = "/v1/sites/local/namespaces/default/values/";

describe("signing in", () => {
  it("serves nothing without a session: not the page, not a file, not the session, not the API", async () => {
    const { host } = await hostFixture();
    const spent = host.mintUrl();
    await (await request(spent)).body.dump();
    const wrong = `${host.origin}/kv/?secret=${"A".repeat(43)}`;
    for (const url of [
      `${host.origin}/kv/`,
      `${host.origin}/kv/index.html`,
      `${host.origin}/kv/app.js`,
      `${host.origin}/kv/session`,
      `${host.origin}/kv/api/v1/whoami`,
      `${host.origin}/kv/nothing-here`,
      `${host.origin}/`,
      wrong,
      `${host.origin}/kv/?secret=`,
      `${host.origin}/kv/?secret=short`,
      spent,
    ]) {
      const r = await request(url);
      const body = await r.body.text();
      expect(r.statusCode, url).toBe(401);
      expect(body, url).not.toContain(INDEX_HTML);
      expect(body).not.toContain("app");
      expect(r.headers["set-cookie"], url).toBeUndefined();
      expect(r.headers).toMatchObject(SECURITY_HEADERS);
      if (url.includes("/kv/api/") || url.endsWith("/kv/session")) {
        expect(JSON.parse(body), url).toMatchObject({ code: "UNAUTHENTICATED", hint: expect.stringContaining("one-time secret") });
      } else {
        expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
        expect(body).toMatch(/^This browser is not signed in to the KV browser.*\n\nOpen the address printed/);
      }
    }
  });

  it("turns a one-time secret into an HttpOnly, SameSite=Strict cookie for /kv/ and a document that opens the page; the secret then works no more", async () => {
    const { host } = await hostFixture();
    // A HEAD of the URL (a link checker, say) does not spend it.
    const checked = await request(host.url, { method: "HEAD" });
    expect(checked.statusCode).toBe(401);
    expect(checked.headers["set-cookie"]).toBeUndefined();
    expect(host.url).toMatch(new RegExp(`^${host.origin}/kv/\\?secret=[A-Za-z0-9_-]{43}$`));
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const opened = await request(host.url);
    expect(opened.statusCode).toBe(200);
    expect(opened.headers.location).toBeUndefined();
    expect(opened.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(opened.headers).toMatchObject(SECURITY_HEADERS);
    // Not a redirect, whose next request a browser would send without the cookie when another site linked to the URL.
    expect(await opened.body.text()).toContain('<meta http-equiv="refresh" content="0; url=/kv/">');
    const port = new URL(host.origin).port;
    const setCookie = String(opened.headers["set-cookie"]);
    expect(setCookie).toMatch(new RegExp(`^yourspace_kv_${port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/kv/$`));
    const cookie = setCookie.split(";")[0]!;

    const page = await request(`${host.origin}/kv/`, { headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers).toMatchObject(SECURITY_HEADERS);
    expect(await page.body.text()).toBe(INDEX_HTML);
    const script = await request(`${host.origin}/kv/app.js`, { headers: { cookie } });
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(await script.body.text()).toBe("console.log('app');");

    // The same URL again: without the cookie nothing; with it (a reload of the printed URL), the page.
    const again = await request(host.url);
    expect(again.statusCode).toBe(401);
    await again.body.dump();
    const reload = await request(host.url, { headers: { cookie } });
    expect(await reload.body.text()).toContain('content="0; url=/kv/"');
    expect(reload.statusCode).toBe(200);
    expect(reload.headers["set-cookie"]).toBeUndefined();
    // Another port's cookie of the same form is not this host's.
    const other = await request(`${host.origin}/kv/`, { headers: { cookie: cookie.replace(`_${port}=`, `_${Number(port) + 1}=`) } });
    expect(other.statusCode).toBe(401);
    await other.body.dump();
  });

  it("answers the session: the CSRF token and what the banner shows", async () => {
    const { host, api, sb, signIn } = await hostFixture();
    const { cookie, csrf } = await signIn();
    const session = await request(`${host.origin}/kv/session`, { headers: { cookie } });
    expect(session.headers).toMatchObject(SECURITY_HEADERS);
    expect(await session.body.json()).toEqual({ csrf, target: { kind: "emulator", dataDir: sb.dataDir, apiUrl: api.apiUrl }, site: "local", emulator: true });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Each sign-in is a session of its own.
    expect((await signIn()).csrf).not.toBe(csrf);
  });

  it("puts what the banner shows, not the CSRF token, in the page's document, as an attribute's text that no markup in it escapes", async () => {
    const dataDir = `/tmp/a "quoted" <b>dir</b> & 'more'`;
    const { host, api, pageDir, signIn } = await hostFixture({
      describe: { target: { kind: "emulator", dataDir, apiUrl: "http://127.0.0.1:1" }, site: "local", emulator: true },
    });
    writeFileSync(join(pageDir, "index.html"), `<meta name="${DESCRIPTION_META}" content="${DESCRIPTION_PLACEHOLDER}"><p>${DESCRIPTION_PLACEHOLDER}</p>`);
    const { cookie, csrf } = await signIn();
    const page = await request(`${host.origin}/kv/`, { headers: { cookie } });
    expect(page.headers).toMatchObject(SECURITY_HEADERS);
    const html = await page.body.text();
    const [, content, rest] = /^<meta name="yourspace-description" content="([^"<>]*)"><p>(.*)<\/p>$/.exec(html) ?? [];
    expect(content, html).toBeDefined();
    const unescaped = content!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(JSON.parse(unescaped)).toEqual({ target: { kind: "emulator", dataDir, apiUrl: "http://127.0.0.1:1" }, site: "local", emulator: true });
    expect(html).not.toContain(csrf);
    expect(html).not.toContain(api.token);
    // Only the first place is filled; other files are served as they are.
    expect(rest).toBe(DESCRIPTION_PLACEHOLDER);
    const script = await request(`${host.origin}/kv/app.js`, { headers: { cookie } });
    expect(await script.body.text()).toBe("console.log('app');");
  });

  it("mints a fresh URL for a process with the discovery key, and for nobody else", async () => {
    const { host } = await hostFixture();
    const mint = (headers: Record<string, string>, method = "POST") => request(`${host.origin}/kv/mint`, { method, headers });
    const minted = await mint({ authorization: `Bearer ${host.mintKey}` });
    expect(minted.statusCode).toBe(200);
    const { url } = (await minted.body.json()) as { url: string };
    expect(url).toMatch(new RegExp(`^${host.origin}/kv/\\?secret=`));
    const opened = await request(url);
    await opened.body.dump();
    expect(opened.statusCode).toBe(200);
    expect(opened.headers["set-cookie"]).toBeDefined();
    for (const [headers, method, status] of [
      [{}, "POST", 403],
      [{ authorization: "Bearer wrong" }, "POST", 403],
      [{ authorization: `Bearer ${host.mintKey}x` }, "POST", 403],
      // A browser always sends Origin with a POST: a page, even the host's own, may not mint.
      [{ authorization: `Bearer ${host.mintKey}`, origin: host.origin }, "POST", 403],
      [{ authorization: `Bearer ${host.mintKey}` }, "GET", 405],
    ] as const) {
      const r = await mint(headers, method);
      expect(r.statusCode, JSON.stringify(headers)).toBe(status);
      expect(await r.body.json()).not.toHaveProperty("url");
    }
  });
});

describe("requests that change data", () => {
  it("without the CSRF token, or with a wrong one, are refused with 403 and never reach the API", async () => {
    const { host, api, signIn } = await hostFixture();
    const { cookie, csrf } = await signIn();
    expect((await api.http("PUT", `${VALUE_PATH}kept`, { body: "before" })).status).toBe(200);
    const attempts: [string, string, Record<string, string>, string?][] = [
      ["PUT", `${VALUE_PATH}new`, {}, "x"],
      ["PUT", `${VALUE_PATH}new`, { "x-yourspace-csrf": "" }, "x"],
      ["PUT", `${VALUE_PATH}new`, { "x-yourspace-csrf": `${csrf}x` }, "x"],
      ["PUT", `${VALUE_PATH}new`, { "x-yourspace-csrf": csrf.slice(1) }, "x"],
      ["PUT", `${VALUE_PATH}kept`, { "x-yourspace-csrf": (await signIn()).csrf }, "changed"],
      ["DELETE", `${VALUE_PATH}kept`, {}],
      ["POST", "/v1/sites/local/namespaces/default/bulk/delete", { "content-type": "application/json" }, JSON.stringify({ keys: ["kept"] })],
      ["POST", "/v1/sites/local/namespaces", { "content-type": "application/json" }, JSON.stringify({ name: "made" })],
      ["PATCH", "/v1/sites/local", { "content-type": "application/json" }, JSON.stringify({ tier: "pro" })],
      ["OPTIONS", "/v1/whoami", {}],
    ];
    for (const [method, path, headers, body] of attempts) {
      const r = await request(`${host.origin}/kv/api${path}`, { method: method as "PUT", headers: { cookie, ...headers }, body });
      expect(r.statusCode, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
      expect(r.headers).toMatchObject(SECURITY_HEADERS);
      expect(await r.body.json()).toMatchObject({ code: "PERMISSION_DENIED", message: expect.stringContaining("CSRF") });
    }
    // Nothing was written: the key holds what it held, the other was never made, nor the namespace.
    expect((await api.http("GET", `${VALUE_PATH}kept`)).text).toBe("before");
    expect((await api.http("GET", `${VALUE_PATH}new`)).status).toBe(404);
    expect((await api.http("GET", "/v1/sites/local/namespaces")).text).not.toContain("made");
    const audit = await api.http("GET", "/v1/sites/local/audit");
    const changes = audit.json.entries.filter((e: { action: string }) => e.action !== "read");
    expect(changes.map((e: { key: string | null; action: string }) => `${e.action} ${e.key}`)).toEqual(["write kept"]);

    // With the token, the same write goes through.
    const ok = await request(`${host.origin}/kv/api${VALUE_PATH}new`, { method: "PUT", headers: { cookie, "x-yourspace-csrf": csrf }, body: "x" });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    expect((await api.http("GET", `${VALUE_PATH}new`)).text).toBe("x");
  });

  it("from another origin (another site, another port of this machine, an opaque origin) are refused with 403, whatever they carry", async () => {
    const { host, api, signIn } = await hostFixture();
    const { cookie, csrf } = await signIn();
    const port = Number(new URL(host.origin).port);
    for (const origin of ["http://evil.example", `http://127.0.0.1:${port + 1}`, "null", `https://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const r = await request(`${host.origin}/kv/api${VALUE_PATH}k`, { method: "PUT", headers: { cookie, origin, "x-yourspace-csrf": csrf }, body: "x" });
      expect(r.statusCode, origin).toBe(403);
      expect(await r.body.json()).toMatchObject({ code: "PERMISSION_DENIED", message: expect.stringContaining("not from the KV browser's own page") });
    }
    // A read asked for by another page of this machine (a fetch from a same-site origin) is refused too.
    const sameSite = await request(`${host.origin}/kv/api/v1/whoami`, { headers: { cookie, "sec-fetch-site": "same-site" } });
    expect(sameSite.statusCode).toBe(403);
    await sameSite.body.dump();
    const session = await request(`${host.origin}/kv/session`, { headers: { cookie, "sec-fetch-site": "cross-site" } });
    expect(session.statusCode).toBe(403);
    expect(await session.body.text()).not.toContain(csrf);
    expect((await api.http("GET", `${VALUE_PATH}k`)).status).toBe(404);
    // The page's own origin, as a browser sends it with a write, passes.
    const own = await request(`${host.origin}/kv/api${VALUE_PATH}k`, {
      method: "PUT",
      headers: { cookie, origin: host.origin, "sec-fetch-site": "same-origin", "x-yourspace-csrf": csrf },
      body: "mine",
    });
    expect(own.statusCode).toBe(200);
    await own.body.dump();
    expect((await api.http("GET", `${VALUE_PATH}k`)).text).toBe("mine");
  });
});

describe("the Host header", () => {
  it("must name this server (127.0.0.1 or localhost, with its port), else 421: a rebound domain name reaches nothing", async () => {
    const { host, signIn } = await hostFixture();
    const { cookie } = await signIn();
    const port = Number(new URL(host.origin).port);
    for (const name of [`evil.example:${port}`, "evil.example", `127.0.0.1:${port + 1}`, `127.0.0.1`, `localhost.evil.example:${port}`, `[::1]:${port}`, ""]) {
      const head = `GET /kv/ HTTP/1.1\r\nHost: ${name}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`;
      const r = await rawRequest(host.origin, head);
      expect(r.status, name).toBe(421);
      expect(r.body.toString()).not.toContain(INDEX_HTML);
      expect(r.body.toString()).toContain("The request names");
      expect(r.headers["x-frame-options"]).toBe("DENY");
    }
    const none = await rawRequest(host.origin, `GET /kv/api/v1/whoami HTTP/1.0\r\nCookie: ${cookie}\r\n\r\n`);
    expect(none.status).toBe(421);
    expect(none.json).toMatchObject({ code: "MISDIRECTED_REQUEST" });
    // Its own names, in any case.
    for (const name of [`127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      const r = await rawRequest(host.origin, `GET /kv/ HTTP/1.1\r\nHost: ${name}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
      expect(r.status, name).toBe(200);
      expect(r.body.toString()).toBe(INDEX_HTML);
    }
  });
});

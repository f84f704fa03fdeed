import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { API_LIMITS } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { TOKEN_LIMITS } from "../../src/emulator/site/tokens.js";
import { ManualClock } from "../../src/core/clock.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { rawRequest } from "./raw-http.js";

/**
 * Memory under hostile input: made-up bearer tokens must not grow what the server keeps. The token
 * cache holds only tokens the store has; a token longer than any token is refused unhashed; headers
 * past the limit are refused by the parser.
 */

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  return server;
}

describe("the token cache under made-up tokens", () => {
  it("10,000 unknown tokens of 1 KiB leave it empty; each is still refused", async () => {
    const server = await serve();
    for (let i = 0; i < 10_000; i++) {
      const bogus = `${String(i).padStart(6, "0")}${"x".repeat(TOKEN_LIMITS.maxLength - 6)}`;
      expect(() => server.tokens.verify(bogus)).toThrow("The token is not valid.");
    }
    expect(server.tokens.cacheStats).toEqual({ entries: 0, chars: 0 });
  });

  it("holds the tokens in use, each once, and refuses a token longer than any token without looking it up", async () => {
    const server = await serve();
    const { token } = server.tokens.create({ site: "local" });
    for (let i = 0; i < 100; i++) server.tokens.verify(token);
    expect(server.tokens.cacheStats).toEqual({ entries: 1, chars: token.length });
    expect(() => server.tokens.verify("t".repeat(TOKEN_LIMITS.maxLength + 1))).toThrow("The token is not valid.");
    expect(server.tokens.cacheStats.entries).toBe(1);
  });

  it("a token longer than the limit cannot be created", async () => {
    const server = await serve();
    expect(() => server.tokens.create({ site: "local" }, "t".repeat(TOKEN_LIMITS.maxLength + 1))).toThrow(/1 to 1024 characters/);
    expect(() => server.tokens.create({ site: "local" }, "with space")).toThrow(/without spaces/);
    expect(() => server.tokens.create({ site: "local" }, "")).toThrow(/1 to 1024 characters/);
  });

  it("over HTTP: bogus tokens get 401 and add nothing; a 15 KB one is refused by the header limit with a JSON 431", async () => {
    const server = await serve();
    const host = new URL(server.url).host;
    for (let i = 0; i < 200; i++) {
      const res = await request(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${i}${"y".repeat(5_000)}` } });
      expect(res.statusCode).toBe(401);
      await res.body.text();
    }
    expect(server.tokens.cacheStats).toEqual({ entries: 0, chars: 0 });
    const huge = await rawRequest(server.url, `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${"z".repeat(15_000)}\r\n\r\n`);
    expect(huge.status).toBe(431);
    expect(huge.json).toMatchObject({ code: "BAD_HEADER" });
    expect(API_LIMITS.maxHeaderBytes).toBeLessThan(15_000);
  });
});

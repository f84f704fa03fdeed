import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { expect, onTestFinished } from "vitest";
import { startBrowserHost, type BrowserHost, type BrowserHostOptions } from "../../src/browser/host/host.js";
import { sandbox, startServer, type Sandbox, type Server } from "./site.js";

/**
 * The KV browser's host in front of a real API server (the one `kv emulator start` runs), both in this
 * process on loopback ports, with a page directory of the test's own: its files say which they are,
 * so a test can see which file (if any) an answer holds.
 */
export interface HostFixture {
  sb: Sandbox;
  api: Server;
  host: BrowserHost;
  pageDir: string;
  /** What index.html holds. */
  index: string;
  /** A signed-in browser: its Cookie header and the session's CSRF token. */
  signIn(): Promise<{ cookie: string; csrf: string }>;
}

export const INDEX_HTML = "<!doctype html><title>KV test page</title>";

export async function hostFixture(extra: Partial<BrowserHostOptions> = {}): Promise<HostFixture> {
  const sb = sandbox();
  const api = await startServer(sb);
  const pageDir = join(sb.root, "page");
  mkdirSync(pageDir);
  writeFileSync(join(pageDir, "index.html"), INDEX_HTML);
  writeFileSync(join(pageDir, "app.js"), "console.log('app');");
  const host = await startBrowserHost({
    apiUrl: api.apiUrl,
    token: api.token,
    pageDir,
    describe: { target: { kind: "emulator", dataDir: sb.dataDir, apiUrl: api.apiUrl }, site: api.site, emulator: true },
    ...extra,
  });
  onTestFinished(() => host.stop());
  return {
    sb,
    api,
    host,
    pageDir,
    index: INDEX_HTML,
    signIn: () => signIn(host),
  };
}

/** Opens a fresh one-time URL of `host` as a browser would: its cookie, then the session's CSRF token. */
export async function signIn(host: { origin: string; mintUrl(): string }): Promise<{ cookie: string; csrf: string }> {
  const opened = await request(host.mintUrl());
  await opened.body.dump();
  expect(opened.statusCode).toBe(200);
  expect(opened.headers["set-cookie"]).toBeDefined();
  const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
  const session = await request(`${host.origin}/kv/session`, { headers: { cookie } });
  expect(session.statusCode).toBe(200);
  const { csrf } = (await session.body.json()) as { csrf: string };
  return { cookie, csrf };
}

/**
 * The KV browser in a real browser: the emulator's API server (in process, on a loopback port, over a
 * fresh data directory with the manual clock), the page's host in front of it, and Debian's Chromium
 * driven by playwright-core with a fresh profile. One of each per test file (beforeAll / afterAll).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { request } from "undici";
import { expect } from "vitest";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../bench/lib/chromium.mjs";
import { startBrowserHost, type BrowserHost } from "../../src/browser/host/host.js";
import { DEFAULT_SITE } from "../../src/core/limits.js";
import { ApiServer } from "../../src/server/server.js";

const PAGE_DIR = fileURLToPath(new URL("../../dist/browser", import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL("../../test-results/screenshots", import.meta.url));

export interface KvSite {
  dataDir: string;
  apiUrl: string;
  host: BrowserHost;
  site: string;
  /** One request to the API server itself (not through the host), with the site token. */
  api(method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: string | Uint8Array, headers?: Record<string, string>): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

interface ApiAnswer {
  status: number;
  bytes: Buffer;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

/** The API server on a temporary data directory, its clock set to manual, and the page's host in front. */
export async function startKvSite(): Promise<KvSite> {
  if (!existsSync(join(PAGE_DIR, "index.html"))) throw new Error(`${PAGE_DIR} holds no built page: run \`npm run build\` first.`);
  const root = mkdtempSync(join(tmpdir(), "yourspace-browser-"));
  const dataDir = join(root, "data");
  const server = await ApiServer.start({ dataDir, host: "127.0.0.1", port: 0 });
  const token = server.tokens.create({ site: DEFAULT_SITE }).token;
  const api: KvSite["api"] = async (method, path, body, headers = {}) => {
    const res = await request(`${server.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, bytes, json, headers: res.headers };
  };
  const clock = await api("POST", "/v1/emulator/clock", JSON.stringify({ mode: "manual" }), { "content-type": "application/json" });
  if (clock.status !== 200) throw new Error(`The clock did not become manual: ${clock.status} ${clock.bytes.toString()}`);
  const host = await startBrowserHost({
    apiUrl: server.url,
    token,
    pageDir: PAGE_DIR,
    describe: { target: { kind: "emulator", dataDir, apiUrl: server.url }, site: DEFAULT_SITE, emulator: true },
  });
  return {
    dataDir,
    apiUrl: server.url,
    host,
    site: DEFAULT_SITE,
    api,
    async stop() {
      await host.stop();
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface KvBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Chromium with a fresh profile, and one page signed in to the host through a one-time URL. */
export async function openBrowser(): Promise<KvBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "yourspace-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    acceptDownloads: true,
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs the page in with a fresh one-time URL and opens the page at a deep link (`#ns=…&key=…`). */
export async function signIn(page: Page, site: KvSite, hash = ""): Promise<void> {
  await page.goto(site.host.mintUrl());
  // The sign-in answer opens the page itself: another navigation before it has would cancel that one.
  await page.waitForURL(`${site.host.origin}/kv/`);
  if (hash) await page.goto(`${site.host.origin}/kv/${hash}`);
}

/** Opens a deep link in the signed-in page and waits for its first page of keys. */
export async function openAt(page: Page, site: KvSite, hash: string): Promise<void> {
  // A change of the hash alone would not load the page again: start from a blank page.
  await page.goto("about:blank");
  await page.goto(`${site.host.origin}/kv/${hash}`);
  await page.locator("body[data-keys-ready]").waitFor({ state: "attached" });
}

/** How many keys the page says it shows (`data-keys-ready`), unset while a page of them loads. */
export const keysReady = (page: Page): Promise<string | null> => page.locator("body").getAttribute("data-keys-ready");

/** A screenshot of the page as it is, into test-results/screenshots/ (kept out of the repository). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Writes entries through the bulk route, a thousand a request. */
export async function seed(site: KvSite, ns: string, entries: { key: string; value: string; base64?: boolean; metadata?: Record<string, unknown> }[]) {
  for (let at = 0; at < entries.length; at += 1000) {
    const answer = await site.api("POST", `/v1/sites/${site.site}/namespaces/${ns}/bulk/put`, JSON.stringify({ entries: entries.slice(at, at + 1000) }), {
      "content-type": "application/json",
    });
    if (answer.status !== 200) throw new Error(`bulk put: ${answer.status} ${answer.bytes.toString()}`);
  }
}

/**
 * expect.poll with a short interval: the page answers in milliseconds, and the default back-off
 * (100 ms, then 250, 500 and 1 s) would spend most of a test waiting after the page was ready.
 */
export const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { interval: 20, timeout: 15_000 });

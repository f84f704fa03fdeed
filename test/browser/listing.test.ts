import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, keysReady, openBrowser, openAt, screenshot, seed, signIn, startKvSite, type KvBrowser, type KvSite } from "../support/browser.js";

// One server, host and browser for the file, signed in; each test runs alone as well as after the others (`-t`).
let site: KvSite;
let browser: KvBrowser;

beforeAll(async () => {
  site = await startKvSite();
  browser = await openBrowser();
  await signIn(browser.page, site);
});

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

const keyName = (i: number) => `user/${String(Math.floor(i / 1000)).padStart(2, "0")}/${String(i).padStart(5, "0")}`;
const keysShown = (page: KvBrowser["page"]) => page.locator("tr[data-key]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));

describe("the KV browser's access", () => {
  it("serves nothing without the one-time secret, then the page with the session cookie it becomes", async () => {
    const { page, context } = browser;
    const origin = site.host.origin;
    // Signed out, as a browser that has never been given the one-time URL.
    await context.clearCookies();
    for (const path of ["/kv/", "/kv/app.js", "/kv/app.css", "/kv/session", `/kv/api/v1/sites/${site.site}/namespaces`]) {
      const answer = await page.goto(`${origin}${path}`);
      expect(answer!.status(), path).toBe(401);
      expect(await answer!.text(), path).not.toMatch(/<script|keysReady|namespaces/);
    }
    expect(await context.cookies()).toEqual([]);

    const signedIn = await page.goto(site.host.mintUrl());
    expect(signedIn!.status()).toBe(200);
    await page.waitForURL(`${origin}/kv/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/kv/" });
    await eventually(() => page.getByRole("banner").textContent()).toMatch(/Sitelocal.*Tier\w+.*Profileyourspace, clock manual/);
    expect(await page.getByRole("banner").textContent()).toContain(site.dataDir);
    await screenshot(page, "banner-and-namespaces");
  });

  it("signs in a browser that opens the one-time URL from a link on another site", async () => {
    const { context } = browser;
    const url = site.host.mintUrl();
    const elsewhere = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<a href="${url}">Open the KV browser</a>`);
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "localhost", resolve));
    const tab = await context.newPage();
    try {
      await context.clearCookies();
      await tab.goto(`http://localhost:${(elsewhere.address() as AddressInfo).port}/`);
      await tab.getByRole("link", { name: "Open the KV browser" }).click();
      await tab.waitForURL(`${site.host.origin}/kv/`);
      await eventually(() => tab.getByRole("banner").textContent()).toMatch(/Sitelocal/);
    } finally {
      await tab.close();
      elsewhere.closeAllConnections();
      await new Promise((resolve) => elsewhere.close(resolve));
      await signIn(browser.page, site);
    }
  });

  it("renders a key and a value holding <script> as text, and runs neither", async () => {
    const { page } = browser;
    const key = `<script>window.__ran = "key"</script><img src=x onerror="window.__ran='img'">`;
    const value = `<script>window.__ran = "value"</script><img src=x onerror="window.__ran='value img'"><b>bold</b>`;
    const created = await site.api("POST", `/v1/sites/${site.site}/namespaces`, JSON.stringify({ name: "markup" }), { "content-type": "application/json" });
    expect(created.status).toBe(201);
    await seed(site, "markup", [{ key, value }]);
    await openAt(page, site, `#ns=markup&key=${encodeURIComponent(key)}`);
    await eventually(() => page.locator("pre.text").textContent()).toBe(value);
    expect(await page.locator(`tr[data-key]`).first().locator("button").textContent()).toBe(key);
    expect(await page.locator("#key-heading code").textContent()).toBe(key);
    // Whatever the markup tried, nothing ran and no element came of it.
    const found = await page.evaluate(`({
      ran: window.__ran,
      scripts: document.querySelectorAll("script").length,
      images: document.querySelectorAll("main img").length,
      bold: document.querySelectorAll("main b").length,
    })`);
    expect(found).toEqual({ ran: undefined, scripts: 2, images: 0, bold: 0 });
    await screenshot(page, "script-as-text");
  });
});

describe("keys that would look alike", () => {
  it("show every character that hides or reorders text as its escape, as the CLI prints them, in the list, the tree, the key's heading and an import's failures", async () => {
    const { page } = browser;
    const created = await site.api("POST", `/v1/sites/${site.site}/namespaces`, JSON.stringify({ name: "lookalikes" }), { "content-type": "application/json" });
    expect(created.status).toBe(201);
    const keys = ["a b", "a\nb", "admin", "admin\u200b", "invoice\u202efdp.exe", "bell\u0007", "dir\u2028/x"];
    await seed(site, "lookalikes", [...keys.map((key) => ({ key, value: "v" })), { key: "meta", value: "v", metadata: { owner: "ev\u202eil" } }]);
    await openAt(page, site, "#ns=lookalikes");
    const shown = await page.locator("tr[data-key] button.key").allTextContents();
    expect(shown).toEqual(['"a\\nb"', "a b", "admin", '"admin\\u200b"', '"bell\\u0007"', '"dir\\u2028/x"', '"invoice\\u202efdp.exe"', "meta"]);
    expect(await page.locator('tr[data-key="meta"] td.meta').textContent()).toBe('{"owner":"ev\\u202eil"}');
    await page.getByLabel("Tree by /").check();
    await eventually(() => page.locator("tr[data-folder] button").allTextContents()).toEqual(['📁 "dir\\u2028/"']);
    await page.getByLabel("Tree by /").uncheck();
    await openAt(page, site, `#ns=lookalikes&key=${encodeURIComponent("admin\u200b")}`);
    await eventually(() => page.locator("#key-heading code").textContent()).toBe('"admin\\u200b"');
    await screenshot(page, "lookalike-keys");
    // An import's entries the API did not write are listed by key the same way.
    const file = `${JSON.stringify({ key: "admin\u200b", value: "v", expiration_ttl: 1 })}\n`;
    await page
      .getByLabel("Import file (NDJSON, JSON array or object)")
      .setInputFiles({ name: "e.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(file) });
    await eventually(() => page.getByRole("list", { name: "Entries not imported" }).locator("code").allTextContents()).toEqual(['"admin\\u200b"']);
  });
});

describe("the key list", () => {
  beforeAll(() =>
    seed(
      site,
      "default",
      Array.from({ length: 10_000 }, (_, i) => ({ key: keyName(i), value: `v${i}`, ...(i % 1000 === 0 && { metadata: { n: i } }) })),
    ),
  );

  it("lists 10,000 keys a page at a time, by prefix, and as a tree", async () => {
    const { page } = browser;
    await openAt(page, site, "#ns=default");
    await eventually(() => keysReady(page)).toBe("100");
    expect((await keysShown(page)).slice(0, 2)).toEqual([keyName(0), keyName(1)]);
    expect(await page.locator(`tr[data-key="${keyName(0)}"] td`).allTextContents()).toEqual([keyName(0), "2 B", "never", '{"n":0}', "—"]);
    await screenshot(page, "keys");

    await page.getByLabel("Per page").selectOption("1000");
    const rows = page.locator("tr[data-key]");
    // A page is on screen when the page says it shows 1,000 rows and the first is the one expected.
    const pageStarting = (key: string) => page.locator(`body[data-keys-ready="1000"] tbody tr:first-child[data-key="${key}"]`).waitFor();
    for (let pageNo = 0; pageNo < 10; pageNo++) {
      await pageStarting(keyName(pageNo * 1000));
      expect(await rows.count()).toBe(1000);
      expect(await rows.last().getAttribute("data-key")).toBe(keyName(pageNo * 1000 + 999));
      // The keyboard turns the pages: the Next button keeps the focus from one page to the next.
      if (pageNo === 0) await page.getByRole("button", { name: "Next page" }).focus();
      if (pageNo < 9) await page.keyboard.press("Enter");
    }
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await pageStarting(keyName(8000));

    await page.getByLabel("Prefix").fill("user/04/0412");
    await eventually(() => keysShown(page)).toEqual(Array.from({ length: 10 }, (_, i) => keyName(4120 + i)));

    await page.getByLabel("Prefix").fill("user/");
    await page.getByLabel("Tree by /").check();
    await eventually(() => page.locator("tr[data-folder]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-folder")))).toEqual(["user/00/"]);
    await page.locator('tr[data-folder="user/00/"] button').click();
    await eventually(() => keysReady(page)).toBe("1000");
    expect(new URL(page.url()).hash).toBe("#ns=default&prefix=user%2F00%2F");
    await screenshot(page, "keys-tree");
    // Ten pages of a thousand rows each: a few seconds on an idle machine, many more when its two cores are shared.
  }, 90_000);

  it("asks for the first page of keys before its bundle has loaded, and the bundle shows that answer without asking again", async () => {
    const { page } = browser;
    const keyRequests: string[] = [];
    const listen = (r: { url(): string }) => void (new URL(r.url()).pathname.endsWith("/namespaces/default/keys") && keyRequests.push(r.url()));
    page.on("request", listen);
    // The bundle is held back until the keys have been asked for: were the keys asked for by the
    // bundle, neither would come and the page would never show them.
    let keysAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (keysAsked = resolve));
    page.on("request", (r) => void (new URL(r.url()).pathname.endsWith("/namespaces/default/keys") && keysAsked()));
    await page.route("**/kv/app.js", async (route) => {
      await asked;
      await route.continue();
    });
    try {
      await openAt(page, site, "#ns=default&prefix=user%2F01%2F");
      expect(await keysReady(page)).toBe("100");
      expect(await keysShown(page).then((keys) => keys[0])).toBe(keyName(1000));
      expect(keyRequests).toEqual([`${site.host.origin}/kv/api/v1/sites/${site.site}/namespaces/default/keys?prefix=user%2F01%2F&limit=100`]);
    } finally {
      await page.unroute("**/kv/app.js");
      page.removeAllListeners("request");
    }
  });

  it("deletes every key under a prefix after showing how many there are", async () => {
    const { page } = browser;
    // A namespace of its own: the keys it leaves would otherwise come first in the other tests' lists.
    const created = await site.api("POST", `/v1/sites/${site.site}/namespaces`, JSON.stringify({ name: "scratch" }), { "content-type": "application/json" });
    expect(created.status).toBe(201);
    await seed(site, "scratch", [...Array.from({ length: 30 }, (_, i) => ({ key: `tmp/${i}`, value: "x" })), { key: "tmpfile", value: "kept" }]);
    await openAt(page, site, "#ns=scratch&prefix=tmp%2F");
    await eventually(() => keysReady(page)).toBe("30");
    await page.getByRole("button", { name: "Delete by prefix…" }).click();
    const confirm = page.getByRole("group", { name: "Confirm deleting by prefix" });
    await eventually(() => confirm.textContent()).toContain("30 keys starting with “tmp/” will be deleted.");
    await screenshot(page, "prefix-delete");
    // Removed by the API's bounded steps, not by a list of keys the page holds.
    const posts: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => void (r.method() === "POST" && posts.push(new URL(r.url()).pathname));
    page.on("request", onRequest);
    await confirm.getByRole("button", { name: "Delete 30" }).click();
    await eventually(() => page.getByText("Deleted 30 keys.").count()).toBe(1);
    page.off("request", onRequest);
    expect(posts).toEqual([`/kv/api/v1/sites/${site.site}/namespaces/scratch/bulk/delete-prefix`]);
    await eventually(() => keysReady(page)).toBe("0");
    const left = await site.api("GET", `/v1/sites/${site.site}/namespaces/scratch/keys?prefix=tmp`);
    expect(left.json.keys.map((k: { key: string }) => k.key)).toEqual(["tmpfile"]);
  });
});

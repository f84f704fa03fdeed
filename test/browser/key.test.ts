import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, openBrowser, openAt, screenshot, seed, signIn, startKvSite, type KvBrowser, type KvSite } from "../support/browser.js";

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

const valuePath = (key: string) => `/v1/sites/${site.site}/namespaces/default/values/${encodeURIComponent(key)}`;
const put = async (key: string, body: string | Uint8Array) => {
  const answer = await site.api("PUT", valuePath(key), body);
  expect(answer.status, answer.bytes.toString()).toBe(200);
  return answer.json.version as string;
};

describe("a value", () => {
  it("shows binary bytes as a hex dump and downloads them byte for byte", async () => {
    const { page } = browser;
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    await put("bin/blob", bytes);
    await openAt(page, site, "#ns=default&key=bin%2Fblob");
    const dump = page.getByLabel("Hex dump");
    await eventually(() => dump.textContent()).toMatch(/^00000000 {2}00 07 0e 15 1c 23 2a 31 38 3f 46 4d 54 5b 62 69 {2}\.\.\.\.\.#\*18\?FMT\[bi\n/);
    expect((await dump.textContent())!.split("\n")).toHaveLength(19);
    await screenshot(page, "value-hex");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /^Download/ }).click()]);
    expect(download.suggestedFilename()).toBe("blob");
    expect(new Uint8Array(await readFile((await download.path())!))).toEqual(bytes);
  });

  it("shows an SVG image whose address, opened in a tab of its own, runs its scripts in an origin the host serves nothing", async () => {
    const { context, page } = browser;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><script>window.__ran = origin</script><rect width="20" height="20" fill="red"/></svg>`;
    await seed(site, "default", [{ key: "pictures/drawing.svg", value: svg, metadata: { contentType: "Image/SVG+XML; charset=utf-8" } }]);
    await openAt(page, site, "#ns=default&key=pictures%2Fdrawing.svg");
    const image = page.getByRole("img", { name: "The image stored at pictures/drawing.svg" });
    await eventually(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(20);
    // "Open image in new tab": the image's address as a document of its own.
    const tab = await context.newPage();
    try {
      await tab.goto((await image.getAttribute("src"))!);
      expect(await tab.evaluate("window.__ran")).not.toBe(site.host.origin);
      const session = await tab.evaluate(
        `fetch(${JSON.stringify(`${site.host.origin}/kv/session`)}, { credentials: "include" }).then((r) => r.text(), () => "refused")`,
      );
      expect(session).toBe("refused");
    } finally {
      await tab.close();
    }
  });

  it("shows HTML or XML bytes as text, whatever type their metadata claims", async () => {
    const { page } = browser;
    const html = "<html><body><script>window.__ran = 1</script>hi</body></html>";
    await seed(site, "default", [{ key: "pictures/page.html", value: html, metadata: { contentType: "image/x-anything" } }]);
    await openAt(page, site, "#ns=default&key=pictures%2Fpage.html");
    await eventually(() => page.locator("pre.text").textContent()).toBe(html);
    expect(await page.locator("main img").count()).toBe(0);
  });

  it("refuses the reserved keys . and .. with the API's entry, sending nothing: a browser would send their paths to another route", async () => {
    const { page } = browser;
    for (const key of [".", ".."]) {
      const sent: string[] = [];
      const record = (r: { method(): string; url(): string }) => sent.push(`${r.method()} ${new URL(r.url()).pathname}`);
      page.on("request", record);
      try {
        await openAt(page, site, `#ns=default&key=${encodeURIComponent(key)}`);
        await eventually(() => page.locator(".key-panel [role=alert]").first().textContent()).toBe(
          `The key "${key}" is reserved.Keys may not be "." or "..". Choose another name.`,
        );
        await page.getByRole("tab", { name: "Regions" }).click();
        await eventually(() => page.locator(".key-panel [role=alert]").last().textContent()).toContain(`The key "${key}" is reserved.`);
      } finally {
        page.off("request", record);
      }
      expect(sent.filter((s) => /\/namespaces\/default\/?$|\/values\/|\/regions\//.test(s))).toEqual([]);
    }
  });

  it("shows JSON nested thousands deep, or of a hundred thousand items, a level and a thousand items at a time", async () => {
    const { page } = browser;
    const errors: string[] = [];
    const record = (e: Error) => errors.push(e.message);
    page.on("pageerror", record);
    try {
      await put("json/deep", `${"[".repeat(5000)}${"]".repeat(5000)}`);
      await openAt(page, site, "#ns=default&key=json%2Fdeep");
      const tree = page.getByRole("region", { name: "JSON value" });
      await eventually(() => tree.locator("details").count()).toBe(3);
      expect(await tree.locator("details[open]").count()).toBe(2);
      await tree.locator("details:not([open]) > summary").click();
      await eventually(() => tree.locator("details").count()).toBe(4);

      await put("json/long", JSON.stringify(Array.from({ length: 100_000 }, (_, i) => i)));
      await openAt(page, site, "#ns=default&key=json%2Flong");
      await eventually(() => tree.locator(".json-leaf").count()).toBe(1000);
      await tree.getByRole("button", { name: "Show 1000 more of 99000 left" }).click();
      await eventually(() => tree.locator(".json-leaf").count()).toBe(2000);
      expect(await tree.locator(".json-leaf").last().textContent()).toBe("1999");
    } finally {
      page.off("pageerror", record);
    }
    expect(errors).toEqual([]);
  });

  it("saves a JSON edit, after refusing JSON that does not parse", async () => {
    const { page } = browser;
    const before = await put("doc", '{"a":1}');
    await openAt(page, site, "#ns=default&key=doc");
    await page.getByRole("tab", { name: "Edit" }).click();
    const text = page.getByLabel("Text of the value");
    await eventually(() => text.inputValue()).toBe('{\n  "a": 1\n}');
    await text.fill('{"a": 2,');
    await page.getByRole("button", { name: "Save" }).click();
    await eventually(() => page.locator("#text-problem").textContent()).toMatch(/^This is not valid JSON/);
    expect((await site.api("GET", valuePath("doc"))).headers["x-yourspace-version"]).toBe(before);

    await text.fill('{"a": 2, "b": [1, 2]}');
    await page.getByLabel("Metadata (a JSON object, or empty for none)").fill('{"owner": "me"}');
    await screenshot(page, "edit-json");
    await page.getByRole("button", { name: "Save" }).click();
    await eventually(() => page.getByText(/^Saved: version/).count()).toBe(1);
    const after = await site.api("GET", valuePath("doc"));
    expect(after.bytes.toString()).toBe('{"a": 2, "b": [1, 2]}');
    expect(after.headers["x-yourspace-version"]).not.toBe(before);
    expect(JSON.parse(Buffer.from(after.headers["x-yourspace-metadata"] as string, "base64url").toString())).toEqual({ owner: "me" });
  });

  it("refuses to overwrite a write made after the key was opened, and says which version and who", async () => {
    const { page } = browser;
    await put("contested", "first");
    await openAt(page, site, "#ns=default&key=contested");
    await page.getByRole("tab", { name: "Edit" }).click();
    await page.getByLabel("Text of the value").fill("mine");
    const theirs = await put("contested", "theirs");
    await page.getByRole("button", { name: "Save" }).click();
    const conflict = page.getByRole("group", { name: "Conflict" });
    await eventually(() => conflict.textContent()).toContain(`Home now holds version ${theirs}, last changed by `);
    expect(await page.getByRole("alert").textContent()).toMatch(/not .*nothing was written/);
    await screenshot(page, "edit-conflict");
    expect((await site.api("GET", valuePath("contested"))).bytes.toString()).toBe("theirs");

    await conflict.getByRole("button", { name: "Save mine over it" }).click();
    await eventually(async () => (await site.api("GET", valuePath("contested"))).bytes.toString()).toBe("mine");
  });
});

const putGreeting = async (value: string) => {
  const answer = await site.api("PUT", `/v1/sites/${site.site}/namespaces/default/values/greeting`, value);
  expect(answer.status).toBe(200);
  return answer.json.version as string;
};

describe("the regions of a key", () => {
  it("show each region's version change after advance, and a partition hold the newest write back", async () => {
    const { page } = browser;
    const first = await putGreeting("hello");
    await openAt(page, site, "#ns=default&key=greeting");
    await page.getByRole("tab", { name: "Regions" }).click();
    const row = (region: string) => page.locator(`tr[data-region="${region}"]`);
    const cells = async (region: string) => (await row(region).locator("td").allTextContents()).slice(0, 7);
    // The default profile pushes a write to the edges 100 to 300 ms after it is made.
    await eventually(() => cells("iad")).toEqual(["value", first, "hello", "home", "current", "none", "now"]);
    expect((await cells("fra")).slice(0, 5)).toEqual(["nothing", "—", "", "replica", "stale"]);
    expect((await cells("fra"))[6]).toMatch(/^in \d+ ms$/);
    await screenshot(page, "regions-before-advance");

    await page.getByRole("button", { name: "+1 s" }).click();
    await eventually(() => cells("fra")).toEqual(["value", first, "hello", "replica", "current", "none", "now"]);
    expect(await cells("sin")).toEqual(["value", first, "hello", "replica", "current", "none", "now"]);

    await page.getByRole("button", { name: "Partition fra" }).click();
    await eventually(() => row("fra").locator("td").last().textContent()).toMatch(/^partitioned/);
    const second = await putGreeting("bonjour");
    await page.getByRole("button", { name: "+1 s" }).click();
    await eventually(() => cells("sin")).toEqual(["value", second, "bonjour", "replica", "current", "none", "now"]);
    const fra = await cells("fra");
    expect([fra[1], fra[2], fra[4], fra[6]]).toEqual([first, "hello", "stale", "held by a partition"]);
    await screenshot(page, "regions-partitioned");

    await page.getByRole("button", { name: "Heal fra" }).click();
    await page.getByRole("button", { name: "Settle (deliver every pending write)" }).click();
    await eventually(() => cells("fra")).toEqual(["value", second, "bonjour", "replica", "current", "none", "now"]);
  });
});

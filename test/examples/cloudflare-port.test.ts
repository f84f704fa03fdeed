import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/cloudflare-port: a Worker in Cloudflare's module syntax, env.KV.get(key, { type, cacheTtl }).
test("a Cloudflare Worker reads its settings through env.KV, unchanged", async () => {
  const site = exampleSite("cloudflare-port");
  await site.ok(["kv", "namespace", "create", "settings"]);
  await site.ok(["kv", "set", "settings:site", JSON.stringify({ title: "Teapots", banner: null }), "-n", "settings"]);
  await site.ok(["kv", "set", "settings:mail", JSON.stringify({ from: "shop@example.com" }), "-n", "settings"]);
  const dev = await site.serve();

  const site_ = await dev.fetch("/settings?name=site");
  expect(site_.status).toBe(200);
  expect(await site_.json()).toEqual({ name: "site", settings: { title: "Teapots", banner: null }, known: ["settings:mail", "settings:site"] });
  const missing = await dev.fetch("/settings?name=nothing");
  expect(missing.status).toBe(404);
  expect(await missing.text()).toBe("No settings named nothing");
});

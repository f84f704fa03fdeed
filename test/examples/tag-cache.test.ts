import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/tag-cache: product pages cached with tags, dropped by tag.
test("a cached page is served until its tag is invalidated, then rendered from the new data", async () => {
  const site = exampleSite("tag-cache");
  await site.ok(["kv", "namespace", "create", "cache"]);
  await site.ok(["kv", "set", "products/1", JSON.stringify({ name: "Teapot", price: 18 })]);
  await site.ok(["kv", "set", "products/2", JSON.stringify({ name: "Kettle", price: 30 })]);
  const dev = await site.serve();
  const product = async (id: string) => {
    const answer = await dev.fetch(`/products/${id}`);
    return { status: answer.status, cache: answer.headers.get("x-cache"), body: await answer.text() };
  };
  const invalidate = async (tag: string) => (await dev.fetch(`/invalidate?tag=${encodeURIComponent(tag)}`, { method: "POST" })).json();

  expect(await product("1")).toMatchObject({ status: 200, cache: "miss", body: expect.stringContaining("<p>18</p>") });
  expect(await product("1")).toMatchObject({ cache: "hit", body: expect.stringContaining("<p>18</p>") });
  expect(await product("2")).toMatchObject({ cache: "miss" });
  expect((await site.ok(["kv", "ls", "-n", "cache"])).out.trim().split("\n")).toEqual([
    "cache/products/1",
    "cache/products/2",
    "tags/product:1/products/1",
    "tags/product:2/products/2",
    "tags/products/products/1",
    "tags/products/products/2",
  ]);

  await site.ok(["kv", "set", "products/1", JSON.stringify({ name: "Teapot", price: 21 })]);
  expect(await product("1")).toMatchObject({ cache: "hit", body: expect.stringContaining("<p>18</p>") });
  expect(await invalidate("product:1")).toEqual({ tag: "product:1", invalidated: 1 });
  expect(await product("2")).toMatchObject({ cache: "hit" }); // another tag's page stays
  expect(await product("1")).toMatchObject({ cache: "miss", body: expect.stringContaining("<p>21</p>") });

  expect(await invalidate("products")).toEqual({ tag: "products", invalidated: 2 });
  expect(await product("1")).toMatchObject({ cache: "miss" });
  expect(await product("3")).toMatchObject({ status: 404 });
});

test("invalidation answers what it was asked wrong", async () => {
  const site = exampleSite("tag-cache");
  await site.ok(["kv", "namespace", "create", "cache"]);
  const dev = await site.serve();
  expect((await dev.fetch("/invalidate", { method: "POST" })).status).toBe(400);
  expect((await dev.fetch("/invalidate?tag=products")).status).toBe(405);
});

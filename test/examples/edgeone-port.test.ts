import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/edgeone-port: an EdgeOne Pages Function, onRequest(context), my_kv.get(key, "json").
test("an EdgeOne Pages Function keeps a cart through my_kv", async () => {
  const site = exampleSite("edgeone-port");
  await site.ok(["kv", "namespace", "create", "carts"]);
  const dev = await site.serve();
  const cart = (user: string, item?: string) => dev.fetch(`/cart?user=${user}`, item === undefined ? {} : { method: "POST", body: item });

  expect(await (await cart("ada", "teapot")).json()).toEqual({ user: "ada", items: ["teapot"] });
  expect(await (await cart("ada", "kettle")).json()).toEqual({ user: "ada", items: ["teapot", "kettle"] });
  await cart("bob", "cup");
  expect(await (await cart("ada")).json()).toEqual({ user: "ada", items: ["teapot", "kettle"], carts: 2, complete: true });
  expect(JSON.parse((await site.ok(["kv", "get", "cart_ada", "-n", "carts"])).out)).toEqual(["teapot", "kettle"]);

  const bad = await cart("not%20a%20user");
  expect(bad.status).toBe(400);
});

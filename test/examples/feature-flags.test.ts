import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/feature-flags: a flag set from the CLI, read by the home page on every request.
test("a flag set from the CLI changes the page at home at once", async () => {
  const site = exampleSite("feature-flags");
  const dev = await site.serve();
  const page = async () => (await dev.fetch("/")).headers.get("x-homepage");

  expect(await page()).toBe("v1");
  await site.ok(["kv", "set", "flags/homepage-v2", "on"]);
  const v2 = await dev.fetch("/");
  expect(v2.headers.get("x-homepage")).toBe("v2");
  expect(v2.headers.get("x-flag-served-from")).toBe("iad home");
  expect(await v2.text()).toContain("new home page");
  await site.ok(["kv", "rm", "flags/homepage-v2"]);
  expect(await page()).toBe("v1");
});

test("a flag set in fra is served stale in sin until the model's delay has passed", async () => {
  const site = exampleSite("feature-flags");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  await site.ok(["kv", "set", "flags/homepage-v2", "on"]);
  await site.ok(["kv", "emulator", "settle"]);
  const dev = await site.serve();
  const inRegion = async (region: string) => {
    const answer = await dev.fetch("/", { region });
    return { page: answer.headers.get("x-homepage"), from: answer.headers.get("x-flag-served-from") };
  };

  expect(await inRegion("sin")).toEqual({ page: "v2", from: "sin replica" });
  await site.ok(["kv", "set", "flags/homepage-v2", "off", "--region", "fra"]);
  expect(await inRegion("fra")).toEqual({ page: "v1", from: "fra replica" }); // read your writes in the writer's region
  expect(await inRegion("iad")).toEqual({ page: "v1", from: "iad home" });
  expect(await inRegion("sin")).toEqual({ page: "v2", from: "sin replica" }); // stale
  const stale = await dev.fetch("/", { region: "sin" });
  expect(stale.headers.get("x-yourspace-region")).toBe("sin");
  expect(stale.headers.get("x-yourspace-kv")).toMatch(/^flags%2Fhomepage-v2 v=\d+ from=replica stale=1 /);
  await site.ok(["kv", "emulator", "advance", "300ms"]);
  expect(await inRegion("sin")).toEqual({ page: "v1", from: "sin replica" });
});

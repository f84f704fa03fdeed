import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/rate-limiter: a fixed window of 5 requests a minute per client, on the manual clock so
// the window moves only when the test advances it.
test("a client gets five requests a window, then 429, and five more in the next window", async () => {
  const site = exampleSite("rate-limiter");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  const dev = await site.serve();
  const call = (client: string, region = "iad") => dev.fetch("/api/hello.json", { region, headers: { "x-forwarded-for": client } });

  for (let n = 4; n >= 0; n--) {
    const answer = await call("203.0.113.7");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-ratelimit-remaining")).toBe(String(n));
    expect(await answer.json()).toEqual({ hello: "world" });
  }
  const limited = await call("203.0.113.7");
  expect(limited.status).toBe(429);
  const retryAfter = Number(limited.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect((await call("198.51.100.1")).status).toBe(200); // another client has its own window

  const counters = (await site.ok(["kv", "ls", "ratelimit/"])).out.trim().split("\n");
  expect(counters).toHaveLength(2);
  expect(counters.some((key) => key.startsWith("ratelimit/203.0.113.7/"))).toBe(true);

  await site.ok(["kv", "emulator", "advance", `${retryAfter}s`]);
  expect((await call("203.0.113.7")).status).toBe(200);
});

test("across regions the limiter counts from a stale copy: sin lets through a client home has limited", async () => {
  const site = exampleSite("rate-limiter");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  const dev = await site.serve();
  const call = (region: string) => dev.fetch("/api/hello.json", { region, headers: { "x-forwarded-for": "203.0.113.7" } });

  for (let n = 0; n < 5; n++) expect((await call("iad")).status).toBe(200);
  expect((await call("iad")).status).toBe(429);
  // sin has not received home's counter yet (no time has passed): it counts from nothing, as
  // examples/rate-limiter/README.md says, and its write replaces home's count.
  const fromSin = await call("sin");
  expect(fromSin.status).toBe(200);
  expect(fromSin.headers.get("x-ratelimit-remaining")).toBe("4");
  expect((await call("iad")).status).toBe(200);
});

test("in a region partitioned from home the limiter's write fails, and the request answers 500 naming why", async () => {
  const site = exampleSite("rate-limiter");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  await site.ok(["kv", "emulator", "partition", "sin"]);
  const dev = await site.serve();

  const answer = await dev.fetch("/api/hello.json", { region: "sin", headers: { "x-forwarded-for": "203.0.113.7", accept: "application/json" } });
  expect(answer.status).toBe(500);
  const { error } = (await answer.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("FUNCTION_ERROR");
  expect(error.message).toContain("partitioned");
  expect((await site.ok(["kv", "ls", "ratelimit/"])).out).toBe("");
  expect((await dev.fetch("/api/hello.json", { headers: { "x-forwarded-for": "203.0.113.7" } })).status).toBe(200); // home still counts
});

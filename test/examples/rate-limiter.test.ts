import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/rate-limiter: a fixed window of 5 requests a minute per client, counted with kv.incr, on
// the manual clock so the window moves only when the test advances it.
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

test("a burst from one client lets exactly five through: no two increments see the same count", async () => {
  const site = exampleSite("rate-limiter");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  const dev = await site.serve();
  const burst = await Promise.all(Array.from({ length: 12 }, () => dev.fetch("/api/hello.json", { headers: { "x-forwarded-for": "203.0.113.7" } })));
  const passed = burst.filter((answer) => answer.status === 200);
  expect(passed).toHaveLength(5);
  expect(burst.filter((answer) => answer.status === 429)).toHaveLength(7);
  expect(passed.map((answer) => answer.headers.get("x-ratelimit-remaining")).sort()).toEqual(["0", "1", "2", "3", "4"]);
  const [counter] = (await site.ok(["kv", "ls", "ratelimit/"])).out.trim().split("\n");
  expect((await site.ok(["kv", "get", counter!])).out).toBe("12");
});

test("across regions the limit holds, counted at home, while an edge's copy of the counter still shows less", async () => {
  const site = exampleSite("rate-limiter");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  const dev = await site.serve();
  const call = (region: string) => dev.fetch("/api/hello.json", { region, headers: { "x-forwarded-for": "203.0.113.7" } });

  // No time passes: no region has received another's increments, yet each answer is home's count.
  const remaining = [];
  for (const region of ["fra", "sin", "fra", "sin", "iad"]) {
    const answer = await call(region);
    expect(answer.status).toBe(200);
    remaining.push(answer.headers.get("x-ratelimit-remaining"));
  }
  expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
  expect((await call("sin")).status).toBe(429);
  expect((await call("fra")).status).toBe(429);

  const [counter] = (await site.ok(["kv", "ls", "ratelimit/"])).out.trim().split("\n");
  expect((await site.ok(["kv", "get", counter!])).out).toBe("7");
  // sin reads its own last increment back (the sixth), not fra's seventh: an eventual read of a
  // counter in an edge shows a lower count until Δ has passed, which is why the limiter decides on
  // what kv.incr answers.
  const inSin = ["kv", "get", counter!, "--region", "sin", "--consistency", "eventual"];
  expect((await site.ok(inSin)).out).toBe("6");
  await site.ok(["kv", "emulator", "advance", "300ms"]);
  expect((await site.ok(inSin)).out).toBe("7");
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

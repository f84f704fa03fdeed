import { expect, test } from "vitest";
import { exampleSite } from "../support/example-site.js";

// examples/sessions: the launch post's handler guarding /admin, and a login route writing a session
// with a one-hour TTL, on the emulator's manual clock so the TTL runs out when the test says.
test("a session opened at /login passes the launch post's guard until its TTL runs out", async () => {
  const site = exampleSite("sessions");
  await site.ok(["kv", "emulator", "clock", "manual"]);
  const dev = await site.serve();
  const request = dev.fetch;

  const anonymous = await request("/admin");
  expect(anonymous.status).toBe(302);
  expect(new URL(anonymous.headers.get("location")!, dev.info.url).pathname).toBe("/login");

  const login = await request("/login", { method: "POST", body: JSON.stringify({ user: "ada" }) });
  expect(login.status).toBe(201);
  const { token, expiresAt } = (await login.json()) as { token: string; expiresAt: number };

  // The store holds the session with the expiry the function computed from its (emulated) clock.
  const stored = JSON.parse((await site.ok(["kv", "get", `sessions/${token}`, "--json"])).out) as { value: string; expiresAt: string };
  expect(JSON.parse(stored.value)).toMatchObject({ user: "ada" });
  expect(Math.floor(Date.parse(stored.expiresAt) / 1000)).toBe(expiresAt);

  const admitted = await request("/admin", { headers: { authorization: token } });
  expect(admitted.status).toBe(200);
  expect(await admitted.text()).toContain("Admin area");
  expect((await request("/admin", { headers: { authorization: "not-a-session" } })).status).toBe(302);

  await site.ok(["kv", "emulator", "advance", "59m"]);
  expect((await request("/admin", { headers: { authorization: token } })).status).toBe(200);
  await site.ok(["kv", "emulator", "advance", "1m"]);
  const expired = await request("/admin", { headers: { authorization: token } });
  expect(expired.status).toBe(302);
});

test("the login route refuses what is not a login, and writes nothing", async () => {
  const site = exampleSite("sessions");
  const dev = await site.serve();
  const request = dev.fetch;

  expect((await request("/login")).status).toBe(405);
  const noUser = await request("/login", { method: "POST", body: "{}" });
  expect(noUser.status).toBe(400);
  expect(((await noUser.json()) as { error: string }).error).toContain('"user"');
  expect((await request("/login", { method: "POST", body: "not json" })).status).toBe(400);
  expect((await site.ok(["kv", "ls", "sessions/"])).out).toBe("");
});

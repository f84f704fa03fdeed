import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { inProcess, ok } from "../support/kv.js";

const { kv, kvJson } = inProcess;

/** The CLI's --ttl and --expires-at keep an expiry as the API does: whole milliseconds, rounded up. */
describe("an expiry finer than a millisecond from the CLI", () => {
  it("is rounded up to the next millisecond", async () => {
    const dir = tempDir();
    const { now } = await kvJson<{ now: string }>(dir, ["emulator", "clock", "manual"]);
    await ok(kv(dir, ["set", "t", "x", "--ttl", "60.0001"]));
    await ok(kv(dir, ["set", "a", "x", "--expires-at", "4102444800.0001"]));
    await ok(kv(dir, ["incr", "c", "--ttl", "100.123456"]));
    const expiry = async (key: string) => Date.parse((await kvJson<{ expiresAt: string }>(dir, ["get", key])).expiresAt);
    expect((await expiry("t")) - Date.parse(now)).toBe(60_001);
    expect(await expiry("a")).toBe(Date.UTC(2100, 0, 1, 0, 0, 0, 1));
    expect((await expiry("c")) - Date.parse(now)).toBe(100_124);
  });
});

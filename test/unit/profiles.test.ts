/**
 * Each peer profile follows the rules of its platform's documents (docs/consistency.md quotes them):
 * one test per rule, on a real engine over a real store, and through the CLI where the CLI decides.
 * Each scenario ends with the history checker over what was recorded.
 */
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { GetResult } from "../../src/core/backend.js";
import { ManualClock } from "../../src/core/clock.js";
import { check } from "../../src/emulator/history/checker.js";
import { formatViolations } from "../../src/emulator/history/violations.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { createReal, HOME, NS, SITE, type Real } from "../property/harness.js";

function fresh(profile: string): Real {
  const r = createReal(profile, 0);
  onTestFinished(() => {
    r.db.close();
  });
  return r;
}

const put = (r: Real, region: string, key: string, value: string, ttlSeconds?: number) =>
  r.engine.put(SITE, NS, key, { value: Buffer.from(value), ttlSeconds }, { region });
const del = (r: Real, region: string, key: string) => r.engine.delete(SITE, NS, [key], { force: true, region });
const get = (r: Real, region: string, key: string, cacheTtlMs?: number): GetResult =>
  r.engine.get(SITE, NS, key, { region, consistency: "eventual", ...(cacheTtlMs !== undefined && { cacheTtlMs }) });
/** [value or null, served from]. */
const seen = (g: GetResult): [string | null, string] => [g.entry?.value.toString() ?? null, g.read.servedFrom];
const at = (r: Real, t: number) => r.clock.set(t);
const expectClean = (r: Real) => expect(formatViolations(check(r.recorder.ops, r.initial))).toBe("");

describe("edgeone", () => {
  // "Update / Delete: The current node takes effect immediately." No negative lookup is cached.
  it("a delete is not cached as a tombstone: the edge's next read asks home, and sees a later write from elsewhere", () => {
    const r = fresh("edgeone");
    put(r, HOME, "k", "v1");
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "origin"]);
    del(r, "fra", "k");
    expect(seen(get(r, "fra", "k"))).toEqual([null, "origin"]); // takes effect at once where deleted
    put(r, "sin", "k", "v3");
    expect(seen(get(r, "fra", "k"))).toEqual(["v3", "origin"]); // no cached tombstone hides it
    expectClean(r);
  });

  it("a miss and an expired record are not cached either", () => {
    const r = fresh("edgeone");
    expect(seen(get(r, "fra", "k"))).toEqual([null, "origin"]);
    put(r, HOME, "k", "v1");
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "origin"]);
    put(r, HOME, "e", "short", 60);
    at(r, T0 + 60_000);
    expect(seen(get(r, "fra", "e"))).toEqual([null, "origin"]);
    put(r, HOME, "e", "again");
    expect(seen(get(r, "fra", "e"))).toEqual(["again", "origin"]);
    expectClean(r);
  });

  // "If the cache misses or has expired (with a maximum validity of 60 seconds) ..."
  it("a cache TTL over 60 s is refused, for the profile and for one read", () => {
    const r = fresh("edgeone");
    expect(() => r.control.configure({ cacheTtlMs: 120_000 })).toThrow(
      expect.objectContaining({ code: "USAGE", message: expect.stringContaining("at most 60 s") }),
    );
    expect(() => r.control.configure({ cacheTtlMs: 30_000 })).not.toThrow();
    put(r, HOME, "k", "v1");
    expect(() => get(r, "fra", "k", 61_000)).toThrow(expect.objectContaining({ code: "USAGE" }));
    expect(seen(get(r, "fra", "k", 60_000))).toEqual(["v1", "origin"]);
    expectClean(r);
  });

  // "limit: ... The default value is 256, and the maximum is 256."
  it("a list page holds at most 256 keys; the cursor goes on to the rest", () => {
    const r = fresh("edgeone");
    r.engine.putMany(
      SITE,
      NS,
      Array.from({ length: 300 }, (_, i) => ({ key: `k${String(i).padStart(3, "0")}`, value: Buffer.from("v") })),
    );
    for (const region of [HOME, "fra"]) {
      const first = r.engine.list(SITE, NS, { prefix: "", limit: 1000, region, consistency: "eventual", cursor: null });
      expect(first.keys).toHaveLength(256);
      expect(first.cursor).not.toBeNull();
      const rest = r.engine.list(SITE, NS, { prefix: "", limit: 1000, region, consistency: "eventual", cursor: first.cursor });
      expect(rest.keys).toHaveLength(44);
      expect(rest.cursor).toBeNull();
    }
    const listed = r.recorder.ops.filter((op) => op.f === "list");
    expect(listed[0]).toMatchObject({ limit: 256, cursor: null, complete: false });
    expect(listed[1]).toMatchObject({ limit: 256, complete: true, nextCursor: null });
    expectClean(r);
  });

  it("through the CLI: ls --all walks every page; config --cache-ttl 2m exits 2", async () => {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    const env = { YOURSPACE_DATA_DIR: join(cwd, "data"), YOURSPACE_CONFIG_DIR: join(cwd, "config") };
    const kv = (...argv: string[]) =>
      runCli(["kv", ...argv], {
        cwd,
        env,
        clock,
        stdin: argv.includes("-") ? Array.from({ length: 300 }, (_, i) => JSON.stringify({ key: `k${i}`, value: "v" })).join("\n") : undefined,
      });
    expect((await kv("emulator", "config", "--profile", "edgeone")).code).toBe(0);
    const refused = await kv("emulator", "config", "--cache-ttl", "2m");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("at most 60 s");
    expect((await kv("import", "-", "--format", "ndjson")).code).toBe(0);
    const page = await kv("ls", "--limit", "1000", "--json", "--region", "fra", "--consistency", "eventual");
    expect(JSON.parse(page.out)).toMatchObject({ complete: false });
    expect(JSON.parse(page.out).keys).toHaveLength(256);
    const all = await kv("ls", "--all", "--limit", "1000", "--json");
    expect(JSON.parse(all.out).keys).toHaveLength(300);
    expect((await kv("get", "k1", "--region", "fra", "--consistency", "eventual", "--cache-ttl", "2m")).code).toBe(2);
  });
});

describe("cloudflare", () => {
  // cacheTtl: "the length of time in seconds that a KV result is cached in the global network
  // location it is accessed from" — the result that read fetched.
  it("a read's cacheTtl sets how long what it fetches is cached; later reads are served that entry whatever they ask", () => {
    const r = fresh("cloudflare");
    put(r, HOME, "k", "v1");
    expect(seen(get(r, "fra", "k", 300_000))).toEqual(["v1", "origin"]);
    put(r, HOME, "k", "v2");
    at(r, T0 + 200_000);
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "cache"]);
    expect(seen(get(r, "fra", "k", 30_000))).toEqual(["v1", "cache"]);
    at(r, T0 + 300_000);
    expect(seen(get(r, "fra", "k", 30_000))).toEqual(["v2", "origin"]);
    at(r, T0 + 329_999);
    put(r, HOME, "k", "v3");
    expect(seen(get(r, "fra", "k"))).toEqual(["v2", "cache"]);
    at(r, T0 + 330_000);
    expect(seen(get(r, "fra", "k"))).toEqual(["v3", "origin"]);
    const gets = r.recorder.ops.filter((op) => op.f === "get" && op.region === "fra");
    expect(gets.map((op) => op.cacheTtlUsedMs)).toEqual([300_000, 300_000, 300_000, 30_000, 30_000, 60_000]);
    expectClean(r);
  });

  it("negative lookups are cached: a miss stays a miss in that edge for the TTL", () => {
    const r = fresh("cloudflare");
    expect(seen(get(r, "fra", "k"))).toEqual([null, "origin"]);
    put(r, HOME, "k", "v1");
    expect(seen(get(r, "fra", "k"))).toEqual([null, "cache"]);
    at(r, T0 + 60_000);
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "origin"]);
    expectClean(r);
  });
});

describe("esa", () => {
  // "ESA invalidates any stale copies of that key at the edge POPs ..." "Hot read: the key is cached."
  it("an edge serves its cached copy until the write's invalidation reaches it, then fetches from the central POP", () => {
    const r = fresh("esa");
    put(r, HOME, "k", "v1");
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "origin"]);
    at(r, T0 + 3_600_000); // no TTL: still cached an hour later
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "cache"]);
    put(r, HOME, "k", "v2");
    expect(seen(get(r, "fra", "k"))).toEqual(["v1", "cache"]);
    at(r, T0 + 3_600_000 + 20_000);
    expect(seen(get(r, "fra", "k"))).toEqual(["v2", "origin"]);
    expectClean(r);
  });
});

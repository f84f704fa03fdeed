/**
 * `kv inspect` tells the truth, in every profile, with and without faults: what it says a region
 * serves is what an eventual read there returns, "behind home" and "newest write visible" never
 * contradict each other, "held by" names a fault the region has, and a region not held serves home's
 * newest version by the time given.
 */
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { KvError } from "../../src/core/errors.js";
import type { RegionView } from "../../src/core/emulator-views.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { createReal, EDGES, NS, PROFILE_NAMES, SITE, type Real } from "../property/harness.js";

const FAULTS = [null, "partition", "pause"] as const;

/** An eventual read's version in a region, or "unavailable". */
function readVersion(r: Real, region: string): string | null {
  try {
    return r.engine.get(SITE, NS, "k", { region, consistency: "eventual" }).read.version;
  } catch (e) {
    if (e instanceof KvError && e.code === "UNAVAILABLE") return "unavailable";
    throw e;
  }
}

function inspect(r: Real): { now: number; home: string | null; regions: RegionView[] } {
  return r.control.inspect(SITE, NS, "k");
}

describe("inspect agrees with reads, and with itself", () => {
  for (const profile of PROFILE_NAMES) {
    for (const fault of FAULTS) {
      it(`${profile}, ${fault ?? "no fault"}`, () => {
        const r = createReal(profile, 3);
        onTestFinished(() => {
          r.db.close();
        });
        r.engine.put(SITE, NS, "k", { value: Buffer.from("v1") });
        r.control.settle();
        for (const edge of EDGES) readVersion(r, edge); // caches take version 1
        if (fault) r.control.fault(fault, "sin");
        r.engine.put(SITE, NS, "k", { value: Buffer.from("v2") });
        for (const step of [0, 150, 300, 20_000, 61_000]) {
          r.clock.advance(step);
          const view = inspect(r);
          for (const region of view.regions) {
            const why = `${profile}/${fault}/+${step}: ${JSON.stringify(region)}`;
            expect(region.behindHome, why).toBe(region.visibleAt! > view.now);
            if (region.heldBy)
              expect(
                r.engine.settings.faults(region.region).some((f) => f.kind === region.heldBy && f.end === null),
                why,
              ).toBe(true);
            if (region.visibleAt === Infinity && fault === null) expect(region.heldBy, why).toBe(null);
            if (region.visibleAt === Infinity && profile !== "esa" && profile !== "cloudflare" && profile !== "edgeone")
              expect(region.heldBy, why).not.toBe(null);
          }
          // What inspect says is what a read returns (a read may fill a cache, so it comes after).
          for (const region of view.regions) {
            expect(readVersion(r, region.region), `${profile}/${fault}/+${step} in ${region.region}`).toBe(region.unavailable ? "unavailable" : region.version);
          }
        }
        if (fault) {
          r.control.fault(fault === "partition" ? "heal" : "resume", "sin");
          r.clock.advance(61_000);
          for (const region of inspect(r).regions) expect(region).toMatchObject({ behindHome: false, heldBy: null, unavailable: false });
        }
      });
    }
  }

  it("a region not held serves home's newest version at the time inspect gave", () => {
    for (const profile of PROFILE_NAMES) {
      const r = createReal(profile, 3);
      onTestFinished(() => {
        r.db.close();
      });
      r.engine.put(SITE, NS, "k", { value: Buffer.from("v1") });
      for (const edge of EDGES) readVersion(r, edge);
      r.engine.put(SITE, NS, "k", { value: Buffer.from("v2") });
      const view = inspect(r);
      for (const region of view.regions) {
        if (!region.behindHome) continue;
        expect(Number.isFinite(region.visibleAt), `${profile} ${region.region}`).toBe(true);
        r.clock.set(region.visibleAt! - 1);
        expect(readVersion(r, region.region), `${profile} ${region.region} just before`).not.toBe(view.home);
      }
      const latest = Math.max(...view.regions.map((x) => x.visibleAt!));
      r.clock.set(latest);
      for (const region of view.regions) expect(readVersion(r, region.region), `${profile} ${region.region} at ${latest - T0}`).toBe(view.home);
    }
  });
});

describe("inspect's wording", () => {
  async function cli(profile: string) {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    const env = { YOURSPACE_DATA_DIR: join(cwd, "data"), YOURSPACE_CONFIG_DIR: join(cwd, "config") };
    const kv = async (...argv: string[]) => {
      const r = await runCli(["kv", ...argv], { cwd, env, clock });
      expect(r.code, r.stderr).toBe(0);
      return r.out;
    };
    await kv("emulator", "config", "--profile", profile);
    await kv("emulator", "clock", "manual");
    return kv;
  }
  const rows = (table: string) => table.split("\n").filter((l) => /│ (iad|fra|sin) /.test(l));

  it("cloudflare without a fault: a region with an older copy is behind and sees the write when its copy expires, never 'held by'", async () => {
    const kv = await cli("cloudflare");
    await kv("set", "k", "v1");
    await kv("get", "k", "--region", "fra", "--consistency", "eventual");
    await kv("set", "k", "v2");
    await kv("emulator", "advance", "20s");
    const out = await kv("inspect", "k");
    expect(out).not.toContain("held by");
    expect(rows(out).find((l) => l.includes("fra"))).toMatch(/│ yes +│ in 40s/);
    expect(rows(out).find((l) => l.includes("sin"))).toMatch(/│ no +│ yes/);
  });

  it("yourspace: a region that read-repaired the newest version is not behind, and says so without a time", async () => {
    const kv = await cli("yourspace");
    await kv("set", "k", "v1");
    await kv("get", "k", "--region", "sin"); // strong: repairs sin
    const out = await kv("inspect", "k");
    const sin = rows(out).find((l) => l.includes("sin"))!;
    expect(sin).toMatch(/│ no +│ yes/);
    expect(rows(out).find((l) => l.includes("fra"))).toMatch(/│ yes +│ in \d+ms/);
  });

  it("a partition holds a write, and inspect says which fault", async () => {
    const kv = await cli("esa");
    await kv("set", "k", "v1");
    await kv("get", "k", "--region", "sin", "--consistency", "eventual");
    await kv("emulator", "partition", "sin");
    await kv("set", "k", "v2");
    const out = await kv("inspect", "k");
    expect(rows(out).find((l) => l.includes("sin"))).toMatch(/│ yes +│ held by a partition/);
    expect(rows(out).find((l) => l.includes("fra"))).not.toContain("held");
  });
});

import { describe, expect, it } from "vitest";
import { regionStatus } from "../../src/emulator/region-views.js";
import { freshEngine } from "../support/engine.js";

/** `emulator status` over a manual clock that holds more writes pending than a call can take arguments. */
describe("the region status with very many pending writes", () => {
  it("counts them without overflowing the stack", () => {
    const { engine, db } = freshEngine();
    // The enterprise tier has no key ceiling; the site's tier is a setting of the store.
    db.prepare("UPDATE sites SET tier = 'enterprise' WHERE name = 'local'").run();
    const value = Buffer.from("x");
    for (let batch = 0; batch < 140; batch++) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({ key: `k${batch}-${i}`, value }));
      engine.putMany("local", "default", entries);
    }
    const status = regionStatus(engine);
    const edges = status.regions.filter((r) => r.role === "edge");
    expect(edges.length).toBeGreaterThan(0);
    for (const edge of edges) {
      expect(edge.pending).toBe(140_000);
      expect(edge.lagMs).toBe(0);
      expect(edge.caughtUpAt).not.toBeNull();
    }
  });
});

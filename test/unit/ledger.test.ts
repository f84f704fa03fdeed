import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { EmulatorCore, LocalBackend } from "../../src/emulator/local-backend.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

describe("ledger", () => {
  it("writes its records out by itself once flushAt have gathered, and the rest on flush()", async () => {
    const core = EmulatorCore.open(tempDir(), new ManualClock(T0));
    onTestFinished(() => core.close());
    core.ledger.flushAt = 2;
    const kv = new LocalBackend(core, "local", "token:t1", { kind: "embedded", description: "test", site: "local" });
    const stored = () => core.db.prepare("SELECT count(*) FROM audit WHERE site = 'local'").pluck().get();
    await kv.put("default", "a", { value: Buffer.from("1") });
    expect(stored()).toBe(0);
    await kv.get("default", "a");
    expect(stored()).toBe(2);
    await kv.get("default", "missing");
    expect(stored()).toBe(2);
    core.ledger.flush();
    expect(stored()).toBe(3);
    expect(core.db.prepare("SELECT action, key, outcome FROM audit ORDER BY id").all()).toEqual([
      { action: "write", key: "a", outcome: "ok" },
      { action: "read", key: "a", outcome: "ok" },
      { action: "read", key: "missing", outcome: "not-found" },
    ]);
  });
});

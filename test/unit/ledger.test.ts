import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { EmulatorCore } from "../../src/emulator/emulator-core.js";
import { LocalBackend } from "../../src/emulator/local-backend.js";
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
    expect(core.db.prepare("SELECT action, key, outcome, count FROM audit ORDER BY id").all()).toEqual([
      { action: "write", key: "a", outcome: "ok", count: 1 },
      { action: "read", key: "a", outcome: "ok", count: 1 },
      { action: "read", key: "missing", outcome: "not-found", count: 1 },
    ]);
  });

  it("writes out a flush of more records than one statement takes, all of them, in order", async () => {
    const core = EmulatorCore.open(tempDir(), new ManualClock(T0));
    onTestFinished(() => core.close());
    const kv = new LocalBackend(core, "local", "token:t1", { kind: "embedded", description: "test", site: "local" });
    const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
    for (const key of keys) await kv.put("default", key, { value: Buffer.from(key) });
    core.ledger.flush();
    expect(core.db.prepare("SELECT key FROM audit WHERE action = 'write' ORDER BY id").pluck().all()).toEqual(keys);
  });

  it("makes reads alike in all but their time one record per flush, counted and timed at the first, unless a write comes between; writes stay one record each", async () => {
    const clock = new ManualClock(T0);
    const core = EmulatorCore.open(tempDir(), clock);
    onTestFinished(() => core.close());
    const kv = new LocalBackend(core, "local", "token:t1", { kind: "embedded", description: "test", site: "local" });
    const other = new LocalBackend(core, "local", "token:t2", { kind: "embedded", description: "test", site: "local" });
    await kv.put("default", "a", { value: Buffer.from("1") });
    await kv.get("default", "a");
    clock.advance(5);
    await kv.get("default", "a");
    await kv.get("default", "a");
    await other.get("default", "a"); // another actor
    await kv.get("default", "missing"); // another key and outcome
    await kv.put("default", "a", { value: Buffer.from("2") });
    await kv.put("default", "a", { value: Buffer.from("3") });
    await kv.get("default", "a"); // after a write: a new record
    core.ledger.flush();
    await kv.get("default", "a"); // the next flush starts a new record
    core.ledger.flush();
    const rows = core.db.prepare("SELECT t, actor, action, key, outcome, count FROM audit ORDER BY id").all();
    expect(rows).toEqual([
      { t: T0, actor: "token:t1", action: "write", key: "a", outcome: "ok", count: 1 },
      { t: T0, actor: "token:t1", action: "read", key: "a", outcome: "ok", count: 3 },
      { t: T0 + 5, actor: "token:t2", action: "read", key: "a", outcome: "ok", count: 1 },
      { t: T0 + 5, actor: "token:t1", action: "read", key: "missing", outcome: "not-found", count: 1 },
      { t: T0 + 5, actor: "token:t1", action: "write", key: "a", outcome: "ok", count: 1 },
      { t: T0 + 5, actor: "token:t1", action: "write", key: "a", outcome: "ok", count: 1 },
      { t: T0 + 5, actor: "token:t1", action: "read", key: "a", outcome: "ok", count: 1 },
      { t: T0 + 5, actor: "token:t1", action: "read", key: "a", outcome: "ok", count: 1 },
    ]);
    // Every read is metered, whether or not it shares a record.
    expect((await kv.usage()).reads).toBe(7);
    expect((await kv.audit({ key: "a", actor: "token:t1" })).map((e) => e.count)).toEqual([1, 1, 1, 1, 3, 1]);
  });
});

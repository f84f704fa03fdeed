import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, onTestFinished } from "vitest";
import { STALE, Settings } from "../../src/emulator/settings.js";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import { openStore } from "../../src/emulator/store/store.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

function setup() {
  const dataDir = tempDir();
  const db = openStore({ dataDir, now: T0 });
  const other = new BetterSqlite3(join(dataDir, STORE_FILE));
  onTestFinished(() => {
    other.close();
    db.close();
  });
  const settings = new Settings(db);
  settings.refresh();
  /** Another process commits. */
  const commit = () =>
    other.prepare("INSERT INTO settings (name, value) VALUES ('record', '\"h.jsonl\"') ON CONFLICT (name) DO UPDATE SET value = excluded.value").run();
  /** An optimistic run's look: whether it found the settings out of date. */
  const stale = () => {
    try {
      settings.optimistic(() => settings.verify());
      return false;
    } catch (e) {
      if (e !== STALE) throw e;
      return true;
    }
  };
  return { settings, commit, stale, other };
}

describe("Settings.verify", () => {
  it("looks at the data_version on every optimistic run by default", () => {
    const { commit, stale } = setup();
    expect(stale()).toBe(false);
    commit();
    expect(stale()).toBe(true);
  });

  it("in a server, looks once per turn of the event loop: a commit is seen from the next turn on", async () => {
    const { settings, commit, stale } = setup();
    settings.oncePerTurn = true;
    expect(stale()).toBe(false);
    commit();
    // The same turn: answered as of its first look.
    expect(stale()).toBe(false);
    await nextTurn();
    expect(stale()).toBe(true);
    settings.refresh();
    expect(settings.record).toBe("h.jsonl");
    expect(stale()).toBe(false);
  });

  it("in a server, pinned runs of one turn look once too, and a fresh one looks anyway", async () => {
    const { settings, commit } = setup();
    settings.oncePerTurn = true;
    expect(settings.pinned(() => settings.record)).toBe(null);
    commit();
    expect(settings.pinned(() => settings.record)).toBe(null);
    expect(settings.pinned(() => settings.record, true)).toBe("h.jsonl");
    commit();
    await nextTurn();
    expect(settings.pinned(() => settings.record)).toBe("h.jsonl");
  });

  it("acts on this process's own change to the settings in the same turn", () => {
    const { settings, stale } = setup();
    settings.oncePerTurn = true;
    expect(stale()).toBe(false);
    settings.write("record", "mine.jsonl");
    expect(settings.optimistic(() => settings.record)).toBe("mine.jsonl");
  });
});

describe("reading the settings again", () => {
  it("takes each setting as another process last stored it, a text of the same length included", () => {
    const { settings, other } = setup();
    const store = (name: string, value: unknown) =>
      other
        .prepare("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .run(name, JSON.stringify(value));
    const epoch = (untilVersion: number, delayMs: number) => ({ untilVersion, endT: T0, params: { delayMs } });
    store("epochs", [epoch(1, 100)]);
    settings.refresh();
    expect(settings.epochs.map((e) => [e.untilVersion, e.params.delayMs, e.params.propagation])).toEqual([[1, 100, "push"]]);
    // Unchanged, and read again after another commit: the same epochs.
    store("record", "h.jsonl");
    settings.refresh();
    expect(settings.epochs.map((e) => e.params.delayMs)).toEqual([100]);
    // Another text of the same length.
    store("epochs", [epoch(2, 300)]);
    settings.refresh();
    expect(settings.epochs.map((e) => [e.untilVersion, e.params.delayMs])).toEqual([[2, 300]]);
    store("epochs", [epoch(2, 300), epoch(5, 40)]);
    settings.refresh();
    expect(settings.epochs.map((e) => e.params.delayMs)).toEqual([300, 40]);
  });
});

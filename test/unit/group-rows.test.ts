import { describe, expect, it } from "vitest";
import { GroupRows } from "../../src/emulator/kv/group-rows.js";
import type { Row } from "../../src/emulator/store/rows.js";
import { liveRow } from "../support/rows.js";
import { freshEngine, T0 } from "../support/engine.js";

const row = (key: string, version: number, value: string): Row => liveRow(key, value, version, { commit_t: T0 + version, origin: "iad" });

/** A group's history rows, written out into a real store. */
function setup() {
  const { engine, db } = freshEngine();
  const ns = engine.namespaceId("local", "default");
  const rows = new GroupRows((sql) => engine.stmt(sql));
  const history = () =>
    (
      db.prepare("SELECT key, version, value, superseded_t FROM versions ORDER BY key, version").all() as {
        key: Buffer;
        version: number;
        value: Buffer | null;
        superseded_t: number | null;
      }[]
    ).map((r) => [r.key.toString(), r.version, r.value?.toString() ?? null, r.superseded_t]);
  const flush = () => engine.run(true, () => rows.flush());
  return { ns, rows, history, flush };
}

describe("a group's history rows", () => {
  it("keeps the newest row of a key's version, and the rows of two keys that hold the same version apart", () => {
    const { ns, rows, history, flush } = setup();
    rows.version(ns, row("a", 1, "a1"), null);
    rows.version(ns, row("a", 1, "a1"), T0 + 10);
    rows.version(ns, row("a", 2, "a2"), null);
    // Only a store written otherwise than by drawing from home's counter holds two keys at one version.
    rows.version(ns, row("b", 2, "b2"), T0 + 20);
    rows.version(ns, row("b", 2, "b2"), T0 + 30);
    flush();
    expect(history()).toEqual([
      ["a", 1, "a1", T0 + 10],
      ["a", 2, null, null],
      ["b", 2, "b2", T0 + 30],
    ]);
  });

  it("forgets a key's rows, and only that key's, whichever version they hold", () => {
    const { ns, rows, history, flush } = setup();
    rows.version(ns, row("a", 1, "a1"), T0 + 10);
    rows.version(ns, row("b", 1, "b1"), T0 + 10);
    rows.version(ns, row("b", 2, "b2"), null);
    rows.version(ns, row("c", 2, "c2"), null);
    rows.forgetVersions(ns, Buffer.from("b"));
    flush();
    expect(history()).toEqual([
      ["a", 1, "a1", T0 + 10],
      ["c", 2, null, null],
    ]);
  });
});

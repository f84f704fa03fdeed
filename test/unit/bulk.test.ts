import { describe, expect, it } from "vitest";
import { parseWireEntry, toWireEntry } from "../../src/core/bulk.js";
import { KvError } from "../../src/core/errors.js";
import { freshEngine, T0 } from "../support/engine.js";

const S = "local";
const entry = (key: string, value: string, extra: Record<string, unknown> = {}) => ({ key, value: Buffer.from(value), ...extra });

describe("parseWireEntry", () => {
  it("reads text, base64, metadata and both kinds of expiry", () => {
    expect(parseWireEntry({ key: "a", value: "on" })).toEqual({ key: "a", value: Buffer.from("on") });
    expect(parseWireEntry({ key: "b", value: "AAEC/w==", base64: true }).value).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(parseWireEntry({ key: "c", value: "x", expiration: 1_800_000_000, metadata: { o: 1 } })).toMatchObject({
      expiresAt: 1_800_000_000_000,
      metadata: { o: 1 },
    });
    expect(parseWireEntry({ key: "d", value: "x", expiration_ttl: 3600 })).toMatchObject({ ttlSeconds: 3600 });
  });

  it.each([
    [null, "must be an object"],
    [[1], "an array"],
    [{ value: "x" }, '"key" is missing'],
    [{ key: "k" }, '"value" is missing'],
    [{ key: "k", value: 5 }, '"value" must be a string, not a number'],
    [{ key: "k", value: "%%", base64: true }, "not valid base64"],
    [{ key: "k", value: "x", colour: "red" }, 'unknown field "colour"'],
    [{ key: "k", value: "x", expiration: 1, expiration_ttl: 60 }, "not both"],
    [{ key: "k", value: "x", expiration: "soon" }, "epoch seconds"],
    [{ key: "", value: "x" }, "The key is empty"],
    [{ key: "k", value: "x".repeat(1_048_577) }, "1,048,577 bytes"],
  ])("rejects %j", (raw, words) => {
    expect(() => parseWireEntry(raw)).toThrow(KvError);
    expect(() => parseWireEntry(raw)).toThrow(words);
  });

  it("round-trips through the export form", () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    const wire = toWireEntry("k", binary, { a: 1 }, 1_800_000_000_500, false);
    expect(wire).toEqual({ key: "k", value: "/wD+", base64: true, expiration: 1_800_000_000.5, metadata: { a: 1 } });
    expect(parseWireEntry(JSON.parse(JSON.stringify(wire)))).toEqual({ key: "k", value: binary, metadata: { a: 1 }, expiresAt: 1_800_000_000_500 });
  });
});

describe("engine.putMany", () => {
  it("creates, then leaves identical entries alone without a new version", () => {
    const { engine } = freshEngine();
    const first = engine.putMany(S, "default", [entry("a", "1"), entry("b", "2", { metadata: { o: 1 } })]);
    expect(first.map((o) => o.outcome)).toEqual(["created", "created"]);
    expect(first[1]!.version! > first[0]!.version!).toBe(true);
    const again = engine.putMany(S, "default", [entry("a", "1"), entry("b", "2", { metadata: { o: 1 } })]);
    expect(again).toEqual([
      { key: "a", outcome: "unchanged", version: first[0]!.version },
      { key: "b", outcome: "unchanged", version: first[1]!.version },
    ]);
    const changed = engine.putMany(S, "default", [entry("a", "1", { metadata: { new: true } }), entry("b", "3", { metadata: { o: 1 } })]);
    expect(changed.map((o) => o.outcome)).toEqual(["updated", "updated"]);
  });

  it("treats a relative TTL as unchanged while the stored version has an expiry", () => {
    const { engine, clock } = freshEngine();
    engine.putMany(S, "default", [entry("s", "v", { ttlSeconds: 600 })]);
    clock.advance(60_000);
    expect(engine.putMany(S, "default", [entry("s", "v", { ttlSeconds: 600 })])[0]!.outcome).toBe("unchanged");
    expect(engine.putMany(S, "default", [entry("s", "v")])[0]!.outcome).toBe("updated");
  });

  it("writes nothing on a dry run, and says what an update would replace", () => {
    const { engine } = freshEngine();
    engine.put(S, "default", "a", { value: Buffer.from("old") });
    const plan = engine.putMany(S, "default", [entry("a", "new"), entry("b", "x")], { dryRun: true });
    expect(plan).toEqual([
      { key: "a", outcome: "updated", old: { value: Buffer.from("old"), metadata: null, expiresAt: null } },
      { key: "b", outcome: "created" },
    ]);
    expect(engine.get(S, "default", "a").entry!.value.toString()).toBe("old");
    expect(engine.get(S, "default", "b").entry).toBeNull();
  });

  it("reports a failing entry and still writes the rest of the batch", () => {
    const { engine } = freshEngine();
    const out = engine.putMany(S, "default", [entry("a", "1"), entry("b", "2", { expiresAt: T0 + 1_000 }), entry("c", "3")]);
    expect(out.map((o) => o.outcome)).toEqual(["created", "failed", "created"]);
    expect(out[1]!.error).toMatchObject({ code: "INVALID_EXPIRY" });
    expect(engine.list(S, "default", { prefix: "", limit: 10 }).keys.map((k) => k.key)).toEqual(["a", "c"]);
  });

  it("writes a key given twice in one batch in order, the last one winning", () => {
    const { engine } = freshEngine();
    const out = engine.putMany(S, "default", [entry("k", "1"), entry("k", "2"), entry("k", "2")]);
    expect(out.map((o) => o.outcome)).toEqual(["created", "updated", "unchanged"]);
    expect(engine.get(S, "default", "k").entry!.value.toString()).toBe("2");
  });
});

describe("engine.exportEntries", () => {
  it("pages through live entries under a prefix in key order", () => {
    const { engine, clock } = freshEngine();
    for (const k of ["p/b", "p/a", "q/a", "p/c"]) engine.put(S, "default", k, { value: Buffer.from(k) });
    engine.put(S, "default", "p/expiring", { value: Buffer.from("x"), ttlSeconds: 60 });
    engine.delete(S, "default", ["p/c"], { force: false });
    clock.advance(60_000);
    const pages = [...engine.exportEntries(S, "default", "p/", 1)];
    expect(pages.map((p) => p.map((r) => r.key.toString()))).toEqual([["p/a"], ["p/b"]]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HeadCache } from "../../src/emulator/kv/head-cache.js";
import type { Row } from "../../src/emulator/store/rows.js";
import { liveRow } from "../support/rows.js";

const row = (key: string, value: string, version = 1): Row => liveRow(key, value, version);

/** A cache of at most three keys, whose reads of a key not held store "stored". */
function threeKeys(maxBytes: number) {
  const cache = new HeadCache({ maxKeys: 3, maxBytes });
  const read = (key: string) => cache.get(1, Buffer.from(key), 1, () => row(key, "stored"));
  /** Which of `held` and `gone` are answered from the cache: reading the held first changes nothing, then the others. */
  const answeredFromCache = (held: string[], gone: string) => {
    const { hits } = cache.stats;
    for (const key of held) read(key);
    const heldHits = cache.stats.hits - hits;
    read(gone);
    return { held: heldHits, gone: cache.stats.hits - hits - heldHits };
  };
  return { cache, read, answeredFromCache };
}

describe("HeadCache", () => {
  it("reads a key once while the stamp holds, a missing key included, and again after the stamp moves or the key is dropped", () => {
    const cache = new HeadCache();
    const store = new Map<string, Row>([["a", row("a", "1")]]);
    let reads = 0;
    const get = (key: string, stamp = 1) =>
      cache
        .get(1, Buffer.from(key), stamp, () => {
          reads++;
          return store.get(key);
        })
        ?.value?.toString() ?? null;
    expect([get("a"), get("a"), get("missing"), get("missing")]).toEqual(["1", "1", null, null]);
    expect(reads).toBe(2);
    store.set("a", row("a", "2", 2));
    expect(get("a")).toBe("1");
    cache.drop(1, Buffer.from("a"));
    expect(get("a")).toBe("2");
    store.set("missing", row("missing", "now here", 3));
    expect(get("missing", 2)).toBe("now here");
    expect(reads).toBe(4);
    expect(cache.stats).toEqual({ hits: 3, misses: 4 });
  });

  it("takes a writer's row as it now stands, in place of the one it held, and forgets the rest when the stamp moves", () => {
    const cache = new HeadCache();
    const read = (key: string, stamp = 1) => cache.get(1, Buffer.from(key), stamp, () => row(key, "stored"))?.value?.toString();
    expect(read("a")).toBe("stored");
    expect(read("b")).toBe("stored");
    cache.set(1, row("a", "written", 2), 1);
    expect([read("a"), read("b")]).toEqual(["written", "stored"]);
    expect(cache.size).toBe(2);
    cache.set(1, row("a", "written again", 3), 2);
    expect(cache.size).toBe(1);
    expect([read("a", 2), read("b", 2)]).toEqual(["written again", "stored"]);
    expect(cache.stats).toEqual({ hits: 3, misses: 3 });
  });

  it("keeps a written value that is a view of a larger buffer as a copy of its own bytes", () => {
    const cache = new HeadCache();
    const request = Buffer.from("PUT /v1/… HTTP/1.1\r\ncontent-length: 2\r\n\r\non");
    const value = request.subarray(request.length - 2);
    cache.set(1, { ...row("flag", ""), value }, 1);
    const cached = cache.get(1, Buffer.from("flag"), 1, () => undefined)!.value!;
    expect(cached.toString()).toBe("on");
    expect(cached.buffer.byteLength).toBe(2);
    request.write("xx", request.length - 2);
    expect(cached.toString()).toBe("on");
  });

  it("keeps namespaces apart, and keys that differ in bytes that are not UTF-8", () => {
    const cache = new HeadCache();
    const value = (ns: number, key: Buffer) => cache.get(ns, key, 1, () => ({ ...row("x", `${ns}:${key.toString("hex")}`), key }))?.value?.toString();
    expect(value(1, Buffer.from([0xc3, 0xa9]))).toBe("1:c3a9");
    expect(value(2, Buffer.from([0xc3, 0xa9]))).toBe("2:c3a9");
    expect(value(1, Buffer.from([0xe9]))).toBe("1:e9");
    expect(cache.size).toBe(3);
  });

  it("drops the oldest rows once it holds more keys or bytes than its limits", () => {
    const cache = new HeadCache({ maxKeys: 3, maxBytes: 1_000 });
    const fill = (key: string, size: number) => cache.get(1, Buffer.from(key), 1, () => row(key, "x".repeat(size)));
    for (const key of ["a", "b", "c", "d"]) fill(key, 1);
    expect(cache.size).toBe(3);
    let reads = 0;
    cache.get(1, Buffer.from("a"), 1, () => (reads++, row("a", "x")));
    expect(reads).toBe(1);
    // One row larger than all the others together pushes them all out; a row over the limit is not kept.
    fill("big", 900);
    expect(cache.size).toBe(1);
    fill("huge", 2_000);
    expect(cache.size).toBe(0);
  });

  it("keeps a rewritten key in its place of arrival, and a key that was dropped and came back at the end", () => {
    const { cache, read, answeredFromCache } = threeKeys(1_000);
    for (const key of ["a", "b", "c"]) read(key);
    cache.set(1, row("a", "written", 2), 1);
    cache.drop(1, Buffer.from("b"));
    read("b");
    // Arrivals now: a, c, b. Two newcomers push out a, then c (b's first arrival is passed over).
    read("d");
    read("e");
    expect(answeredFromCache(["b", "d", "e"], "c")).toEqual({ held: 3, gone: 0 });
  });

  it("keeps the order of arrival through a key dropped and read back thousands of times (its list is rebuilt on the way)", () => {
    const { cache, read, answeredFromCache } = threeKeys(1_000_000);
    // a and b arrive and are pushed out before the loop: the list has been consumed in part.
    for (const key of ["a", "b", "x", "y"]) read(key);
    for (let i = 0; i < 5_000; i++) {
      cache.drop(1, Buffer.from("c"));
      read("c");
    }
    read("d");
    expect(answeredFromCache(["y", "c", "d"], "x")).toEqual({ held: 3, gone: 0 });
  });

  it("holds what a cache that keeps its keys in a list of arrivals holds, whatever the reads, writes, drops and stamps (seed 21)", () => {
    const key = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h");
    // A new stamp empties the cache: rare, so that the cache fills between two.
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant("get" as const), key, size: fc.nat(120), present: fc.boolean() }), weight: 8 },
      { arbitrary: fc.record({ kind: fc.constant("set" as const), key, size: fc.nat(120) }), weight: 8 },
      { arbitrary: fc.record({ kind: fc.constant("drop" as const), key }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant("stamp" as const) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const limits = { maxKeys: 3, maxBytes: 1_200 };
        const cache = new HeadCache(limits);
        // The model: [key, value or null] in order of arrival, the oldest first.
        let model: [string, string | null][] = [];
        const modelSize = (value: string | null, key: string) => 64 + key.length + (value?.length ?? 0);
        const evict = () => {
          while (model.length > limits.maxKeys || model.reduce((sum, [k, v]) => sum + modelSize(v, k), 0) > limits.maxBytes) model.shift();
        };
        // A new stamp empties the cache at the next read or write that names it.
        let stamp = 1;
        let named = 1;
        for (const o of ops) {
          if ((o.kind === "get" || o.kind === "set") && named !== stamp) {
            named = stamp;
            model = [];
          }
          if (o.kind === "stamp") stamp++;
          else if (o.kind === "drop") {
            cache.drop(1, Buffer.from(o.key));
            model = model.filter(([k]) => k !== o.key);
          } else if (o.kind === "set") {
            const value = "s".repeat(o.size);
            cache.set(1, row(o.key, value), stamp);
            const at = model.findIndex(([k]) => k === o.key);
            if (at >= 0) model[at] = [o.key, value];
            else model.push([o.key, value]);
            evict();
          } else {
            const stored = o.present ? "g".repeat(o.size) : null;
            const got = cache.get(1, Buffer.from(o.key), stamp, () => (stored === null ? undefined : row(o.key, stored)));
            const at = model.findIndex(([k]) => k === o.key);
            if (at >= 0) expect(got?.value?.toString() ?? null).toBe(model[at]![1]);
            else {
              expect(got?.value?.toString() ?? null).toBe(stored);
              model.push([o.key, stored]);
              evict();
            }
          }
          expect(cache.size).toBe(model.length);
        }
        // What the cache holds, read without going to the store, is the model's.
        if (named !== stamp) model = [];
        for (const [k, v] of model) expect(cache.get(1, Buffer.from(k), stamp, () => row(k, "not cached"))?.value?.toString() ?? null).toBe(v);
      }),
      { seed: 21, numRuns: 300 },
    );
  });
});

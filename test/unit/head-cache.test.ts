import { describe, expect, it } from "vitest";
import { HeadCache } from "../../src/emulator/kv/head-cache.js";
import type { Row } from "../../src/emulator/store/rows.js";

const row = (key: string, value: string, version = 1): Row => ({
  key: Buffer.from(key),
  version,
  value: Buffer.from(value),
  tombstone: 0,
  expires_at: null,
  metadata: null,
  commit_t: 0,
  origin: "home",
});

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
});

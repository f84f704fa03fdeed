import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { expectFailure, inProcess, utf8Sort, type ListJson } from "../support/kv.js";

const { allKeys, kv, kvJson } = inProcess;

/**
 * Keys chosen so that UTF-8 byte order differs from JavaScript's default (UTF-16) order:
 * U+FF61 (EF BD A1) sorts before U+1F680 (F0 9F 9A 80) by bytes, after it by UTF-16 code units.
 */
const KEYS = [
  "flags/ünïcödé",
  "flags/unicode",
  "日本/キー",
  "日本/東京",
  "日本人",
  "emoji/🚀",
  "emoji/\uFF61half-width",
  "emoji/z",
  "key with spaces",
  "  leading and trailing  ",
  "café",
  "cafe\u0301",
];

async function seed(dir: string): Promise<void> {
  for (const [i, key] of KEYS.entries()) {
    const r = await kv(dir, ["set", key, `value ${i} of ${key}`]);
    expect(r.code, `${key}: ${r.stderr}`).toBe(0);
  }
}

describe("Unicode keys", () => {
  it("sets and gets every key exactly, spaces and combining marks included", async () => {
    const dir = tempDir();
    await seed(dir);
    for (const [i, key] of KEYS.entries()) {
      const got = await kvJson<{ key: string; value: string }>(dir, ["get", key]);
      expect(got.key).toBe(key);
      expect(got.value).toBe(`value ${i} of ${key}`);
    }
    // Keys are bytes: a precomposed é and e + combining acute are two different keys.
    expect((await kvJson<{ value: string }>(dir, ["get", "café"])).value).not.toBe((await kvJson<{ value: string }>(dir, ["get", "cafe\u0301"])).value);
  });

  it("lists in UTF-8 byte order, in JSON and one key per line on a pipe", async () => {
    const dir = tempDir();
    await seed(dir);
    const expected = utf8Sort(KEYS);
    // The fixture really distinguishes byte order from UTF-16 order.
    expect(expected).not.toEqual([...KEYS].sort());

    const page = await kvJson<ListJson>(dir, ["ls"]);
    expect(page.complete).toBe(true);
    expect(page.cursor).toBeNull();
    expect(page.keys.map((k) => k.key)).toEqual(expected);
    for (const k of page.keys) expect(k.size).toBe(Buffer.byteLength(`value ${KEYS.indexOf(k.key)} of ${k.key}`));

    const piped = await kv(dir, ["ls"]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.out).toBe(`${expected.join("\n")}\n`);
  });

  it("lists under a multibyte prefix only the keys that start with it", async () => {
    const dir = tempDir();
    await seed(dir);
    expect(await allKeys(dir, ["日本/"])).toEqual(utf8Sort(["日本/キー", "日本/東京"]));
    expect(await allKeys(dir, ["日本"])).toEqual(utf8Sort(["日本/キー", "日本/東京", "日本人"]));
    expect(await allKeys(dir, ["emoji/"])).toEqual(utf8Sort(["emoji/🚀", "emoji/\uFF61half-width", "emoji/z"]));
    expect(await allKeys(dir, ["flags/ü"])).toEqual(["flags/ünïcödé"]);
    expect(await allKeys(dir, ["🚀"])).toEqual([]);
  });

  it("paginates a multibyte prefix with cursors in byte order", async () => {
    const dir = tempDir();
    await seed(dir);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ListJson = await kvJson<ListJson>(dir, ["ls", "日本", "--limit", "1", ...(cursor ? ["--cursor", cursor] : [])]);
      expect(page.keys.length).toBe(1);
      seen.push(...page.keys.map((k) => k.key));
      cursor = page.cursor;
    } while (cursor !== null);
    expect(seen).toEqual(utf8Sort(["日本/キー", "日本/東京", "日本人"]));
  });

  it("accepts a key of exactly 512 bytes of multibyte characters", async () => {
    const dir = tempDir();
    const key = `${"日".repeat(170)}é`; // 170 × 3 + 2 bytes
    expect(Buffer.byteLength(key)).toBe(512);
    const set = await kv(dir, ["set", key, "max"]);
    expect(set.code, set.stderr).toBe(0);
    const get = await kv(dir, ["get", key]);
    expect(get.out).toBe("max");
    expect(await allKeys(dir)).toEqual([key]);
    const rm = await kv(dir, ["rm", key]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await allKeys(dir)).toEqual([]);
  });

  it("rejects a key of 513 bytes with exit 2, naming both sizes, and writes nothing", async () => {
    const dir = tempDir();
    const key = "日".repeat(171);
    expect(key.length).toBe(171); // short in characters, long in bytes
    expect(Buffer.byteLength(key)).toBe(513);
    const r = await kv(dir, ["set", key, "too long"]);
    expectFailure(r, 2, /513/);
    expect(r.stderr).toMatch(/512/);
    expect(await allKeys(dir)).toEqual([]);

    const get = await kv(dir, ["get", key]);
    expectFailure(get, 2, /513.*512/);
  });
});

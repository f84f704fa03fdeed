import { isUtf8 } from "node:buffer";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ENTRY_TEXT_BYTES } from "../../src/commands/kv/import/entry-text-limit.js";
import { ImportTextError, JsonTextGuard } from "../../src/commands/kv/import/json-text-guard.js";
import { readLines, type Line } from "../../src/commands/kv/import/ndjson-lines.js";
import type { ByteSearch } from "../../src/commands/kv/import/next-byte.js";
import { firstInvalidUtf8 } from "../../src/commands/kv/import/utf8.js";
import { tempDir } from "../support/cli.js";

const SEED = 20261205;

async function lines(content: Buffer | string, search?: ByteSearch): Promise<Line[]> {
  const file = join(tempDir(), "input");
  writeFileSync(file, content);
  const out: Line[] = [];
  for await (const line of readLines(file, search)) out.push(line);
  return out;
}

/** Feeds `text` to a JsonTextGuard in the given chunk sizes; resolves to its error, if any. */
async function guard(text: Buffer, chunkSizes: number[] = [text.length], search?: ByteSearch): Promise<ImportTextError | undefined> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    chunks.push(text.subarray(at, at + size));
    at += size;
  }
  try {
    await pipeline(Readable.from(chunks), new JsonTextGuard({ search }), async (source: AsyncIterable<unknown>) => {
      for await (const _ of source);
    });
    return undefined;
  } catch (e) {
    if (e instanceof ImportTextError) return e;
    throw e;
  }
}

/** Buffer.indexOf that counts the bytes it reads: up to and including the byte found, or to the end. */
function countingSearch(): { search: ByteSearch; read: () => number } {
  let read = 0;
  const search: ByteSearch = (bytes, byte, from) => {
    const found = bytes.indexOf(byte, from);
    read += (found === -1 ? bytes.length : found + 1) - from;
    return found;
  };
  return { search, read: () => read };
}

describe("firstInvalidUtf8", () => {
  it.each([
    ["ASCII", [0x61, 0x62], -1],
    ["é", [0xc3, 0xa9], -1],
    ["U+10FFFF, the last code point", [0xf4, 0x8f, 0xbf, 0xbf], -1],
    ["a lone continuation byte", [0x61, 0x80], 1],
    ["0xFF", [0xff], 0],
    ["an overlong NUL (C0 80)", [0xc0, 0x80], 0],
    ["an overlong slash (E0 80 AF)", [0xe0, 0x80, 0xaf], 1],
    ["a surrogate (ED A0 80)", [0xed, 0xa0, 0x80], 1],
    ["beyond U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], 1],
    ["F5", [0xf5, 0x80, 0x80, 0x80], 0],
    ["a sequence cut short by the end", [0x61, 0xe2, 0x82], 3],
    ["a sequence cut short by ASCII", [0xe2, 0x82, 0x41], 2],
  ])("%s", (_name, bytes, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  });

  it("agrees with Node's isUtf8 on any bytes (fast-check, seed printed on failure)", () => {
    const utf8ish = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 0x7f }),
        fc.integer({ min: 0x80, max: 0xff }),
        fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(utf8ish, (bytes) => {
        const buffer = Uint8Array.from(bytes);
        const at = firstInvalidUtf8(buffer);
        expect(at === -1).toBe(isUtf8(buffer));
        // Everything before the sequence that fails is well formed.
        if (at > 0) {
          let start = Math.min(at, buffer.length);
          while (start > 0 && start > at - 3 && (buffer[start - 1]! & 0xc0) === 0x80) start--;
          if (start > 0 && buffer[start - 1]! >= 0xc0) start--;
          expect(isUtf8(buffer.subarray(0, start)) || isUtf8(buffer.subarray(0, at))).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe("readLines", () => {
  it("ends lines at \\n, \\r\\n and a lone \\r, and skips a byte order mark", async () => {
    const got = await lines(Buffer.from("\uFEFFone\ntwo\r\nthree\rfour"));
    expect(got).toEqual([
      { number: 1, offset: 0, text: "one" },
      { number: 2, offset: 7, text: "two" },
      { number: 3, offset: 12, text: "three" },
      { number: 4, offset: 18, text: "four" },
    ]);
  });

  it("keeps a \\r\\n split between two reads as one line end", async () => {
    const first = "a".repeat(1_048_575);
    const got = await lines(`${first}\r\nb\n`);
    expect(got.map((l) => ("text" in l ? l.text.length : -1))).toEqual([first.length, 1]);
    expect(got[1]).toMatchObject({ number: 2, offset: first.length + 2 });
  });

  it("keeps a character split between two reads whole", async () => {
    const text = `${"a".repeat(1_048_575)}é\n`;
    const got = await lines(text);
    expect(got).toEqual([{ number: 1, offset: 0, text: text.trimEnd() }]);
  });

  it("gives the line and the byte of invalid UTF-8, counted on the bytes, never as U+FFFD", async () => {
    const got = await lines(Buffer.concat([Buffer.from('{"key":"ok"}\n{"key":"a'), Buffer.from([0xff]), Buffer.from('"}\n')]));
    expect(got[0]).toEqual({ number: 1, offset: 0, text: '{"key":"ok"}' });
    expect(got[1]).toEqual({ number: 2, offset: 13, invalidUtf8At: 9 });
  });

  it("holds a line of the limit, and only counts a longer one", async () => {
    const exact = "x".repeat(MAX_ENTRY_TEXT_BYTES);
    const got = await lines(`${exact}\n${exact}y\nlast`);
    expect("text" in got[0]! && got[0].text.length).toBe(MAX_ENTRY_TEXT_BYTES);
    expect(got[1]).toEqual({ number: 2, offset: MAX_ENTRY_TEXT_BYTES + 1, tooLong: MAX_ENTRY_TEXT_BYTES + 1 });
    expect(got[2]).toEqual({ number: 3, offset: 2 * MAX_ENTRY_TEXT_BYTES + 3, text: "last" });
  });
});

describe("JsonTextGuard", () => {
  it("gives the same position of a bad byte however the text arrives (fast-check)", async () => {
    const text = Buffer.concat([Buffer.from('[\n  {"key": "é", "value": "x"},\n  {"key": "a'), Buffer.from([0xc0, 0x80]), Buffer.from('", "value": "y"}\n]')]);
    const offset = text.indexOf(0xc0);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
        const e = await guard(text, sizes);
        expect(e?.kind).toBe("utf8");
        expect(e?.position).toEqual({ line: 3, column: offset - text.lastIndexOf(0x0a, offset) - 1, offset });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("passes valid text whole, escapes and brackets inside strings included", async () => {
    const text = Buffer.from('[{"key": "a\\"],[{", "value": "\\\\"}, {"key": "ü", "value": "😀"}]');
    for (const size of [1, 2, 3, text.length]) expect(await guard(text, [size])).toBeUndefined();
  });

  it("refuses an element longer than the limit, giving where it starts, and holds nothing of it", async () => {
    const big = `{"key": "big", "value": "${"v".repeat(MAX_ENTRY_TEXT_BYTES)}"}`;
    const text = Buffer.from(`[\n{"key": "a", "value": "1"},\n ${big}\n]`);
    const e = await guard(text, [65_536]);
    expect(e?.kind).toBe("too-long");
    expect(e?.position).toMatchObject({ line: 3, column: 1, offset: text.indexOf('{"key": "big"') });
  });

  it("counts a flat object's members the same way", async () => {
    const text = Buffer.from(`{"a": "1", "b": "${"v".repeat(MAX_ENTRY_TEXT_BYTES)}"}`);
    expect((await guard(text, [1_000_000]))?.kind).toBe("too-long");
    expect(await guard(Buffer.from(`{"a": "1", "b": "${"v".repeat(1000)}"}`))).toBeUndefined();
  });

  // Bytes read, not time: a walk that searched again from each escape, or from each element, to the
  // next quote or newline would read the chunk once per escape or element, thousands of times over.
  it("reads each byte of a chunk at most once per byte it looks for, however many escapes or elements it holds", async () => {
    const escapes = Buffer.from(`[{"key": "e", "value": "${"\\u0041".repeat(20_000)}"}]`);
    const elements = Buffer.from(`[${Array.from({ length: 20_000 }, (_, i) => i).join(",")}]\n`);
    for (const text of [escapes, elements]) {
      const { search, read } = countingSearch();
      expect(await guard(text, [16_384], search)).toBeUndefined();
      // Three bytes are looked for: a quote, a backslash, a newline.
      expect(read()).toBeLessThanOrEqual(3 * text.length);
    }
  });
});

describe("readLines reads linearly", () => {
  it("reads each byte at most once per line end it looks for, however many lines a read holds", async () => {
    const text = "{}\n".repeat(50_000);
    const { search, read } = countingSearch();
    expect(await lines(text, search)).toHaveLength(50_000);
    // Two bytes are looked for: \n and \r.
    expect(read()).toBeLessThanOrEqual(2 * text.length);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KeyHashLog } from "../../src/core/key-hashes.js";
import { TIERS } from "../../src/core/tiers.js";
import { parsedHere } from "../../src/commands/kv/import/batches.js";
import { checkEntries } from "../../src/commands/kv/import/check.js";
import { halfway } from "../../src/commands/kv/import/checker-thread.js";
import { ImportSource } from "../../src/commands/kv/import/import-source.js";
import type { Pending } from "../../src/commands/kv/import/packed-batch.js";
import { parsedInThread } from "../../src/commands/kv/import/parser-thread.js";

/**
 * The import's threads (they run dist/cli.cjs, the bundle built from this source): what they hand
 * back must be what one thread finds reading the same file.
 */

const dir = mkdtempSync(join(tmpdir(), "yourspace-import-threads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Entries that are hard to carry: Unicode keys, binary and empty values, NULs, metadata, both expiries, line ends of every kind. */
function hardLines(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = i % 7;
    if (k === 0) lines.push(JSON.stringify({ key: `ключ/${i}/☃/𝄞`, value: `значение ${i}` }));
    else if (k === 1) lines.push(JSON.stringify({ key: `bin/${i}`, value: Buffer.from([0, 255, i & 255, 0x80]).toString("base64"), base64: true }));
    else if (k === 2) lines.push(JSON.stringify({ key: `empty/${i}`, value: "" }));
    else if (k === 3) lines.push(JSON.stringify({ key: `nul/${i}`, value: `a\u0000b${i}`, metadata: { i, tags: ["x", "ü"], nested: { n: null } } }));
    else if (k === 4) lines.push(JSON.stringify({ key: `exp/${i}`, value: "e", expiration: 4_102_444_800 + i }));
    else if (k === 5) lines.push(JSON.stringify({ key: `ttl/${i}`, value: "t", expiration_ttl: 3600 + i, metadata: { m: "m" } }));
    else lines.push(JSON.stringify({ key: `big/${i}`, value: "v".repeat(70_000 + i) }));
  }
  return lines;
}

/** The lines joined by line ends of every kind, a BOM first and blank lines between. */
function hardFile(name: string, lines: string[]): string {
  const ends = ["\n", "\r\n", "\r", "\n\n"];
  const path = join(dir, name);
  writeFileSync(path, `\uFEFF${lines.map((l, i) => l + ends[i % ends.length]).join("")}`);
  return path;
}

/** The line of `lines[j]` in hardFile's file: every fourth line end is followed by a blank line. */
const lineOf = (j: number) => j + 1 + Math.floor(j / 4);

async function all(batches: AsyncIterable<Pending[]>): Promise<Pending[][]> {
  const out: Pending[][] = [];
  for await (const b of batches) out.push(b);
  return out;
}

/** Each entry's fields as plain values (a value's bytes as hex), so that a difference reads as one. */
const plain = (batches: Pending[][]) =>
  batches.map((b) => b.map(({ entry, where }) => ({ where, ...entry, value: entry.value.toString("hex"), fields: Object.keys(entry) })));

describe("the parser thread", () => {
  it("hands over the same batches, entry for entry and in order, as parsing in this thread", async () => {
    const path = hardFile("hard.ndjson", hardLines(700));
    const source = ImportSource.opened(path, "hard.ndjson");
    const here = await all(parsedHere(source, "ndjson", 64));
    const there = await all(parsedInThread(path, "hard.ndjson", 64));
    expect(here.map((b) => b.length)).toEqual([...Array<number>(10).fill(64), 60]);
    expect(plain(there)).toEqual(plain(here));
    // The values are the bytes, not text that looks like them.
    expect(there[0]![1]!.entry.value).toEqual(Buffer.from([0, 255, 1, 0x80]));
  });

  it("skips the entries the checking pass refused (the count then tells the file changed)", async () => {
    const path = join(dir, "bad.ndjson");
    writeFileSync(path, '{"key":"a","value":"1"}\n{"key":1}\nnot json\n{"key":"b","value":"2"}\n');
    const batches = await all(parsedInThread(path, "bad.ndjson", 1000));
    expect(batches.map((b) => b.map((p) => [p.entry.key, p.where]))).toEqual([
      [
        ["a", "bad.ndjson:1"],
        ["b", "bad.ndjson:4"],
      ],
    ]);
  });

  it("reports a file that cannot be read as the system's error, as a read in this thread would", async () => {
    await expect(all(parsedInThread(join(dir, "missing.ndjson"), "missing.ndjson", 10))).rejects.toMatchObject({ code: "ENOENT", syscall: "open" });
  });

  it("ends its thread when the writer stops taking batches", async () => {
    const path = hardFile("stop.ndjson", hardLines(300));
    let taken = 0;
    for await (const batch of parsedInThread(path, "stop.ndjson", 10)) {
      taken += batch.length;
      if (taken === 20) break;
    }
    expect(taken).toBe(20);
  });
});

describe("the check in two halves", () => {
  // A free site, at a time well before the hard lines' expiries.
  const target = { now: Date.UTC(2026, 0, 1), tier: "free" as const, limits: TIERS.free };
  const check = (path: string, splitAbove: number) =>
    checkEntries(ImportSource.opened(path, "f.ndjson"), "ndjson", "", target, false, () => {}, { splitAbove });

  it("splits after a line end past the middle, and counts and measures as one thread does", async () => {
    const path = hardFile("split.ndjson", hardLines(500));
    const at = await halfway(path, 1);
    expect(at).toBeGreaterThan(0);
    const one = await check(path, Infinity);
    const two = await check(path, 1);
    expect(one.total).toBe(500);
    expect(two).toEqual(one);
  });

  it("finds a key repeated across the halves, naming both lines", async () => {
    const lines = hardLines(200);
    lines.push(lines[0]!);
    const two = await check(hardFile("repeat.ndjson", lines), 1);
    expect(two.problems).toEqual([
      { where: `f.ndjson:${lineOf(200)}`, key: "ключ/0/☃/𝄞", code: "USAGE", message: "the key appears more than once in the file (first at f.ndjson:1)" },
    ]);
  });

  it("names the right line of a bad entry late in the file, as one thread does", async () => {
    const lines = hardLines(300);
    lines[297] = '{"key":"late","value":7}';
    const path = hardFile("late.ndjson", lines);
    const two = await check(path, 1);
    expect(two.problems.map((p) => [p.where, p.key])).toEqual([[`f.ndjson:${lineOf(297)}`, "late"]]);
    expect(two).toEqual(await check(path, Infinity));
  });
});

describe("KeyHashLog.adopt", () => {
  it("finds repeats between two logs as in one", () => {
    const a = new KeyHashLog();
    const b = new KeyHashLog();
    for (let i = 0; i < 50_000; i++) a.add(`k/${i}`);
    for (let i = 49_990; i < 100_000; i++) b.add(`k/${i}`);
    a.adopt(b.take());
    const repeated = a.repeated();
    expect(repeated.size).toBe(10);
    for (let i = 49_990; i < 50_000; i++) expect(repeated.has(`k/${i}`)).toBe(true);
    expect(repeated.has("k/49989")).toBe(false);
  });
});

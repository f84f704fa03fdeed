import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { inProcess, type ListJson } from "../support/kv.js";

const { kv, kvJson } = inProcess;

/** 2,500 keys: 1,200 under a/ and 1,300 under b/, imported in one go, then listed page by page. */
const A = Array.from({ length: 1_200 }, (_, i) => `a/${String(i).padStart(4, "0")}`);
const B = Array.from({ length: 1_300 }, (_, i) => `b/${String(i).padStart(4, "0")}`);
const ALL = [...A, ...B]; // already in byte order
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "yourspace-test-"));
  const file = join(dir, "seed.ndjson");
  writeFileSync(file, ALL.map((key) => `${JSON.stringify({ key, value: `value of ${key}` })}\n`).join(""));
  const r = await runCli(["--data-dir", dir, "--quiet", "kv", "import", file], { cwd: dir });
  if (r.code !== 0) throw new Error(`seeding failed: ${r.stderr}`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Follows cursors from the first page to the last, returning every page. */
async function walk(args: string[]): Promise<ListJson[]> {
  const pages: ListJson[] = [];
  let cursor: string | null = null;
  do {
    const page: ListJson = await kvJson<ListJson>(dir, ["ls", ...args, ...(cursor === null ? [] : ["--cursor", cursor])]);
    pages.push(page);
    cursor = page.cursor;
    expect(pages.length).toBeLessThan(100); // no endless loop on a cursor that does not advance
  } while (cursor !== null);
  return pages;
}

describe("listing 2,500 keys", () => {
  it("ls --json returns the first 1,000 keys, a cursor, and a warning that names --cursor and --all", async () => {
    const r = await kv(dir, ["ls", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const page = JSON.parse(r.out) as ListJson;
    expect(page.keys.length).toBe(1_000);
    expect(page.keys.map((k) => k.key)).toEqual(ALL.slice(0, 1_000));
    expect(page.complete).toBe(false);
    expect(typeof page.cursor).toBe("string");
    expect(page.cursor!.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/more exist/);
    expect(r.stderr).toContain(`--cursor ${page.cursor}`);
    expect(r.stderr).toMatch(/--all/);
  });

  it("following --cursor visits all 2,500 keys exactly once, in order", async () => {
    const pages = await walk([]);
    expect(pages.map((p) => p.keys.length)).toEqual([1_000, 1_000, 500]);
    expect(pages.map((p) => p.complete)).toEqual([false, false, true]);
    const keys = pages.flatMap((p) => p.keys.map((k) => k.key));
    expect(new Set(keys).size).toBe(2_500);
    expect(keys).toEqual(ALL);
    // Every entry carries its size.
    expect(pages[0]!.keys[0]).toEqual({ key: "a/0000", size: Buffer.byteLength("value of a/0000"), expiresAt: null, metadata: null });
  });

  it("a smaller --limit gives more, smaller pages over the same keys", async () => {
    const pages = await walk(["--limit", "700"]);
    expect(pages.map((p) => p.keys.length)).toEqual([700, 700, 700, 400]);
    expect(pages.flatMap((p) => p.keys.map((k) => k.key))).toEqual(ALL);
  });

  it("ls --all --json returns all 2,500 keys, complete, with no warning", async () => {
    const r = await kv(dir, ["ls", "--all", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const all = JSON.parse(r.out) as ListJson;
    expect(all.complete).toBe(true);
    expect(all.cursor).toBeNull();
    expect(all.keys.length).toBe(2_500);
    expect(all.keys.map((k) => k.key)).toEqual(ALL);
    expect(r.stderr).not.toMatch(/more exist/);
  });

  it("piped ls --all prints 2,500 lines, one key per line", async () => {
    const r = await kv(dir, ["ls", "--all"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe(`${ALL.join("\n")}\n`);
    expect(r.stderr).not.toMatch(/more exist/);
  });

  it("piped ls without --all prints one page of 1,000 lines and warns on stderr", async () => {
    const r = await kv(dir, ["ls"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.trimEnd().split("\n")).toEqual(ALL.slice(0, 1_000));
    expect(r.stderr).toMatch(/more exist.*--cursor \S+.*--all/);
  });

  it("piped ls --limit 10 prints 10 lines and warns on stderr", async () => {
    const r = await kv(dir, ["ls", "--limit", "10"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe(`${ALL.slice(0, 10).join("\n")}\n`);
    expect(r.stderr).toMatch(/Showing 10 keys; more exist/);
    expect(r.stderr).toMatch(/--cursor \S+/);
    expect(r.stderr).toMatch(/--all/);
    expect((await kv(dir, ["ls", "--limit", "1"])).stderr).toMatch(/Showing 1 key; more exist/);
  });

  it("a prefix listing paginates within the prefix only", async () => {
    const pages = await walk(["a/", "--limit", "500"]);
    expect(pages.map((p) => p.keys.length)).toEqual([500, 500, 200]);
    expect(pages.flatMap((p) => p.keys.map((k) => k.key))).toEqual(A);

    const first = await kv(dir, ["ls", "b/", "--limit", "1000", "--json"]);
    const page = JSON.parse(first.out) as ListJson;
    expect(page.keys.map((k) => k.key)).toEqual(B.slice(0, 1_000));
    // The printed next command keeps the prefix.
    expect(first.stderr).toContain(`yourspace kv ls b/ --data-dir ${dir} --json --cursor ${page.cursor}`);
    const rest = await kvJson<ListJson>(dir, ["ls", "b/", "--cursor", page.cursor!]);
    expect(rest.keys.map((k) => k.key)).toEqual(B.slice(1_000));
    expect(rest.complete).toBe(true);

    expect((await kvJson<ListJson>(dir, ["ls", "b/", "--all"])).keys.length).toBe(1_300);
    expect((await kvJson<ListJson>(dir, ["ls", "a/1", "--all"])).keys.map((k) => k.key)).toEqual(A.filter((k) => k.startsWith("a/1")));
  });

  it("--all continues from a --cursor to the end", async () => {
    const first = await kvJson<ListJson>(dir, ["ls", "--limit", "700"]);
    expect(first.cursor).not.toBeNull();
    const rest = await kvJson<ListJson>(dir, ["ls", "--all", "--cursor", first.cursor!]);
    expect(rest.complete).toBe(true);
    expect(rest.keys.map((k) => k.key)).toEqual(ALL.slice(700));
  });
});

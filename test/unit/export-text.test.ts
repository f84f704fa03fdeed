import { isUtf8 } from "node:buffer";
import { describe, expect, it } from "vitest";
import { toExportLines } from "../../src/core/export-lines.js";
import type { ExportRow } from "../../src/emulator/kv/export.js";
import type { Engine } from "../../src/emulator/kv/engine.js";
import { freshEngine, T0 } from "../support/engine.js";

const S = "local";

/** What JavaScript writes of the rows: the export's lines before SQLite wrote them. */
function stringified(rows: ExportRow[]): string {
  const entries = rows.map((r) => ({
    key: r.key.toString("utf8"),
    value: r.value,
    metadata: r.metadata === null ? null : JSON.parse(r.metadata),
    expiresAt: r.expires_at,
  }));
  return toExportLines(entries).text as string;
}

function exported(engine: Engine, prefix: string, pageSize: number) {
  const pages = [...engine.exportText(S, "default", prefix, pageSize)];
  const text = pages.map((p) => ("text" in p ? p.text.toString("utf8") : stringified(p.rows))).join("");
  return { text, kinds: pages.map((p) => ("text" in p ? "text" : "rows")) };
}

const expected = (engine: Engine, prefix: string) => [...engine.exportEntries(S, "default", prefix, 1000)].map(stringified).join("");

describe("engine.exportText", () => {
  it("writes, page by page, exactly what JSON.stringify writes of each wire entry", () => {
    const { engine } = freshEngine();
    const values: [string, Buffer][] = [
      ["p/a", Buffer.from("plain")],
      ["p/b", Buffer.from('a\u0000b\u001b[2J\n\t"\\\u007f\u0085 \u2028\u2029 \u200dx 👩\u200d💻 \u202e \ud7ff\ue000\uffff')],
      ["p/c", Buffer.from([0xff, 0x00, 0xfe])],
      ["p/d\u0000nul", Buffer.from("")],
      ["p/é ключ", Buffer.from("ünïcödé 😀")],
      ["p/f", Buffer.from([0xed, 0xa0, 0x80])],
      ["p/g", Buffer.from("x")],
    ];
    for (const [key, value] of values) engine.put(S, "default", key, { value });
    engine.put(S, "default", "p/ttl", { value: Buffer.from("t"), expiresAt: T0 + 86_400_000 });
    engine.put(S, "default", "p/ttl-ms", { value: Buffer.from("t"), expiresAt: T0 + 86_400_250 });
    engine.put(S, "default", "p/ttl-ms2", { value: Buffer.from("t"), expiresAt: T0 + 86_400_007 });
    engine.put(S, "default", "p/meta", { value: Buffer.from("m"), metadata: { z: 1, "2": [null, 1.5e300, "\u2028"], a: { b: -0.1 } } });
    engine.put(S, "default", "q/other", { value: Buffer.from("not under p/") });
    engine.put(S, "default", "p", { value: Buffer.from("the prefix itself") });

    const whole = expected(engine, "p");
    expect(whole).toContain('"key":"p"');
    expect(whole).not.toContain("q/other");
    for (const size of [1, 2, 3, 1000]) expect(exported(engine, "p", size).text, `pages of ${size}`).toBe(whole);
    // SQLite wrote the UTF-8 pages; the two that are not (base64, and an encoded surrogate) went as rows.
    expect(exported(engine, "p", 1).kinds.filter((k) => k === "rows")).toHaveLength(2);
    expect(exported(engine, "", 1000).text).toBe(expected(engine, ""));
  });

  it("sends as rows a page whose stored metadata or expiry SQLite would not write as JavaScript does", () => {
    const { engine, db } = freshEngine();
    for (const key of ["a", "b", "c", "d"]) engine.put(S, "default", key, { value: Buffer.from(key), metadata: { n: 1 } });
    // Stored by hand: metadata with spaces, and an expiry beyond 10^14 ms (written by JavaScript as 1e+21 at the far end).
    db.prepare(`UPDATE entries SET metadata = '{ "n" : 1.0 }' WHERE key = CAST('b' AS BLOB)`).run();
    db.prepare(`UPDATE entries SET expires_at = 999999999999999999 WHERE key = CAST('d' AS BLOB)`).run();
    const { text, kinds } = exported(engine, "", 1);
    expect(kinds).toEqual(["text", "rows", "text", "rows"]);
    expect(text).toBe(expected(engine, ""));
    expect(text).toContain('{"key":"b","value":"b","metadata":{"n":1}}');
  });

  it("relies on json_quote escaping UTF-8 text exactly as JSON.stringify does", () => {
    const { db } = freshEngine();
    const quote = db.prepare("SELECT CAST(json_quote(CAST(? AS TEXT)) AS BLOB)").pluck();
    // The characters JSON escapes, those safeJson adds, and ones beyond the Basic Multilingual Plane.
    const pool = ["a", '"', "\\", "\n", "\t", "\b", "\f", "\r", "\u0000", "\u0001", "\u001f", "\u007f", "\u0080", "\u009f", "é", "\u2028"];
    pool.push("\u2029", "\u200d", "😀", "/", "'", " ", "<", "\ufeff", "\u{e0001}", "\ud7ff", "\uffff");
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20_000; i++) {
      let text = "";
      for (let n = Math.floor(random() * 8); n > 0; n--) text += pool[Math.floor(random() * pool.length)];
      const bytes = Buffer.from(text, "utf8");
      expect(isUtf8(bytes)).toBe(true);
      expect((quote.get(bytes) as Buffer).toString("utf8"), JSON.stringify(text)).toBe(JSON.stringify(text));
    }
  });
});

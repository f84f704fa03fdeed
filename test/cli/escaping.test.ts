import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { escapeControls, keyLine, readKeyLine, safeJson, shellQuote } from "../../src/core/escape.js";
import { runCli, tempDir, type InProcessOptions, type RunResult } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * What must never reach a terminal raw, written out here rather than taken from src/core/escape.ts:
 * C0 controls but the newline that ends a line, DEL, C1 controls, bidirectional formatting, zero-width
 * spaces and joiners that stand beside ASCII, line and paragraph separators, the byte order mark.
 */
const RAW =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff]|(?<![^\u0000-\u007f])[\u200c\u200d]|[\u200c\u200d](?![^\u0000-\u007f])/u;
/** The colour codes Output itself writes when colour is on. */
const SGR = /\u001b\[[0-9;]*m/g;

function expectClean(text: string, where: string): void {
  const found = RAW.exec(text.replace(SGR, ""));
  expect(found, `${where} holds U+${found?.[0].codePointAt(0)?.toString(16).padStart(4, "0")} raw:\n${JSON.stringify(text)}`).toBeNull();
}

/** The characters that did damage in the examples, and their relatives. */
const HOSTILE = [
  "\u001b[2J",
  "\u001b]0;pwned\u0007",
  "\n",
  "\r",
  "\t",
  "\u0000",
  "\u007f",
  "\u009b",
  "\u0085",
  "\u202e",
  "\u2066",
  "\u200b",
  "\u200d",
  "\ufeff",
  "\u2028",
  '"',
  "\\",
  " ",
  "'",
  "$",
  "é",
  "🚀",
];

/** Keys the store accepts: 1 to 512 bytes of well-formed UTF-8, not "." or "..". */
const keyArb = fc
  .oneof(
    fc
      .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: "grapheme-ascii", maxLength: 3 })), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join("")),
    fc.string({ unit: "binary", minLength: 1, maxLength: 8 }),
  )
  .filter((k) => k.length > 0 && k !== "." && k !== ".." && k.isWellFormed() && Buffer.byteLength(k) <= 512);

function session() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const run = (argv: string[], extra: Partial<InProcessOptions> = {}): Promise<RunResult> => runCli(argv, { cwd, clock, ...extra });
  return { cwd, run };
}

describe("what reaches a terminal", () => {
  it("a key that clears the screen or forges a line is escaped in tables and messages, and exact in a pipe", async () => {
    const { run } = session();
    const clear = "x\u001b[2J";
    const forged = "a\nb";
    expect((await run(["kv", "set", clear, "v\u001b]0;title\u0007"])).code).toBe(0);
    expect((await run(["kv", "set", forged, "v"])).code).toBe(0);

    const table = await run(["kv", "ls"], { tty: { stdout: true } });
    expect(table.out).toContain("x\\u001b[2J");
    expect(table.out).toContain('"a\\nb"');
    expectClean(table.out, "the ls table");

    // In a pipe the newline key is one line, and reads back as the key.
    const piped = await run(["kv", "ls"]);
    expect(piped.out).toBe('"a\\nb"\n"x\\u001b[2J"\n');
    expect(piped.out.trimEnd().split("\n").map(readKeyLine)).toEqual([forged, clear]);

    const missing = await run(["kv", "get", `${clear}-missing`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('The key "x\\u001b[2J-missing" was not found');
    expectClean(missing.stderr, "get's error");

    const inspect = await run(["kv", "inspect", clear], { tty: { stdout: true } });
    expect(inspect.out).toContain("v\\u001b]0;title\\u0007");
    expectClean(inspect.out, "the inspect table");
    // A newline or a tab in a value is shown escaped, never as a space: "x\ny" and "x y" look different.
    expect((await run(["kv", "set", "lines", "x\ny\tz"])).code).toBe(0);
    expect((await run(["kv", "inspect", "lines"], { tty: { stdout: true } })).out).toContain("x\\ny\\tz");
  });

  it("escapes what Output prints when colour is on, and keeps only its own colour codes", async () => {
    const { run } = session();
    await run(["kv", "set", "k\u001b[31m\u202e", "v"]);
    const r = await run(["kv", "ls"], { tty: { stdout: true, stderr: true }, env: { FORCE_COLOR: "1" } });
    expect(r.stderr).toMatch(SGR);
    expectClean(r.out + r.stderr, "a coloured ls");
    expect(r.out).toContain("k\\u001b[31m\\u202e");
  });

  it("property: no key reaches stderr or a table raw, and every pipe form reads back as the key", async () => {
    const { run } = session();
    expect((await run(["kv", "namespace", "create", "other"])).code).toBe(0);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(keyArb, async (key) => {
        // Each run in a namespace of its own, so a counterexample stands alone; keys come after
        // "--", as a key may start with "-".
        const ns = `p${runs++}`;
        expect((await run(["kv", "namespace", "create", ns])).code).toBe(0);
        // The value is the key too, so the inspect table shows it.
        const set = await run(["kv", "set", "-n", ns, "--", key, key]);
        expect(set.code, set.stderr).toBe(0);
        expectClean(set.stderr, "set's message");

        const table = await run(["kv", "ls", "-n", ns], { tty: { stdout: true } });
        expectClean(table.out + table.stderr, "the ls table");
        const piped = await run(["kv", "ls", "-n", ns]);
        expect(piped.out.slice(0, -1).split("\n").map(readKeyLine)).toEqual([key]);
        const json = await run(["kv", "ls", "-n", ns, "--json"]);
        expectClean(json.out.trimEnd() + json.stderr, "ls --json");
        expect((JSON.parse(json.out) as { keys: { key: string }[] }).keys.map((k) => k.key)).toEqual([key]);

        const missing = await run(["kv", "get", "-n", "other", "--", key]);
        expect(missing.code).toBe(3);
        expectClean(missing.stderr, "get's error");
        const missingJson = await run(["kv", "get", "-n", "other", "--json", "--", key]);
        expectClean(missingJson.stderr.trimEnd(), "get's JSON error");
        expect(JSON.parse(missingJson.stderr.trimEnd().split("\n").at(-1)!).error.message).toContain(key);

        // Removing it and a missing key is refused as a whole, naming both.
        const rm = await run(["kv", "rm", "-n", ns, "--", key, `${key}\u001b`]);
        expect(rm.code).toBe(3);
        expectClean(rm.stderr, "rm's error");
        const dryRun = await run(["kv", "rm", "-n", ns, "--dry-run", "--", key]);
        expectClean(dryRun.stderr, "rm's note");
        expect(dryRun.out.slice(0, -1).split("\n").map(readKeyLine)).toEqual([key]);

        const auditTable = await run(["kv", "audit", "--key", key, "--limit", "5"], { tty: { stdout: true } });
        expectClean(auditTable.out + auditTable.stderr, "the audit table");
        const auditRows = await run(["kv", "audit", "--key", key, "--limit", "5"]);
        expect(auditRows.out).not.toBe("");
        for (const row of auditRows.out.slice(0, -1).split("\n")) expect(readKeyLine(row.split("\t")[4]!)).toBe(key);

        const inspect = await run(["kv", "inspect", "-n", ns, "--", key], { tty: { stdout: true } });
        expect(inspect.code, inspect.stderr).toBe(0);
        expectClean(inspect.out + inspect.stderr, "the inspect table");

        // A route made of the key: accepted or refused, it is escaped either way.
        const route = `/${key}/*`;
        const bind = await run(["kv", "bind", ns, "--route", route, "--as", "K"]);
        expectClean(bind.stderr, "bind's messages");
        const bindings = await run(["kv", "bindings"], { tty: { stdout: true } });
        expectClean(bindings.out + bindings.stderr, "the bindings table");
        if (bind.code === 0) {
          const routes = (await run(["kv", "bindings"])).out
            .slice(0, -1)
            .split("\n")
            .map((r) => readKeyLine(r.split("\t")[0]!));
          expect(routes).toContain(route);
          expect((await run(["kv", "unbind", ns, "--route", route, "--as", "K"])).code).toBe(0);
        }
      }),
      { seed: 1616, numRuns: 20 },
    );
  }, 60_000);
});

describe("escape helpers", () => {
  it("a key line is the key when plain, else a JSON string; a line that starts with a quote is always JSON", () => {
    expect(keyLine("flags/a b\\c")).toBe("flags/a b\\c");
    expect(keyLine('"quoted"')).toBe('"\\"quoted\\""');
    expect(keyLine("a\nb")).toBe('"a\\nb"');
    expect(keyLine("rtl\u202e")).toBe('"rtl\\u202e"');
    expect(keyLine("tag\u{e0041}")).toBe('"tag\\udb40\\udc41"');
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (key) => {
        const line = keyLine(key);
        expect(line).not.toContain("\n");
        expect(readKeyLine(line)).toBe(key);
      }),
      { seed: 1616, numRuns: 2000 },
    );
  });

  it("joiners are kept between the characters they shape, and escaped beside ASCII", () => {
    const family = "👨\u200d👩\u200d👧";
    expect(escapeControls(family)).toBe(family);
    expect(escapeControls("fl\u200dags")).toBe("fl\\u200dags");
    expect(escapeControls("\u200dé")).toBe("\\u200dé");
  });

  it("escapes text for people once, and leaves backslashes alone", () => {
    expect(escapeControls("C:\\dir\\x\u001b[2J")).toBe("C:\\dir\\x\\u001b[2J");
    expect(escapeControls(escapeControls("a\nb\u0085"))).toBe("a\\nb\\u0085");
  });

  it("safe JSON means the same and holds no raw control or formatting character", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: "binary" }), (value, s) => {
        for (const v of [value, { s }]) {
          const text = safeJson(v);
          expectClean(text, "safeJson");
          expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        }
      }),
      { seed: 1616, numRuns: 500 },
    );
  });

  it("shell words hold no raw control character", () => {
    expect(shellQuote("flags/a")).toBe("flags/a");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("x\u001b[2J\n")).toBe("$'x\\x1b[2J\\n'");
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => expectClean(shellQuote(s), "shellQuote")),
      { seed: 1616, numRuns: 1000 },
    );
  });
});

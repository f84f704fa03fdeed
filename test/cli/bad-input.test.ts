import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir, type RunResult } from "../support/cli.js";
import { expectFailure, inProcess, ok, spawned } from "../support/kv.js";

const { allKeys, kv, kvJson } = inProcess;

/**
 * Every way to get a command wrong: each must exit with the documented code, say what happened and
 * what to do (an error line and a hint line on stderr), print nothing on stdout, and change nothing.
 */

const MiB = 1_048_576;

interface SetCase {
  name: string;
  args: (dir: string) => string[];
  input?: string | Buffer;
  code: number;
  message: RegExp;
}

const SET_CASES: SetCase[] = [
  { name: "an empty key", args: () => ["set", "", "v"], code: 2, message: /key is empty/ },
  { name: 'the key "."', args: () => ["set", ".", "v"], code: 2, message: /"\." is reserved/ },
  { name: 'the key ".."', args: () => ["set", "..", "v"], code: 2, message: /"\.\." is reserved/ },
  { name: "a 513-byte key", args: () => ["set", "k".repeat(513), "v"], code: 2, message: /513 bytes.*limit is 512/ },
  {
    name: "a 1,048,577-byte value from --file",
    args: (dir) => {
      writeFileSync(join(dir, "big.bin"), Buffer.alloc(MiB + 1, 0x61));
      return ["set", "k", "--file", join(dir, "big.bin")];
    },
    code: 2,
    message: /1,048,577 bytes; the limit is 1,048,576 bytes/,
  },
  {
    name: "a 1,048,577-byte value on stdin",
    args: () => ["set", "k", "-"],
    input: Buffer.alloc(MiB + 1, 0x61),
    code: 2,
    message: /The value is [\d,]+ bytes; the limit is 1,048,576 bytes/,
  },
  {
    name: "a 1,048,577-byte value on stdin with the value left out",
    args: () => ["set", "k"],
    input: Buffer.alloc(MiB + 1, 0x61),
    code: 2,
    message: /the limit is 1,048,576 bytes/,
  },
  { name: "metadata that is not JSON", args: () => ["set", "k", "v", "--metadata", "{owner: web}"], code: 2, message: /The metadata is not valid JSON/ },
  { name: "metadata that is an array", args: () => ["set", "k", "v", "--metadata", '["a"]'], code: 2, message: /must be a JSON object, not an array/ },
  { name: "metadata that is a string", args: () => ["set", "k", "v", "--metadata", '"web"'], code: 2, message: /must be a JSON object, not a string/ },
  { name: "metadata that is null", args: () => ["set", "k", "v", "--metadata", "null"], code: 2, message: /must be a JSON object, not null/ },
  {
    name: "metadata with a number beyond a double",
    args: () => ["set", "k", "v", "--metadata", '{"x":1e400}'],
    code: 2,
    message: /metadata holds a number too large for a 64-bit float at \$\.x/,
  },
  {
    name: "metadata with a lone surrogate",
    args: () => ["set", "k", "v", "--metadata", '{"x":"\\ud800"}'],
    code: 2,
    message: /metadata is not valid Unicode: the text at \$\.x holds a lone surrogate/,
  },
  {
    name: "metadata over 1 KiB",
    args: () => ["set", "k", "v", "--metadata", JSON.stringify({ note: "x".repeat(1_014) })],
    code: 2,
    message: /metadata is 1,025 bytes of JSON; the limit is 1,024 bytes/,
  },
  { name: "--ttl 59s", args: () => ["set", "k", "v", "--ttl", "59s"], code: 2, message: /59 s; the minimum is 60 s/ },
  { name: "--ttl 0", args: () => ["set", "k", "v", "--ttl", "0"], code: 2, message: /the minimum is 60 s/ },
  { name: "--ttl bogus", args: () => ["set", "k", "v", "--ttl", "bogus"], code: 2, message: /--ttl "bogus" is not a duration/ },
  { name: "--ttl 1h30m", args: () => ["set", "k", "v", "--ttl", "1h30m"], code: 2, message: /--ttl "1h30m" is not a duration/ },
  {
    name: "--expires-at in the past",
    args: () => ["set", "k", "v", "--expires-at", "2001-01-01T00:00:00Z"],
    code: 2,
    message: /The expiry time is in the past/,
  },
  {
    name: "--expires-at in the past as epoch seconds",
    args: () => ["set", "k", "v", "--expires-at", "1000000000"],
    code: 2,
    message: /The expiry time is in the past/,
  },
  {
    name: "--expires-at under 60 s away",
    args: () => ["set", "k", "v", "--expires-at", String(Math.floor(Date.now() / 1000) + 20)],
    code: 2,
    message: /The expiry time is only \d+ s away; it must be at least 60 s in the future/,
  },
  { name: "--expires-at garbage", args: () => ["set", "k", "v", "--expires-at", "next tuesday"], code: 2, message: /"next tuesday" is not a time/ },
  {
    name: "--ttl with --expires-at",
    args: () => ["set", "k", "v", "--ttl", "90s", "--expires-at", "2099-01-01T00:00:00Z"],
    code: 2,
    message: /A time to live and an expiry time cannot be given together/,
  },
  {
    name: "a value argument and --file",
    args: (dir) => {
      writeFileSync(join(dir, "v.txt"), "from file");
      return ["set", "k", "from arg", "--file", join(dir, "v.txt")];
    },
    code: 2,
    message: /either as an argument or with --file, not both/,
  },
  {
    name: "--file naming a missing path",
    args: (dir) => ["set", "k", "--file", join(dir, "no-such-file.bin")],
    code: 2,
    message: /no-such-file\.bin: it does not exist/,
  },
  {
    name: "--file naming a directory",
    args: (dir) => {
      mkdirSync(join(dir, "a-directory"));
      return ["set", "k", "--file", join(dir, "a-directory")];
    },
    code: 2,
    message: /a-directory: it is a directory/,
  },
  { name: "--file with no path", args: () => ["set", "k", "--file"], code: 2, message: /--file <path>' argument missing/ },
  { name: "an unknown option", args: () => ["set", "k", "v", "--bogus"], code: 2, message: /unknown option '--bogus'/ },
  { name: "a missing key argument", args: () => ["set"], code: 2, message: /missing required argument 'key'/ },
  { name: "a namespace that does not exist", args: () => ["set", "k", "v", "-n", "nowhere"], code: 3, message: /namespace "nowhere" does not exist/ },
];

describe("kv set refuses bad input and writes nothing", () => {
  for (const c of SET_CASES) {
    it(`rejects ${c.name}`, async () => {
      const dir = tempDir();
      const r = await kv(dir, c.args(dir), { input: c.input });
      expectFailure(r, c.code, c.message);
      // Nothing was written: the namespace is still empty.
      expect(await allKeys(dir)).toEqual([]);
    });
  }

  it("accepts the boundaries just inside each limit", async () => {
    const dir = tempDir();
    const meta1024 = JSON.stringify({ note: "x".repeat(1_013) });
    expect(Buffer.byteLength(meta1024)).toBe(1_024);
    // The limit applies to compact JSON: spacing in what the user typed does not count.
    const spaced = JSON.stringify({ note: "x".repeat(1_013) }, null, 8);
    expect(Buffer.byteLength(spaced)).toBeGreaterThan(1_024);
    const ok: string[][] = [
      ["set", "k1", "v", "--metadata", meta1024],
      ["set", "k2", "v", "--metadata", spaced],
      ["set", "k3", "v", "--ttl", "60s"],
      ["set", "k4", "v", "--ttl", "60"],
      ["set", "k5", "v", "--expires-at", "2099-01-01T00:00:00Z"],
      ["set", "k".repeat(512), "v"],
    ];
    for (const args of ok) {
      const r = await kv(dir, args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    expect((await allKeys(dir)).length).toBe(ok.length);
  });

  it("rejects --expires-at with an impossible calendar date (2099-02-30)", async () => {
    const dir = tempDir();
    const r = await kv(dir, ["set", "k", "v", "--expires-at", "2099-02-30T00:00:00Z"]);
    expectFailure(r, 2, /is not a time/);
  });

  it("rejects --expires-at with trailing junk after an ISO date", async () => {
    const dir = tempDir();
    const r = await kv(dir, ["set", "k", "v", "--expires-at", "2099-01-01 junk"]);
    expectFailure(r, 2, /is not a time/);
  });

  it("a duration that is not one says what a plain number counts for that option", async () => {
    const dir = tempDir();
    for (const [argv, plain] of [
      [["set", "k", "v", "--ttl", "soon"], "seconds"],
      [["site", "--audit-retention", "soon"], "days"],
      [["emulator", "config", "--jitter", "-1"], "milliseconds"],
    ] as const) {
      const r = await kv(dir, [...argv]);
      expectFailure(r, 2, /is not a duration/);
      expect(r.stderr).toContain(`or a plain number of ${plain}.`);
    }
  });
});

describe("values and expiries at the edges of what the CLI can represent", () => {
  // Reading stops just past the limit, so the message must not present the bytes read as the size.
  it("an oversized value on stdin is not reported with a wrong size", async () => {
    const dir = tempDir();
    const r = await kv(dir, ["set", "k", "-"], { input: Buffer.alloc(5_000_000, 0x61) });
    expectFailure(r, 2, /the limit is 1,048,576 bytes/);
    expect(r.stderr).toMatch(/5,000,000 bytes|more than 1,048,576 bytes|over 1,048,576 bytes/);
    expect(await allKeys(dir)).toEqual([]);
  });

  /** An expiry must either be refused (exit 2, nothing written) or be readable afterwards. */
  async function expectRefusedOrReadable(dir: string, setArgs: string[]): Promise<void> {
    const set = await kv(dir, setArgs);
    if (set.code !== 0) {
      expectFailure(set, 2, /.+/);
      expect(await allKeys(dir)).toEqual([]);
      return;
    }
    const get = await kv(dir, ["get", "far", "--json"]);
    expect(get.code, get.stderr).toBe(0);
    const ls = await kv(dir, ["ls", "--json"]);
    expect(ls.code, ls.stderr).toBe(0);
  }

  it("--expires-at in epoch seconds beyond the year 275760 is refused or stays readable", async () => {
    await expectRefusedOrReadable(tempDir(), ["set", "far", "v", "--expires-at", "99999999999999"]);
  });

  it("--ttl of 100,000,000 days is refused or stays readable", async () => {
    await expectRefusedOrReadable(tempDir(), ["set", "far", "v", "--ttl", "100000000d"]);
  });

  it("a far but representable expiry is stored and printed as an ISO time", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "far", "v", "--expires-at", "9999-12-31T23:59:59Z"]));
    const got = await kvJson<{ expiresAt: string }>(dir, ["get", "far"]);
    expect(got.expiresAt).toBe("9999-12-31T23:59:59.000Z");
  });
});

describe("kv get, ls and unknown commands", () => {
  it("get of a missing key exits 3 with empty stdout", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "present", "v"]));
    const r = await kv(dir, ["get", "absent"]);
    expectFailure(r, 3, /The key "absent" was not found in namespace "default"/);
    expect(r.stderr).toMatch(/yourspace kv ls/);
  });

  it("get in a namespace that does not exist exits 3", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "k", "v"]));
    expectFailure(await kv(dir, ["get", "k", "-n", "nowhere"]), 3, /namespace "nowhere" does not exist/);
    expectFailure(await kv(dir, ["ls", "-n", "nowhere"]), 3, /namespace "nowhere" does not exist/);
  });

  it("get refuses an invalid key, a missing key argument, and --json with --output", async () => {
    const dir = tempDir();
    expectFailure(await kv(dir, ["get", ""]), 2, /key is empty/);
    expectFailure(await kv(dir, ["get", ".."]), 2, /reserved/);
    expectFailure(await kv(dir, ["get"]), 2, /missing required argument 'key'/);
    await ok(kv(dir, ["set", "k", "v"]));
    const out = join(dir, "out.txt");
    const both = await kv(dir, ["get", "k", "--json", "--output", out]);
    expect(both.code).toBe(2);
    expect(both.stdout.length).toBe(0);
    expect(JSON.parse(both.stderr)).toEqual({
      error: { code: "USAGE", message: "--json and --output cannot be used together.", hint: expect.stringMatching(/--output to save the value/) },
    });
    expect(existsSync(out)).toBe(false);
  });

  for (const limit of ["0", "1001", "abc", "-5", "2.5"]) {
    it(`ls --limit ${limit} exits 2`, async () => {
      const dir = tempDir();
      expectFailure(
        await kv(dir, ["ls", `--limit=${limit}`]),
        2,
        new RegExp(`The limit "${limit.replace(".", "\\.")}" is not valid; it must be a whole number from 1 to 1,000`),
      );
    });
  }

  it("ls --cursor garbage, or a cursor from another prefix, exits 2", async () => {
    const dir = tempDir();
    for (const k of ["a/1", "a/2", "b/1", "b/2"]) await ok(kv(dir, ["set", k, "v"]));
    expectFailure(await kv(dir, ["ls", "--cursor", "garbage"]), 2, /cursor is not valid/);
    expectFailure(await kv(dir, ["ls", "--cursor", "%%%"]), 2, /cursor is not valid/);
    const page = await kvJson<{ cursor: string | null }>(dir, ["ls", "a/", "--limit", "1"]);
    expect(page.cursor).not.toBeNull();
    expectFailure(await kv(dir, ["ls", "b/", "--cursor", page.cursor!]), 2, /cursor is not valid for this listing/);
  });

  it("an unknown command or option exits 2", async () => {
    const dir = tempDir();
    expectFailure(await kv(dir, ["bogus"]), 2, /unknown command 'bogus'/);
    expectFailure(await kv(dir, ["ls", "--bogus"]), 2, /unknown option '--bogus'/);
    expectFailure(await kv(dir, ["set", "k", "v", "--ttl"]), 2, /--ttl <duration>' argument missing/);
  });

  // The hint points at the command's own help, whatever options come before the command.
  it("the usage hint names the command's help even after --data-dir <dir>", async () => {
    const dir = tempDir();
    const r = await kv(dir, ["set", "k", "v", "--bogus"]);
    expect(r.stderr).toMatch(/yourspace kv set --help/);
  });

  it("the usage hint names the command's help (data dir from the environment)", async () => {
    const dir = tempDir();
    const r = await runCli(["kv", "set", "k", "v", "--bogus"], { cwd: dir, env: { YOURSPACE_DATA_DIR: dir } });
    expectFailure(r, 2, /unknown option '--bogus'/);
    expect(r.stderr).toMatch(/yourspace kv set --help/);
  });
});

describe("kv namespace refuses bad input", () => {
  const namespaces = async (dir: string) => (await kvJson<{ namespaces: { name: string }[] }>(dir, ["namespace", "ls"])).namespaces.map((n) => n.name);

  it("create with an invalid name exits 2 and creates nothing", async () => {
    const dir = tempDir();
    for (const bad of ["Staging", "-lead", "_lead", "has space", "x".repeat(64), "ünï"]) {
      expectFailure(await kv(dir, ["namespace", "create", "--", bad]), 2, /is not a valid namespace name/);
    }
    expect(await namespaces(dir)).toEqual(["default"]);
  });

  it("create of an existing namespace exits 2", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["namespace", "create", "staging"]));
    expectFailure(await kv(dir, ["namespace", "create", "staging"]), 2, /namespace "staging" already exists/);
    expectFailure(await kv(dir, ["namespace", "create", "default"]), 2, /namespace "default" already exists/);
    expect(await namespaces(dir)).toEqual(["default", "staging"]);
  });

  it("rm of default exits 2 and keeps it and its keys", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "k", "v"]));
    expectFailure(await kv(dir, ["namespace", "rm", "default", "--yes"]), 2, /namespace "default" cannot be removed/);
    expect(await namespaces(dir)).toEqual(["default"]);
    expect(await allKeys(dir)).toEqual(["k"]);
  });

  it("rm of a missing namespace exits 3; rm of one with keys and no terminal needs --yes", async () => {
    const dir = tempDir();
    expectFailure(await kv(dir, ["namespace", "rm", "nowhere"]), 3, /namespace "nowhere" does not exist/);
    await ok(kv(dir, ["namespace", "create", "staging"]));
    await ok(kv(dir, ["set", "k", "v", "-n", "staging"]));
    const r = await kv(dir, ["namespace", "rm", "staging"]);
    expectFailure(r, 2, /Refusing to remove namespace staging and its 1 key without confirmation/);
    expect(r.stderr).toMatch(/--yes/);
    expect(await allKeys(dir, ["-n", "staging"])).toEqual(["k"]);
  });
});

describe("kv rm refuses bad input and removes nothing", () => {
  it("rm of a missing key exits 3", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "keep", "v"]));
    expectFailure(await kv(dir, ["rm", "absent"]), 3, /The key "absent" was not found in namespace "default"; nothing was removed/);
    expect(await allKeys(dir)).toEqual(["keep"]);
  });

  it("rm of two keys where one is missing removes neither", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "a", "1"]));
    await ok(kv(dir, ["set", "b", "2"]));
    const r = await kv(dir, ["rm", "a", "absent"]);
    expectFailure(r, 3, /"absent" was not found.*nothing was removed/);
    expect(r.stderr).toMatch(/--force/);
    expect(await allKeys(dir)).toEqual(["a", "b"]);
    expect((await kv(dir, ["get", "a"])).out).toBe("1");
  });

  it("rm --prefix with no terminal and no --yes exits 2, mentions --yes and removes nothing", async () => {
    const dir = tempDir();
    for (const k of ["x1", "x2", "y1"]) await ok(kv(dir, ["set", k, "v"]));
    const r = await kv(dir, ["rm", "--prefix", "x"]);
    expectFailure(r, 2, /Refusing to remove 2 keys under "x" from namespace default without confirmation/);
    expect(r.stderr).toMatch(/--yes/);
    expect(await allKeys(dir)).toEqual(["x1", "x2", "y1"]);
  });

  it("rm with both keys and --prefix, or with neither, exits 2", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "x1", "v"]));
    expectFailure(await kv(dir, ["rm", "x1", "--prefix", "x", "--yes"]), 2, /either keys or --prefix, not both/);
    expectFailure(await kv(dir, ["rm"]), 2, /Name the keys to remove/);
    expectFailure(await kv(dir, ["rm", ""]), 2, /key is empty/);
    expect(await allKeys(dir)).toEqual(["x1"]);
  });
});

describe("--json errors", () => {
  interface JsonError {
    error: { code: string; message: string; hint: string | null };
  }

  function lastJsonError(r: RunResult): JsonError {
    const lines = r.stderr.trimEnd().split("\n");
    return JSON.parse(lines[lines.length - 1]!) as JsonError;
  }

  function expectSingleJsonError(r: RunResult, exitCode: number, code: string): void {
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.endsWith("\n")).toBe(true);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as JsonError;
    expect(Object.keys(parsed)).toEqual(["error"]);
    // `details` is optional: facts for scripts, such as where a read that found nothing was served from.
    expect(
      Object.keys(parsed.error)
        .filter((k) => k !== "details")
        .sort(),
    ).toEqual(["code", "hint", "message"]);
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message.length).toBeGreaterThan(0);
    expect(typeof parsed.error.hint).toBe("string");
  }

  it("usage errors are one JSON line on stderr, nothing on stdout", async () => {
    const dir = tempDir();
    expectSingleJsonError(await kv(dir, ["ls", "--limit", "abc", "--json"]), 2, "INVALID_LIMIT");
    expectSingleJsonError(await kv(dir, ["set", "k", "v", "--bogus", "--json"]), 2, "USAGE");
    expectSingleJsonError(await kv(dir, ["bogus", "--json"]), 2, "USAGE");
    expectSingleJsonError(await kv(dir, ["set", "k", "v", "--metadata", "[1]", "--json"]), 2, "INVALID_METADATA");
    expectSingleJsonError(await kv(dir, ["set", "k", "v", "--ttl", "soon", "--json"]), 2, "USAGE");
  });

  it("errors found in the store end stderr with the JSON error, with nothing on stdout", async () => {
    const dir = tempDir();
    const cases: [string[], number, string][] = [
      [["get", "absent"], 3, "KEY_NOT_FOUND"],
      [["get", "k", "-n", "nowhere"], 3, "NAMESPACE_NOT_FOUND"],
      [["set", "k", "v", "--ttl", "59s"], 2, "INVALID_EXPIRY"],
      [["set", "..", "v"], 2, "INVALID_KEY"],
      [["rm", "absent"], 3, "KEY_NOT_FOUND"],
      [["ls", "--cursor", "garbage"], 2, "INVALID_CURSOR"],
      [["namespace", "rm", "default"], 2, "NAMESPACE_PROTECTED"],
    ];
    for (const [args, exitCode, code] of cases) {
      const r = await kv(dir, [...args, "--json"]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(exitCode);
      expect(r.stdout.length).toBe(0);
      expect(lastJsonError(r).error.code).toBe(code);
      // With --quiet the informational "target:" line goes, leaving exactly the JSON error.
      expectSingleJsonError(await kv(dir, [...args, "--json", "--quiet"]), exitCode, code);
    }
    expect(await allKeys(dir)).toEqual([]);
  });

  // Every command reports its target on stderr; under --json that line is JSON too, so every stderr
  // line parses and the error is the last one.
  it("under --json every stderr line is a JSON object: the target, then the error", async () => {
    const dir = tempDir();
    const r = await kv(dir, ["get", "absent", "--json"]);
    expect(r.code).toBe(3);
    expect(r.stdout.length).toBe(0);
    const lines = r.stderr
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({ target: { kind: "embedded", description: expect.stringContaining("embedded emulator"), site: "local" } });
    expect(Object.keys(lines[1]!)).toEqual(["error"]);
    expect((lines[1] as unknown as JsonError).error.code).toBe("KEY_NOT_FOUND");
  });
});

describe("kv import: invalid entries on stdin are reported as in a file", () => {
  const CASES: [name: string, text: string, code: string][] = [
    ["an empty key", '{"key":"","value":"v"}\n', "INVALID_KEY"],
    ["a key given twice", '{"key":"a","value":"1"}\n{"key":"a","value":"2"}\n', "USAGE"],
    ["a key with a lone surrogate", '{"key":"\\ud800","value":"v"}\n', "INVALID_KEY"],
  ];

  /** The JSON error a failed --json import ends stderr with, stdout empty. */
  function importError(r: RunResult): { code: string; message: string; hint: string; details: { errors: { where: string; code: string }[] } } {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return JSON.parse(r.stderr.trimEnd().split("\n").at(-1)!).error;
  }

  it.each(CASES)("%s: the catalogued error and exit 2, in process", async (_name, text, code) => {
    const dir = tempDir();
    writeFileSync(join(dir, "in.ndjson"), text);
    const fromFile = importError(await kv(dir, ["import", "in.ndjson", "--json"]));
    const fromStdin = importError(await kv(dir, ["import", "-", "--json"], { input: text }));
    expect(fromStdin).toMatchObject({ code: "USAGE", message: expect.stringMatching(/ in stdin (is|are) invalid; nothing was written\.$/) });
    expect(fromStdin.details.errors.map((e) => e.code)).toContain(code);
    expect(fromStdin.details.errors.map((e) => e.where.replace(/^stdin/, "in.ndjson"))).toEqual(fromFile.details.errors.map((e) => e.where));
    expectFailure(await kv(dir, ["import", "-"], { input: text }), 2, /in stdin (is|are) invalid; nothing was written/);
    expect(await allKeys(dir)).toEqual([]);
  });

  // The error was once thrown where nothing awaited it, while standard input's copy was removed: the
  // process died of an uncaught exception (exit 1, the bundle's source on stderr). Only a process shows that.
  it("through the built binary: exit 2 and the JSON error, no crash", async () => {
    const dir = tempDir();
    const r = await spawned.kv(dir, ["import", "-", "--json"], { input: CASES[0]![1] });
    expect(importError(r)).toMatchObject({ code: "USAGE", details: { errors: [{ where: "stdin:1", code: "INVALID_KEY" }] } });
  });
});

describe("a value that starts with a minus sign", () => {
  it("read as an option, gets the line again with -- before it, and never an option's value", async () => {
    const dir = tempDir();
    const advance = await runCli(["kv", "emulator", "advance", "-5s"], { cwd: dir, env: { YOURSPACE_DATA_DIR: dir } });
    expectFailure(advance, 2, /unknown option '-5s'/);
    expect(advance.stderr).toContain(`unless "--" comes before it: yourspace kv emulator advance -- -5s.`);
    const set = await kv(dir, ["set", "k", "--token", "secret-token-1", "-1x"]);
    expectFailure(set, 2, /unknown option '-1x'/);
    expect(set.stderr).toContain(`unless "--" comes before it. Run`);
    expect(set.stderr).not.toContain("secret-token-1");
    expect(await allKeys(dir)).toEqual([]);
  });

  it("given to advance, is refused: emulated time never runs backwards", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["emulator", "clock", "manual"]));
    const before = (await kvJson<{ now: string }>(dir, ["emulator", "status"])).now;
    for (const duration of ["-5s", "-5", " -1ms"]) expectFailure(await kv(dir, ["emulator", "advance", "--", duration]), 2, /clock only moves forward/);
    expect((await kvJson<{ now: string }>(dir, ["emulator", "status"])).now).toBe(before);
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { inProcess, ok, type ListJson } from "../support/kv.js";

const { kv, kvJson } = inProcess;

/** A deterministic shuffle (mulberry32), so a failure reproduces. */
function shuffled(bytes: Buffer, seed: number): Buffer {
  const out = Buffer.from(bytes);
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const ramp = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i % 256));
/** Every byte value, in order and shuffled: NULs, CR/LF, 0x80–0xFF (invalid UTF-8 on their own). */
const ALL_BYTES = Buffer.concat([ramp, shuffled(ramp, 0xc0ffee)]);

interface GetJson {
  key: string;
  value: string;
  encoding: "utf8" | "base64";
  metadata: unknown;
  expiresAt: string | null;
  version: string;
}

describe("binary values round-trip byte for byte", () => {
  it("holds every byte value (sanity check of the fixture)", () => {
    expect(new Set(ALL_BYTES).size).toBe(256);
    expect(ALL_BYTES.length).toBe(2048);
    expect(ALL_BYTES.subarray(1024).equals(ramp)).toBe(false);
  });

  it("set --file, then get prints the exact bytes on stdout", async () => {
    const dir = tempDir();
    const file = join(dir, "in.bin");
    writeFileSync(file, ALL_BYTES);
    const set = await kv(dir, ["set", "bin/file", "--file", file]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.length).toBe(0);
    const get = await kv(dir, ["get", "bin/file"]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.equals(ALL_BYTES)).toBe(true);
  });

  it('set with "-" reads the exact bytes from stdin', async () => {
    const dir = tempDir();
    const set = await kv(dir, ["set", "bin/dash", "-"], { input: ALL_BYTES });
    expect(set.code, set.stderr).toBe(0);
    const get = await kv(dir, ["get", "bin/dash"]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.equals(ALL_BYTES)).toBe(true);
  });

  it("set with the value left out reads piped stdin", async () => {
    const dir = tempDir();
    const set = await kv(dir, ["set", "bin/piped"], { input: ALL_BYTES });
    expect(set.code, set.stderr).toBe(0);
    const get = await kv(dir, ["get", "bin/piped"]);
    expect(get.stdout.equals(ALL_BYTES)).toBe(true);
  });

  it("get --output writes the exact bytes to a file and nothing to stdout", async () => {
    const dir = tempDir();
    await ok(kv(dir, ["set", "bin/out", "-"], { input: ALL_BYTES }));
    const out = join(dir, "out.bin");
    const get = await kv(dir, ["get", "bin/out", "--output", out]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.length).toBe(0);
    expect(readFileSync(out).equals(ALL_BYTES)).toBe(true);
  });

  it("get --json gives base64 for binary values and it decodes to the exact bytes", async () => {
    const dir = tempDir();
    const set = await kvJson<{ version: string; size: number }>(dir, ["set", "bin/json", "-"], { input: ALL_BYTES });
    expect(set.size).toBe(ALL_BYTES.length);
    const got = await kvJson<GetJson>(dir, ["get", "bin/json"]);
    expect(got.encoding).toBe("base64");
    expect(Buffer.from(got.value, "base64").equals(ALL_BYTES)).toBe(true);
    expect(got.version).toBe(set.version);
    const listed = await kvJson<ListJson>(dir, ["ls", "bin/"]);
    expect(listed.keys).toEqual([{ key: "bin/json", size: ALL_BYTES.length, expiresAt: null, metadata: null }]);
  });

  it("get --json gives utf8 for a UTF-8 value, unchanged", async () => {
    const dir = tempDir();
    const text = "héllo wörld 🚀 日本\nsecond line\n";
    await ok(kv(dir, ["set", "text/utf8", text]));
    const got = await kvJson<GetJson>(dir, ["get", "text/utf8"]);
    expect(got.encoding).toBe("utf8");
    expect(got.value).toBe(text);
    // A pipe gets the bytes exactly: no newline added or removed.
    const raw = await kv(dir, ["get", "text/utf8"]);
    expect(raw.stdout.equals(Buffer.from(text, "utf8"))).toBe(true);
  });

  it("get --json picks utf8 only when the text re-encodes to the exact stored bytes", async () => {
    const dir = tempDir();
    const cases: [string, Buffer, "utf8" | "base64"][] = [
      ["bom-crlf-nul", Buffer.from("\uFEFFline\r\n\u0000end", "utf8"), "utf8"],
      ["lone-surrogate-cesu", Buffer.from([0xed, 0xa0, 0x80]), "base64"],
      ["overlong-nul", Buffer.from([0xc0, 0x80]), "base64"],
      ["truncated-emoji", Buffer.from("🚀", "utf8").subarray(0, 3), "base64"],
      ["latin1", Buffer.from("café", "latin1"), "base64"],
    ];
    for (const [key, bytes] of cases) await ok(kv(dir, ["set", key, "-"], { input: bytes }));
    for (const [key, bytes, encoding] of cases) {
      const got = await kvJson<GetJson>(dir, ["get", key]);
      expect(got.encoding, key).toBe(encoding);
      expect(Buffer.from(got.value, encoding).equals(bytes), key).toBe(true);
    }
  });

  it("accepts a value of exactly 1,048,576 bytes (1 MiB) from a file and from stdin", async () => {
    const dir = tempDir();
    const big = Buffer.alloc(1_048_576);
    for (let i = 0; i < big.length; i += ALL_BYTES.length) ALL_BYTES.copy(big, i);
    const file = join(dir, "big.bin");
    writeFileSync(file, big);

    const viaFile = await kvJson<{ size: number }>(dir, ["set", "big/file", "--file", file]);
    expect(viaFile.size).toBe(1_048_576);
    const viaStdin = await kvJson<{ size: number }>(dir, ["set", "big/stdin"], { input: big });
    expect(viaStdin.size).toBe(1_048_576);

    const a = await kv(dir, ["get", "big/file"]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.equals(big)).toBe(true);
    const out = join(dir, "big.out");
    const b = await kv(dir, ["get", "big/stdin", "--output", out]);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(out).equals(big)).toBe(true);
  });

  it("round-trips an empty value given as an argument, on stdin and as an empty file", async () => {
    const dir = tempDir();
    const empty = join(dir, "empty.bin");
    writeFileSync(empty, Buffer.alloc(0));
    await ok(kv(dir, ["set", "empty/arg", ""]));
    await ok(kv(dir, ["set", "empty/stdin", "-"], { input: "" }));
    await ok(kv(dir, ["set", "empty/file", "--file", empty]));

    for (const key of ["empty/arg", "empty/stdin", "empty/file"]) {
      const get = await kv(dir, ["get", key]);
      expect(get.code, `${key}: ${get.stderr}`).toBe(0);
      expect(get.stdout.length).toBe(0);
    }
    const json = await kvJson<GetJson>(dir, ["get", "empty/stdin"]);
    expect(json).toMatchObject({ value: "", encoding: "utf8" });
    const listed = await kvJson<ListJson>(dir, ["ls", "empty/"]);
    expect(listed.keys.map((k) => [k.key, k.size])).toEqual([
      ["empty/arg", 0],
      ["empty/file", 0],
      ["empty/stdin", 0],
    ]);
  });
});

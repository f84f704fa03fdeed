import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";

function session() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const run = (argv: string[], extra: Partial<InProcessOptions> = {}) => runCli(argv, { cwd, clock, ...extra });
  return { cwd, run };
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const hex = (b: number) => b.toString(16).padStart(2, "0");

/** One key per byte value (b/00 … b/ff) and one holding all 256, written by one import. */
async function storeEveryByte(run: ReturnType<typeof session>["run"]): Promise<void> {
  const rows = [...ALL_BYTES].map((b) => ({ key: `b/${hex(b)}`, value: Buffer.from([b]).toString("base64"), base64: true }));
  rows.push({ key: "all", value: ALL_BYTES.toString("base64"), base64: true });
  const r = await run(["kv", "import", "-", "--format", "ndjson"], { stdin: rows.map((row) => JSON.stringify(row)).join("\n") });
  expect(r.code, r.stderr).toBe(0);
}

describe("kv get: bytes in a pipe, text on a terminal", () => {
  it("gives a pipe every byte value exactly; prints text on a terminal and refuses, with exit 2 and the way to save it, anything else", async () => {
    const { run } = session();
    await storeEveryByte(run);
    expect((await run(["kv", "get", "all"])).stdout.equals(ALL_BYTES)).toBe(true);
    expect((await run(["kv", "get", "b/1b"])).stdout.equals(Buffer.from([0x1b]))).toBe(true);
    // Tab, newline and printable ASCII are text; every other single byte is a control or not UTF-8.
    const text = (b: number) => b === 0x09 || b === 0x0a || (b >= 0x20 && b <= 0x7e);
    for (const b of ALL_BYTES) {
      const r = await run(["kv", "get", `b/${hex(b)}`], { tty: { stdout: true } });
      if (text(b)) {
        expect(r.code, `byte ${hex(b)}`).toBe(0);
        expect(r.stdout.equals(Buffer.from(b === 0x0a ? [b] : [b, 0x0a])), `byte ${hex(b)}`).toBe(true);
      } else {
        expect(r.code, `byte ${hex(b)}`).toBe(2);
        expect(r.out, `byte ${hex(b)}`).toBe("");
      }
    }
    const all = await run(["kv", "get", "all"], { tty: { stdout: true } });
    expect(all).toMatchObject({ code: 2, out: "" });
    expect(all.stderr).toContain('The value of "all" (256 bytes) is not UTF-8 text; it was not printed to the terminal.');
    expect(all.stderr).toContain("--output <file>");
    expect(all.stderr).toContain("--output - prints it here anyway");
    const json = await run(["kv", "get", "all", "--json"], { tty: { stdout: true } });
    expect(JSON.parse(json.out)).toMatchObject({ encoding: "base64", value: ALL_BYTES.toString("base64") });
  });

  it("refuses text that would drive the terminal, and keeps CRLF text", async () => {
    const { run } = session();
    await run(["kv", "set", "ansi", "red \u001b[31mtext\u001b[0m"]);
    await run(["kv", "set", "c1", "a\u009bb"]);
    await run(["kv", "set", "cr", "safe\rforged"]);
    await run(["kv", "set", "crlf", "line one\r\nline two\r\n"]);
    await run(["kv", "set", "rtl", "שלום \u202eworld"]);
    for (const key of ["ansi", "c1", "cr"]) {
      const r = await run(["kv", "get", key], { tty: { stdout: true } });
      expect(r.code, key).toBe(2);
      expect(r.stderr).toContain("holds terminal control characters");
    }
    expect((await run(["kv", "get", "crlf"], { tty: { stdout: true } })).out).toBe("line one\r\nline two\r\n");
    expect((await run(["kv", "get", "rtl"], { tty: { stdout: true } })).out).toBe("שלום \u202eworld\n");
    const json = await run(["kv", "get", "ansi", "--json"]);
    expect(JSON.parse(json.out).value).toBe("red \u001b[31mtext\u001b[0m");
  });

  it("--output - is stdout, even a terminal, byte for byte", async () => {
    const { cwd, run } = session();
    await storeEveryByte(run);
    const piped = await run(["kv", "get", "all", "--output", "-"]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.equals(ALL_BYTES)).toBe(true);
    expect(existsSync(join(cwd, "-"))).toBe(false);
    const forced = await run(["kv", "get", "all", "-o", "-"], { tty: { stdout: true } });
    expect(forced.stdout.equals(ALL_BYTES)).toBe(true);
    const json = await run(["kv", "get", "all", "--output", "-", "--json"]);
    expect(JSON.parse(json.out).value).toBe(ALL_BYTES.toString("base64"));
  });

  it("--output <file> writes the bytes whole, and a key that is not there creates nothing", async () => {
    const { cwd, run } = session();
    await storeEveryByte(run);
    const r = await run(["kv", "get", "all", "--output", "all.bin"], { tty: { stdout: true } });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(cwd, "all.bin")).equals(ALL_BYTES)).toBe(true);
    expect(r.stderr).toContain("Wrote 256 B to all.bin");
    writeFileSync(join(cwd, "kept.bin"), "before");
    expect((await run(["kv", "get", "missing", "--output", "new.bin"])).code).toBe(3);
    expect(existsSync(join(cwd, "new.bin"))).toBe(false);
    expect((await run(["kv", "get", "missing", "--output", "kept.bin", "--force"])).code).toBe(3);
    expect(readFileSync(join(cwd, "kept.bin"), "utf8")).toBe("before");
  });
});

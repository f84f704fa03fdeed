import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importThreads } from "../../src/commands/kv/import/thread-messages.js";
import { tempDir, type RunResult } from "../support/cli.js";
import { runInDir } from "../support/in-dir.js";

/**
 * `kv import` of a large NDJSON file writes what its parser thread hands over; a JSON array is parsed
 * in the main thread. The same entries through both must leave the same store, and a refused file
 * nothing. The files here are small: every file goes through the threads while these tests run.
 */

const fromBytes = importThreads.fromBytes;
beforeAll(() => {
  importThreads.fromBytes = 0;
});
afterAll(() => {
  importThreads.fromBytes = fromBytes;
});

function sandbox() {
  const dir = tempDir();
  const env = { YOURSPACE_DATA_DIR: join(dir, "data"), YOURSPACE_CONFIG_DIR: join(dir, "config") };
  return {
    kv: (args: string[]) => runInDir(["kv", ...args], { cwd: dir, env }),
    write: (name: string, content: string) => writeFileSync(join(dir, name), content),
  };
}

const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

/** Entries with what is hard to carry: Unicode, binary values with NULs, empty values, metadata, expiries. */
function hardEntries(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const k = i % 5;
    if (k === 0) return { key: `ключ/${i}/𝄞`, value: `значение\u0000${i}` };
    if (k === 1) return { key: `bin/${i}`, value: Buffer.from([0, 255, i & 255, 0x80]).toString("base64"), base64: true };
    if (k === 2) return { key: `empty/${i}`, value: "", metadata: { i, tags: ["ü"] } };
    if (k === 3) return { key: `exp/${i}`, value: "e", expiration: 4_102_444_800 + i };
    return { key: `big/${i}`, value: "v".repeat(5_000 + i) };
  });
}

describe("kv import through the parser thread", () => {
  it("stores what the same entries as a JSON array store, in several batches", async () => {
    const s = sandbox();
    const entries = hardEntries(1_000);
    s.write("in.ndjson", entries.map((e) => JSON.stringify(e)).join("\r\n"));
    s.write("in.json", JSON.stringify(entries));
    ok(await s.kv(["namespace", "create", "threaded", "--quiet"]));
    ok(await s.kv(["namespace", "create", "here", "--quiet"]));
    const a = JSON.parse(ok(await s.kv(["import", "-n", "threaded", "in.ndjson", "--batch-size", "64", "--json"])).out);
    const b = JSON.parse(ok(await s.kv(["import", "-n", "here", "in.json", "--batch-size", "64", "--json"])).out);
    expect(a.created).toBe(1_000);
    expect({ ...a, namespace: "", format: "", elapsedMs: 0 }).toEqual({ ...b, namespace: "", format: "", elapsedMs: 0 });
    const threaded = ok(await s.kv(["export", "-n", "threaded"])).out;
    expect(threaded.split("\n").filter(Boolean)).toHaveLength(1_000);
    expect(threaded).toBe(ok(await s.kv(["export", "-n", "here"])).out);
  });

  it("writes nothing when a line late in the file is bad, and names the line", async () => {
    const s = sandbox();
    const lines = hardEntries(1_000).map((e) => JSON.stringify(e));
    lines[997] = '{"key":"late","value":42}';
    s.write("late.ndjson", lines.join("\n"));
    ok(await s.kv(["namespace", "create", "m", "--quiet"]));
    const r = await s.kv(["import", "-n", "m", "late.ndjson", "--batch-size", "10"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("late.ndjson:998");
    expect(JSON.parse(ok(await s.kv(["ls", "-n", "m", "--json"])).out).keys).toEqual([]);
  });
});

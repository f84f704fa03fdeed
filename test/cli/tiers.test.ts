import { createWriteStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { fails, json, local, ok, re, sandbox, startServer, type Sandbox, type Usage } from "../support/site.js";

/**
 * Tiers and quotas: the free tier's storage and key ceilings, preview's value limit, and a tier change.
 * The CLI in process on the embedded emulator, and against the API server `kv emulator start` runs
 * (in process, on a loopback port).
 */

const MiB = 1_048_576;
const n = (x: number) => x.toLocaleString("en-US");

async function usage(sb: Sandbox): Promise<Usage> {
  return json<Usage>(await local(sb, ["kv", "usage", "--json"]));
}

/** A usage report without its time and GB-hours, which move with the (real) clock between two reports. */
const stable = ({ now: _now, storage: { gbHours: _g, ...storage }, ...rest }: Usage) => ({ ...rest, storage });

/** An NDJSON file of `count` entries `key(i)` whose values are `size` bytes of `fill`. */
async function ndjson(path: string, count: number, key: (i: number) => string, size: number, fill = "x", from = 0): Promise<string> {
  const out = createWriteStream(path);
  const value = fill.repeat(size);
  for (let i = from; i < from + count; i++) {
    if (!out.write(`${JSON.stringify({ key: key(i), value })}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  out.end();
  await finished(out);
  return path;
}

const blob = (i: number) => `blob-${String(i).padStart(2, "0")}`;
/** What one 1 MiB blob occupies: its 7-byte key and its value. */
const BLOB = 7 + MiB;

describe("free tier: 50 MB of storage (decimal)", () => {
  it("embedded: the write that would cross 50,000,000 bytes exits 6 naming tier, ceiling and current use, and writes nothing; so does an import, before any batch", async () => {
    const sb = sandbox();
    // 46 blobs: 48,234,818 bytes. One more fits; two more do not.
    ok(await local(sb, ["kv", "import", "--format", "ndjson", await ndjson(join(sb.root, "fill.ndjson"), 46, blob, MiB)]));
    const filled = await usage(sb);
    expect(filled.storage).toMatchObject({ keys: 46, bytes: 46 * BLOB });
    expect(filled.ceilings).toEqual({ keys: 100_000, bytes: 50_000_000, maxValueBytes: MiB });

    // An import that crosses the ceiling is refused whole, even one entry per batch (the first would fit).
    const two = await ndjson(join(sb.root, "two.ndjson"), 2, blob, MiB, "y", 46);
    fails(
      await local(sb, ["kv", "import", "--format", "ndjson", "--batch-size", "1", two]),
      6,
      /free tier/,
      /at most 50,000,000 bytes/,
      re(`stores ${n(46 * BLOB)}`),
      re(`would add ${n(2 * BLOB)}`),
      /Nothing was written/,
    );
    expect(stable(await usage(sb))).toEqual(stable(filled));
    expect(json(await local(sb, ["kv", "ls", "--json"])).keys).toHaveLength(46);

    // One value at a time: the 47th fits, the 48th would cross.
    const oneMiB = join(sb.root, "one.bin");
    writeFileSync(oneMiB, Buffer.alloc(MiB, 0x7a));
    ok(await local(sb, ["kv", "set", blob(46), "--file", oneMiB]));
    const at47 = await usage(sb);
    expect(at47.storage).toMatchObject({ keys: 47, bytes: 47 * BLOB });
    fails(
      await local(sb, ["kv", "set", blob(47), "--file", oneMiB]),
      6,
      /Site local is on the free tier, which stores at most 50,000,000 bytes; it stores 49,283,401, and this write would add 1,048,583\. Nothing was written\./,
    );
    expect(stable(await usage(sb))).toEqual(stable(at47));
    fails(await local(sb, ["kv", "get", blob(47)]), 3, re(blob(47)));

    // Exactly at the ceiling is allowed; one byte past it is not. Overwrites that do not grow still work.
    const room = 50_000_000 - 47 * BLOB;
    writeFileSync(join(sb.root, "edge.bin"), Buffer.alloc(room - 4, 0x65));
    ok(await local(sb, ["kv", "set", "edge", "--file", join(sb.root, "edge.bin")]));
    expect((await usage(sb)).storage.bytes).toBe(50_000_000);
    fails(await local(sb, ["kv", "set", "z", ""]), 6, /it stores 50,000,000, and this write would add 1\./);
    ok(await local(sb, ["kv", "set", blob(0), "--file", oneMiB]));
    ok(await local(sb, ["kv", "rm", blob(1)]));
    ok(await local(sb, ["kv", "set", "z", ""]));
    expect((await usage(sb)).storage).toMatchObject({ keys: 48, bytes: 50_000_000 - BLOB + 1 });
  });

  it("through the server: the same refusals, CLI exit 6 and HTTP 507, with nothing written", async () => {
    const sb = sandbox();
    const srv = await startServer(sb);
    const body = Buffer.alloc(MiB, 0x78);
    for (let i = 0; i < 46; i++) {
      const put = await srv.http("PUT", `/v1/sites/local/namespaces/default/values/${blob(i)}`, { body });
      expect(put.status, put.text).toBe(200);
    }
    const filled = json<Usage>(await srv.remote(["kv", "usage", "--json"]));
    expect(filled.storage).toMatchObject({ keys: 46, bytes: 46 * BLOB });

    const two = await ndjson(join(sb.root, "two.ndjson"), 2, blob, MiB, "y", 46);
    fails(
      await srv.remote(["kv", "import", "--format", "ndjson", "--batch-size", "1", two]),
      6,
      /free tier/,
      /50,000,000/,
      re(n(46 * BLOB)),
      /Nothing was written/,
    );
    const keys = await srv.http("GET", "/v1/sites/local/namespaces/default/keys");
    expect(keys.json.keys).toHaveLength(46);
    // Its dry run answers as it would: refused, exit 6.
    fails(await srv.remote(["kv", "import", "--format", "ndjson", "--batch-size", "1", "--dry-run", two]), 6, /free tier/, /Nothing was written/);

    // Two entries of 900 KB: together past the room left, each request within the API's 2 MiB.
    const entries = [46, 47].map((i) => ({ key: blob(i), value: "x".repeat(900_000) }));
    const bulk = await srv.http("POST", "/v1/sites/local/namespaces/default/bulk/put", { body: JSON.stringify({ entries }), type: "application/json" });
    expect(bulk.status, bulk.text.slice(0, 300)).toBe(507);
    expect(bulk.json.code).toBe("QUOTA_EXCEEDED");
    const dry = await srv.http("POST", "/v1/sites/local/namespaces/default/bulk/put", {
      body: JSON.stringify({ entries, dryRun: true }),
      type: "application/json",
    });
    expect([dry.status, dry.json]).toEqual([bulk.status, bulk.json]);
    expect((await srv.http("GET", "/v1/sites/local/namespaces/default/keys")).json.keys).toHaveLength(46);

    expect((await srv.http("PUT", `/v1/sites/local/namespaces/default/values/${blob(46)}`, { body })).status).toBe(200);
    const oneMiB = join(sb.root, "one.bin");
    writeFileSync(oneMiB, body);
    fails(
      await srv.remote(["kv", "set", blob(47), "--file", oneMiB]),
      6,
      /free tier, which stores at most 50,000,000 bytes; it stores 49,283,401, and this write would add 1,048,583/,
    );
    const put = await srv.http("PUT", `/v1/sites/local/namespaces/default/values/${blob(47)}`, { body });
    expect(put.status).toBe(507);
    expect(put.json).toMatchObject({ code: "QUOTA_EXCEEDED", message: expect.stringMatching(/free tier.*50,000,000.*49,283,401/) });
    expect(json<Usage>(await srv.remote(["kv", "usage", "--json"])).storage).toMatchObject({ keys: 47, bytes: 47 * BLOB });
    expect((await srv.http("GET", `/v1/sites/local/namespaces/default/values/${blob(47)}`)).status).toBe(404);
  });
});

describe("free tier: 100,000 keys", () => {
  it("an import of 100,000 entries fills it; the 100,001st key exits 6, by set or by import; overwrites still work", async () => {
    const sb = sandbox();
    const key = (i: number) => `k${String(i).padStart(6, "0")}`;
    const file = await ndjson(join(sb.root, "keys.ndjson"), 100_000, key, 1, "v");
    ok(await local(sb, ["kv", "import", "--batch-size", "1000", file]));
    const full = await usage(sb);
    expect(full.storage).toMatchObject({ keys: 100_000, bytes: 100_000 * 8 });

    fails(
      await local(sb, ["kv", "set", "one-more", "x"]),
      6,
      /Site local is on the free tier, which holds at most 100,000 keys; it holds 100,000, and this write would add 1\. Nothing was written\./,
    );
    const extra = await ndjson(join(sb.root, "extra.ndjson"), 2, key, 1, "w", 99_999);
    fails(await local(sb, ["kv", "import", extra]), 6, /at most 100,000 keys; it holds 100,000, and this write would add 1\./);
    expect(stable(await usage(sb))).toEqual(stable(full));
    fails(await local(sb, ["kv", "get", key(100_000)]), 3, re(key(100_000)));
    expect(ok(await local(sb, ["kv", "get", key(99_999)])).out).toBe("v");

    ok(await local(sb, ["kv", "set", key(0), "changed"]));
    ok(await local(sb, ["kv", "rm", key(1)]));
    ok(await local(sb, ["kv", "set", "one-more", "x"]));
    expect((await usage(sb)).storage.keys).toBe(100_000);
  });
});

describe("preview tier and moving to GA", () => {
  it("preview limits values to 256 KiB; indie afterwards keeps every key and namespace and allows 1 MiB again", async () => {
    const sb = sandbox();
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    ok(await local(sb, ["kv", "set", "-n", "flags", "beta", "on", "--metadata", '{"owner":"web"}']));
    ok(await local(sb, ["kv", "set", "greeting", "hello"]));
    const file = (name: string, size: number) => {
      const path = join(sb.root, name);
      writeFileSync(path, Buffer.alloc(size, 0x71));
      return path;
    };

    expect(json(await local(sb, ["kv", "site", "--tier", "preview", "--json"]))).toEqual({ site: "local", tier: "preview", auditRetentionDays: 30 });
    expect((await usage(sb)).ceilings).toEqual({ keys: 5_000_000, bytes: null, maxValueBytes: 262_144 });
    ok(await local(sb, ["kv", "set", "at-limit", "--file", file("256k.bin", 262_144)]));
    fails(
      await local(sb, ["kv", "set", "over", "--file", file("256k1.bin", 262_145)]),
      2,
      /The value is 262,145 bytes; the preview tier allows at most 262,144 bytes per value\./,
    );
    fails(await local(sb, ["kv", "get", "over"]), 3, /"over"/);
    fails(await local(sb, ["kv", "site", "--tier", "gold"]), 2, /gold/);

    const namespaces = json(await local(sb, ["kv", "namespace", "ls", "--json"]));
    const exports = [ok(await local(sb, ["kv", "export"])).out, ok(await local(sb, ["kv", "export", "-n", "flags"])).out];
    expect(exports[0]!.trim().split("\n")).toHaveLength(2);

    expect(json(await local(sb, ["kv", "site", "--tier", "indie", "--json"]))).toEqual({ site: "local", tier: "indie", auditRetentionDays: 30 });
    expect(json(await local(sb, ["kv", "namespace", "ls", "--json"]))).toEqual(namespaces);
    expect([ok(await local(sb, ["kv", "export"])).out, ok(await local(sb, ["kv", "export", "-n", "flags"])).out]).toEqual(exports);
    expect((await usage(sb)).ceilings).toEqual({ keys: 1_000_000, bytes: 5_000_000_000, maxValueBytes: MiB });
    ok(await local(sb, ["kv", "set", "over", "--file", file("256k1.bin", 262_145)]));
    ok(await local(sb, ["kv", "set", "big", "--file", file("1m.bin", MiB)]));
    fails(await local(sb, ["kv", "set", "too-big", "--file", file("1m1.bin", MiB + 1)]), 2, /1,048,577 bytes; the limit is 1,048,576 bytes/);
    expect((await usage(sb)).storage.keys).toBe(5);
  });
});

// BUG: `kv import` without --format takes an NDJSON file for a flat JSON object when its first line is
// longer than the 64 KiB it sniffs (any entry with a value over ~64 KB, well within the 1 MiB limit), and
// fails with exit 2 ("is not a JSON object of keys and values"). Reproduce:
//   node -e 'console.log(JSON.stringify({key:"k",value:"x".repeat(70000)}))' > big.ndjson
//   yourspace kv import big.ndjson        # exit 2; with --format ndjson it imports
it("kv import detects NDJSON whose first line is longer than 64 KiB", async () => {
  const sb = sandbox();
  const file = await ndjson(join(sb.root, "big.ndjson"), 2, (i) => `k${i}`, 70_000);
  ok(await local(sb, ["kv", "import", file]));
  expect(json(await local(sb, ["kv", "ls", "--json"])).keys).toHaveLength(2);
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../support/cli.js";
import { fails, json, local, ok, sandbox, startServer, type RunOptions, type Sandbox } from "../support/site.js";

/**
 * kv set --if-absent / --if-version, kv rm --if-version, kv incr and kv import --if-absent, through the
 * real main() in process: on the embedded target and against a real API server on a loopback port.
 * What both targets must print alike step by step is in test/api/parity.test.ts; this file checks
 * each flag's output, advice and refusals.
 */

type Run = (args: readonly string[], options?: RunOptions) => Promise<RunResult>;

const TARGETS: Record<string, (sb: Sandbox) => Promise<Run>> = {
  embedded: async (sb) => (args, options) => local(sb, args, options),
  "API server": async (sb) => {
    const server = await startServer(sb);
    return (args, options) => server.remote(args, options);
  },
};

/** The --json error a failed command printed on stderr. */
function errorOf(r: RunResult): { code: string; message: string; hint: string; details?: Record<string, unknown> } {
  const line = r.stderr.split("\n").find((l) => l.startsWith('{"error":'));
  expect(line, r.stderr).toBeDefined();
  return (JSON.parse(line!) as { error: { code: string; message: string; hint: string; details?: Record<string, unknown> } }).error;
}

/** The hint line under a human error. */
const hintOf = (r: RunResult): string => r.stderr.split("\n")[r.stderr.split("\n").findIndex((l) => l.startsWith("✖ ")) + 1]!.trim();

const VERSION = /^[0-9a-f]{20}$/;

describe.each(Object.keys(TARGETS))("conditions and counters in the CLI (%s)", (target) => {
  const setUp = async () => {
    const sb = sandbox();
    return { sb, kv: await TARGETS[target]!(sb) };
  };

  it("--if-absent writes a new key once; then exit 7 names the version that holds it, and the advice names the flags", async () => {
    const { kv } = await setUp();
    const first = json(await kv(["kv", "set", "lock", "me", "--if-absent", "--json"]));
    expect(first).toMatchObject({ key: "lock", version: expect.stringMatching(VERSION) });
    const again = await kv(["kv", "set", "lock", "you", "--if-absent"]);
    const line = fails(again, 7, /already exists at home/, new RegExp(`version ${first.version}`), /nothing was written/);
    expect(line).toContain('"lock"');
    expect(hintOf(again)).toBe(
      "The key exists. See it with: yourspace kv get lock --json (in the same namespace); to replace it, write with --if-version <its version>.",
    );
    const asJson = await kv(["kv", "set", "lock", "you", "--if-absent", "--json"]);
    expect(asJson.code).toBe(7);
    expect(errorOf(asJson)).toMatchObject({ code: "CONDITION_FAILED", details: { key: "lock", expected: null, current: first.version } });
    expect((await kv(["kv", "get", "lock"])).out).toBe("me");
  });

  it("--if-version: a compare-and-set that succeeds once, and a stale one that fails with the current version", async () => {
    const { kv } = await setUp();
    const v1 = json(await kv(["kv", "set", "flag", "off", "--json"])).version as string;
    const v2 = json(await kv(["kv", "set", "flag", "on", "--if-version", v1, "--json"])).version as string;
    expect(v2 > v1).toBe(true);
    const stale = await kv(["kv", "set", "flag", "off", "--if-version", v1]);
    fails(stale, 7, new RegExp(`at version ${v2} at home, not ${v1}`));
    expect(hintOf(stale)).toBe(
      "Another write came first. Read the current version and value with: yourspace kv get flag --json (in the same namespace), then write again with --if-version <that version>.",
    );
    expect(errorOf(await kv(["kv", "set", "flag", "off", "--if-version", v1, "--json"]))).toMatchObject({
      code: "CONDITION_FAILED",
      details: { key: "flag", expected: v1, current: v2 },
    });
    expect(json(await kv(["kv", "get", "flag", "--json"]))).toMatchObject({ value: "on", version: v2 });
    // The human success line is a plain set's.
    expect((await kv(["kv", "set", "flag", "off", "--if-version", v2])).stderr).toMatch(/Set flag in default/);
  });

  it("kv rm --if-version removes one key at that version only", async () => {
    const { kv } = await setUp();
    const v1 = json(await kv(["kv", "set", "lock", "me", "--json"])).version as string;
    const v2 = json(await kv(["kv", "set", "lock", "me again", "--json"])).version as string;
    fails(await kv(["kv", "rm", "lock", "--if-version", v1]), 7, new RegExp(`at version ${v2} at home, not ${v1}`));
    expect((await kv(["kv", "get", "lock"])).out).toBe("me again");
    expect(json(await kv(["kv", "rm", "lock", "--if-version", v2, "--json"]))).toEqual({ namespace: "default", dryRun: false, removed: ["lock"], missing: [] });
    expect(errorOf(await kv(["kv", "rm", "lock", "--if-version", v2, "--json"]))).toMatchObject({
      code: "CONDITION_FAILED",
      details: { key: "lock", expected: v2, current: null },
    });
  });

  it("bad condition flags are usage errors (exit 2) that write nothing", async () => {
    const { kv } = await setUp();
    const v = json(await kv(["kv", "set", "k", "v", "--json"])).version as string;
    fails(await kv(["kv", "set", "k", "x", "--if-version", "latest"]), 2, /"latest" is not a version/);
    fails(await kv(["kv", "set", "k", "x", "--if-version", "0000000000000000000A"]), 2, /is not a version/);
    fails(await kv(["kv", "set", "k", "x", "--if-version", `${v}0`]), 2, /is not a version/);
    fails(await kv(["kv", "set", "k", "x", "--if-absent", "--if-version", v]), 2, /Give --if-absent or --if-version, not both/);
    fails(await kv(["kv", "rm", "k", "other", "--if-version", v]), 2, /--if-version applies to one key; this removal names 2 keys/);
    fails(await kv(["kv", "rm", "--prefix", "k", "--if-version", v]), 2, /--if-version applies to one key; this removal names a prefix/);
    fails(await kv(["kv", "rm", "k", "--if-version", v, "--dry-run"]), 2, /cannot be a dry run/);
    fails(await kv(["kv", "rm", "k", "--if-version", v, "--force"]), 2, /--if-version and --force cannot be given together/);
    fails(await kv(["kv", "rm", "k", "--if-version", "zz"]), 2, /"zz" is not a version/);
    fails(await kv(["kv", "set", "k", "x", "--if-version"]), 2, /argument missing/);
    expect(json(await kv(["kv", "get", "k", "--json"]))).toMatchObject({ value: "v", version: v });
  });

  it("kv incr prints the new value; --json gives key, value (a string), version and region", async () => {
    const { kv } = await setUp();
    expect(ok(await kv(["kv", "incr", "hits"])).out).toBe("1\n");
    expect(ok(await kv(["kv", "incr", "hits", "--by", "9"])).out).toBe("10\n");
    expect(ok(await kv(["kv", "incr", "hits", "--by", "-11"])).out).toBe("-1\n");
    expect(json(await kv(["kv", "incr", "hits", "-n", "default", "--json"]))).toEqual({
      key: "hits",
      namespace: "default",
      value: "0",
      version: expect.stringMatching(VERSION),
      region: "iad",
    });
    // Beyond 2^53 the value stays exact: it travels and prints as a decimal string.
    ok(await kv(["kv", "set", "big", "9007199254740993"]));
    expect(json(await kv(["kv", "incr", "big", "--by", "9007199254740993", "--json"])).value).toBe("18014398509481986");
  });

  it("kv incr refuses bad --by and --ttl (exit 2), a value that is not a counter and an overflow (exit 7)", async () => {
    const { kv } = await setUp();
    for (const by of ["1.5", "ten", "", "0x10", "+9", "09", "1e3", "9223372036854775808", "-9223372036854775809"])
      fails(await kv(["kv", "incr", "hits", "--by", by]), 2, /--by ".*" is not a signed 64-bit integer/);
    fails(await kv(["kv", "incr", "hits", "--by", "0"]), 2, /--by is 0, which would change nothing/);
    fails(await kv(["kv", "incr", "hits", "--ttl", "soon"]), 2, /--ttl "soon" is not a duration/);
    fails(await kv(["kv", "incr", "hits", "--ttl", "30s"]), 2, /minimum is 60 s/);
    fails(await kv(["kv", "incr", ""]), 2, /The key is empty/);
    expect((await kv(["kv", "get", "hits"])).code).toBe(3);

    ok(await kv(["kv", "set", "name", "alice"]));
    const notCounter = await kv(["kv", "incr", "name"]);
    fails(notCounter, 7, /"name" holds .* not a decimal integer/);
    // The details name no namespace: the command to reset it says where, as a failed condition's does, lest it write the default one.
    expect(hintOf(notCounter)).toMatch(/start this one again: yourspace kv set name 0 \(in the same namespace\)$/);
    expect(errorOf(await kv(["kv", "incr", "name", "--json"]))).toMatchObject({
      code: "NOT_A_COUNTER",
      details: { key: "name", version: expect.stringMatching(VERSION) },
    });
    for (const text of ["007", "+1", " 1", "1.0", "-0"]) {
      ok(await kv(["kv", "set", "odd", text]));
      fails(await kv(["kv", "incr", "odd"]), 7, /not a decimal integer/);
    }
    ok(await kv(["kv", "set", "low", "-9223372036854775807"]));
    fails(await kv(["kv", "incr", "low", "--by", "-2"]), 7, /would leave the signed 64-bit range/);
    expect(errorOf(await kv(["kv", "incr", "low", "--by", "-2", "--json"]))).toMatchObject({ code: "COUNTER_OVERFLOW" });
    expect((await kv(["kv", "get", "low"])).out).toBe("-9223372036854775807");
  });

  it("a partitioned region's conditional writes and increments fail with exit 5, never decided at the edge", async () => {
    const { sb, kv } = await setUp();
    const v = json(await kv(["kv", "set", "k", "v", "--json"])).version as string;
    ok(await local(sb, ["kv", "emulator", "partition", "sin"]));
    const sin = ["--region", "sin"];
    fails(await kv(["kv", "set", "new", "x", "--if-absent", ...sin]), 5, /partitioned/);
    fails(await kv(["kv", "set", "k", "x", "--if-version", v, ...sin]), 5, /partitioned/);
    fails(await kv(["kv", "rm", "k", "--if-version", v, ...sin]), 5, /partitioned/);
    fails(await kv(["kv", "incr", "hits", ...sin]), 5, /partitioned/);
    ok(await local(sb, ["kv", "emulator", "heal", "sin"]));
    expect(json(await kv(["kv", "get", "k", "--json"]))).toMatchObject({ value: "v", version: v });
    expect((await kv(["kv", "get", "hits"])).code).toBe(3);
    expect(json(await kv(["kv", "incr", "hits", ...sin, "--json"]))).toMatchObject({ value: "1", region: "sin" });
  });

  it("kv import --if-absent: the summary and the report say which keys were skipped", async () => {
    const { sb, kv } = await setUp();
    ok(await kv(["kv", "set", "flags/a", "kept"]));
    ok(await kv(["kv", "set", "flags/b", "kept"]));
    const file = join(sb.cwd, "defaults.json");
    writeFileSync(file, JSON.stringify({ "flags/a": "default", "flags/b": "default", "flags/c": "default" }));
    const human = ok(await kv(["kv", "import", file, "--if-absent", "--report", "report.ndjson"]));
    expect(human.stderr).toContain('Skipped 2 keys that exist: "flags/a", "flags/b".');
    expect(human.stderr).toMatch(/Imported 3 entries into default: 1 created, 0 updated, 0 unchanged, 2 skipped, 0 deleted, 0 failed/);
    const report = readFileSync(join(sb.cwd, "report.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { key: string; outcome: string });
    expect(report.map((r) => [r.key, r.outcome])).toEqual([
      ["flags/a", "skipped"],
      ["flags/b", "skipped"],
      ["flags/c", "created"],
    ]);
    expect((await kv(["kv", "get", "flags/a"])).out).toBe("kept");
    const again = json(await kv(["kv", "import", file, "--if-absent", "--json"]));
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 0, skipped: 3, skippedKeys: ["flags/a", "flags/b", "flags/c"], failed: 0 });
    // Without --if-absent, an import's JSON is as it was: no skipped fields.
    expect(Object.keys(json(await kv(["kv", "import", file, "--json"])))).not.toContain("skipped");
    fails(await kv(["kv", "import", file, "--if-absent", "--prune", "--prefix", "flags/"]), 2, /--if-absent and --prune cannot be given together/);
  });
});

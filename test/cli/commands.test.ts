import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { Prompter } from "../../src/commands/context.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";

const ANSI = /\u001b\[/;

/** A CLI session on one fresh data directory, run in-process with captured streams. */
function session(base: Partial<InProcessOptions> = {}) {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const run = (argv: string[], extra: Partial<InProcessOptions> = {}) => runCli(argv, { cwd, clock, ...base, ...extra, env: { ...base.env, ...extra.env } });
  return { cwd, clock, run };
}

describe("set and get", () => {
  it("round-trips a value and reports where it went", async () => {
    const { run } = session();
    const set = await run(["kv", "set", "flags/homepage-v2", "on"]);
    expect(set.code).toBe(0);
    expect(set.out).toBe("");
    expect(set.stderr).toContain("target: embedded emulator at .yourspace (site local)");
    expect(set.stderr).toMatch(/Set flags\/homepage-v2 in default \(2 B, version 0{19}1\)/);
    const get = await run(["kv", "get", "flags/homepage-v2"]);
    expect(get.stdout.equals(Buffer.from("on"))).toBe(true);
  });

  it("adds a newline for a terminal only", async () => {
    const { run } = session();
    await run(["kv", "set", "k", "v"]);
    expect((await run(["kv", "get", "k"], { tty: { stdout: true } })).out).toBe("v\n");
    expect((await run(["kv", "get", "k"])).out).toBe("v");
  });

  it("prints the documented JSON shape", async () => {
    const { run } = session();
    await run(["kv", "set", "k", "héllo", "--metadata", '{"owner":"web"}', "--ttl", "10m"]);
    const get = await run(["kv", "get", "k", "--json"]);
    expect(JSON.parse(get.out)).toEqual({
      key: "k",
      value: "héllo",
      encoding: "utf8",
      metadata: { owner: "web" },
      expiresAt: new Date(T0 + 600_000).toISOString(),
      version: "00000000000000000001",
      region: "iad",
      servedFrom: "home",
      ageMs: 0,
    });
    const set = await run(["kv", "set", "k2", "x", "--json"]);
    expect(JSON.parse(set.out)).toEqual({ key: "k2", namespace: "default", version: "00000000000000000002", size: 1, region: "iad" });
  });

  it("reads the value from stdin when it is omitted and stdin is not a terminal, or is -", async () => {
    const { run } = session();
    expect((await run(["kv", "set", "a"], { stdin: "from-stdin" })).code).toBe(0);
    expect((await run(["kv", "set", "b", "-"], { stdin: "dash" })).code).toBe(0);
    expect((await run(["kv", "get", "a"])).out).toBe("from-stdin");
    expect((await run(["kv", "get", "b"])).out).toBe("dash");
  });

  it("asks for a value when there is none and stdin is a terminal", async () => {
    const { run } = session();
    const r = await run(["kv", "set", "a"], { tty: { stdin: true } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("No value given.");
    expect(r.stderr).toContain("--file");
  });

  it("expires keys on the injected clock, with no sleeping", async () => {
    const { run, clock } = session();
    await run(["kv", "set", "s", "v", "--ttl", "90s"]);
    clock.advance(89_999);
    expect((await run(["kv", "get", "s"])).code).toBe(0);
    clock.advance(1);
    const gone = await run(["kv", "get", "s"]);
    expect(gone.code).toBe(3);
    expect(gone.out).toBe("");
    expect((await run(["kv", "ls", "--json"])).out).toContain('"keys":[]');
  });

  it("accepts --expires-at as ISO time or epoch seconds", async () => {
    const { run } = session();
    const at = new Date(T0 + 3_600_000).toISOString();
    await run(["kv", "set", "iso", "v", "--expires-at", at]);
    await run(["kv", "set", "epoch", "v", "--expires-at", String((T0 + 7_200_000) / 1000)]);
    expect(JSON.parse((await run(["kv", "get", "iso", "--json"])).out).expiresAt).toBe(at);
    expect(JSON.parse((await run(["kv", "get", "epoch", "--json"])).out).expiresAt).toBe(new Date(T0 + 7_200_000).toISOString());
  });
});

describe("ls", () => {
  it("prints a table on a terminal and one key per line in a pipe", async () => {
    const { run } = session();
    await run(["kv", "set", "flags/a", "on", "--metadata", '{"owner":"web"}', "--ttl", "7d"]);
    await run(["kv", "set", "flags/b", "off"]);
    const table = await run(["kv", "ls"], { tty: { stdout: true } });
    expect(table.out).toMatch(/key.*size.*expires.*metadata/);
    expect(table.out).toMatch(/flags\/a.*2 B.*in 7d.*\{"owner":"web"\}/);
    expect(table.out).toMatch(/flags\/b.*3 B.*never/);
    expect((await run(["kv", "ls"])).out).toBe("flags/a\nflags/b\n");
    expect((await run(["kv", "ls", "flags/b"])).out).toBe("flags/b\n");
  });

  it("says so on stderr when a page is not the whole listing", async () => {
    const { run } = session();
    for (const k of ["a", "b", "c"]) await run(["kv", "set", k, k]);
    const page = await run(["kv", "ls", "--limit", "2", "--json"]);
    const body = JSON.parse(page.out);
    expect(body.keys.map((k: { key: string }) => k.key)).toEqual(["a", "b"]);
    expect(body.complete).toBe(false);
    expect(page.stderr).toContain("more exist");
    expect(page.stderr).toContain(`--cursor ${body.cursor}`);
    expect(page.stderr).toContain("--all");
    const rest = await run(["kv", "ls", "--limit", "2", "--cursor", body.cursor, "--json"]);
    expect(JSON.parse(rest.out)).toEqual({ keys: [{ key: "c", size: 1, expiresAt: null, metadata: null }], cursor: null, complete: true });
    expect(rest.stderr).not.toContain("more exist");
  });

  it("walks every page with --all, also as one JSON document", async () => {
    const { run } = session();
    for (const k of ["a", "b", "c", "d", "e"]) await run(["kv", "set", k, k]);
    expect((await run(["kv", "ls", "--all", "--limit", "2"])).out).toBe("a\nb\nc\nd\ne\n");
    const json = JSON.parse((await run(["kv", "ls", "--all", "--limit", "2", "--json"])).out);
    expect(json.keys).toHaveLength(5);
    expect(json).toMatchObject({ cursor: null, complete: true });
  });
});

describe("rm", () => {
  const yes: Prompter = { confirm: async () => true, secret: async () => null, select: async () => null, text: async () => null };
  const no: Prompter = { confirm: async () => false, secret: async () => null, select: async () => null, text: async () => null };

  it("removes keys under a prefix after confirmation on a terminal", async () => {
    let asked = "";
    const { run } = session();
    for (const k of ["tmp/a", "tmp/b", "keep"]) await run(["kv", "set", k, "v"]);
    const r = await run(["kv", "rm", "--prefix", "tmp/"], {
      interactive: true,
      prompter: { confirm: async (m) => ((asked = m), true), secret: async () => null, select: async () => null, text: async () => null },
    });
    expect(r.code).toBe(0);
    expect(asked).toContain('Remove 2 keys under "tmp/"');
    expect((await run(["kv", "ls"])).out).toBe("keep\n");
  });

  it("changes nothing when the user declines", async () => {
    const { run } = session();
    await run(["kv", "set", "tmp/a", "v"]);
    const r = await run(["kv", "rm", "--prefix", "tmp/"], { interactive: true, prompter: no });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Cancelled; nothing was changed.");
    expect((await run(["kv", "ls"])).out).toBe("tmp/a\n");
  });

  it("never prompts without a terminal, and names --yes", async () => {
    const { run } = session();
    await run(["kv", "set", "tmp/a", "v"]);
    const r = await run(["kv", "rm", "--prefix", "tmp/"], { interactive: false, prompter: yes });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    expect((await run(["kv", "ls"])).out).toBe("tmp/a\n");
    expect((await run(["kv", "rm", "--prefix", "tmp/", "--yes"], { interactive: false })).code).toBe(0);
    expect((await run(["kv", "ls"])).out).toBe("");
  });

  it("lists what would be removed with --dry-run", async () => {
    const { run } = session();
    for (const k of ["tmp/a", "tmp/b", "keep"]) await run(["kv", "set", k, "v"]);
    const dry = await run(["kv", "rm", "--prefix", "tmp/", "--dry-run"]);
    expect(dry.out).toBe("tmp/a\ntmp/b\n");
    expect(dry.stderr).toContain("Would remove 2 keys");
    const json = JSON.parse((await run(["kv", "rm", "keep", "ghost", "--dry-run", "--force", "--json"])).out);
    expect(json).toEqual({ namespace: "default", dryRun: true, removed: ["keep"], missing: ["ghost"] });
    const forced = await run(["kv", "rm", "keep", "ghost", "--dry-run", "--force"]);
    expect([forced.code, forced.out]).toEqual([0, "keep\n"]);
    expect(forced.stderr).toContain("Would remove 1 key from default");
    expect(forced.stderr).toContain("Not found, would be skipped: ghost");
    expect((await run(["kv", "ls"])).out).toBe("keep\ntmp/a\ntmp/b\n");
  });

  it("a dry run with a missing key and no --force fails as the removal would, and promises nothing", async () => {
    const { run } = session();
    await run(["kv", "set", "keep", "v"]);
    const dry = await run(["kv", "rm", "--dry-run", "keep", "ghost", "--json"]);
    const real = await run(["kv", "rm", "keep", "ghost", "--json"]);
    expect([dry.code, dry.out]).toEqual([3, ""]);
    expect(dry.code).toBe(real.code);
    expect(dry.stderr).toBe(real.stderr);
    expect(JSON.parse(dry.stderr.trim().split("\n").at(-1)!).error.code).toBe("KEY_NOT_FOUND");
    const human = await run(["kv", "rm", "--dry-run", "keep", "ghost"]);
    expect([human.code, human.out]).toEqual([3, ""]);
    expect(human.stderr).not.toContain("Would remove");
    expect(human.stderr).toContain("--force");
    expect((await run(["kv", "ls"])).out).toBe("keep\n");
  });

  it("removes several keys, and with --force ignores missing ones", async () => {
    const { run } = session();
    for (const k of ["a", "b"]) await run(["kv", "set", k, "v"]);
    const r = await run(["kv", "rm", "a", "ghost", "b", "--force", "--json"]);
    expect(JSON.parse(r.out)).toEqual({ namespace: "default", dryRun: false, removed: ["a", "b"], missing: ["ghost"] });
  });
});

describe("namespaces", () => {
  it("creates, lists and removes namespaces, each isolated", async () => {
    const { run } = session();
    expect((await run(["kv", "namespace", "create", "staging"])).code).toBe(0);
    await run(["kv", "set", "k", "staging", "-n", "staging"]);
    await run(["kv", "set", "k", "default"]);
    expect((await run(["kv", "get", "k", "--namespace", "staging"])).out).toBe("staging");
    expect((await run(["kv", "get", "k"])).out).toBe("default");
    expect(JSON.parse((await run(["kv", "namespace", "ls", "--json"])).out).namespaces.map((n: { name: string; keys: number }) => [n.name, n.keys])).toEqual([
      ["default", 1],
      ["staging", 1],
    ]);
    expect((await run(["kv", "ns", "list"])).out).toBe("default\nstaging\n");
    const refused = await run(["kv", "namespace", "rm", "staging"], { interactive: false });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect((await run(["kv", "namespace", "rm", "staging", "--yes"])).code).toBe(0);
    expect((await run(["kv", "get", "k", "-n", "staging"])).code).toBe(3);
  });
});

describe("global options", () => {
  it("--quiet silences notes but not data", async () => {
    const { run } = session();
    const r = await run(["kv", "set", "k", "v", "--quiet"]);
    expect(r.stderr).toBe("");
    expect((await run(["kv", "get", "k", "-q"])).out).toBe("v");
  });

  it("colours a terminal unless --no-color or NO_COLOR says otherwise", async () => {
    const { run } = session();
    const tty = { stderr: true, stdout: true };
    expect((await run(["kv", "set", "k", "v"], { tty })).stderr).toMatch(ANSI);
    expect((await run(["kv", "set", "k", "v", "--no-color"], { tty })).stderr).not.toMatch(ANSI);
    expect((await run(["kv", "set", "k", "v"], { tty, env: { NO_COLOR: "1" } })).stderr).not.toMatch(ANSI);
    expect((await run(["kv", "set", "k", "v"])).stderr).not.toMatch(ANSI);
  });

  it("finds the data directory from --data-dir, then YOURSPACE_DATA_DIR", async () => {
    const { run, cwd } = session();
    await run(["kv", "set", "k", "flag", "--data-dir", "a"]);
    await run(["kv", "set", "k", "env"], { env: { YOURSPACE_DATA_DIR: `${cwd}/b` } });
    expect((await run(["kv", "get", "k", "--data-dir", `${cwd}/a`])).out).toBe("flag");
    expect((await run(["kv", "get", "k", "--data-dir", "b"])).out).toBe("env");
    expect((await run(["kv", "get", "k"])).code).toBe(3);
  });
});

describe("kv bind on a terminal", () => {
  it("asks for the namespace, route and access it was not given, then records the binding", async () => {
    const { run, cwd } = session();
    await run(["kv", "namespace", "create", "flags"]);
    const asked: string[] = [];
    const prompter: Prompter = {
      confirm: async () => true,
      secret: async () => null,
      select: async (message, options) => (asked.push(`${message}: ${options.map((o) => o.value).join(",")}`), message === "Access" ? "read-only" : "flags"),
      text: async (message) => (asked.push(message), "/admin/*"),
    };
    const r = await run(["kv", "bind", "--json"], { interactive: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(asked).toEqual(["Namespace to bind: default,flags", "Route pattern", "Access: read-only,read-write"]);
    expect(JSON.parse(r.out).binding).toMatchObject({ route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only" });
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(`${cwd}/yourspace.jsonc`, "utf8")).toContain('"/admin/*"');
  });

  it("changes nothing when a question is cancelled", async () => {
    const { run, cwd } = session();
    const prompter: Prompter = { confirm: async () => true, secret: async () => null, select: async () => null, text: async () => null };
    const r = await run(["kv", "bind"], { interactive: true, prompter });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Cancelled");
    const { existsSync } = await import("node:fs");
    expect(existsSync(`${cwd}/yourspace.jsonc`)).toBe(false);
  });
});

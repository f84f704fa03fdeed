import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { COMMANDS, type CommandSpec } from "../../src/cli/registry/index.js";
import { BIN, runCli, tempDir, type RunResult } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * Under --json every stderr line is a JSON object and stdout is empty on failure, for every command.
 * Each command has a success and a failure here, run on a data directory of its own after what the
 * case is given (the key it reads, the profile it switches to); the table must name every command in
 * the registry.
 */
interface Cases {
  /** Commands that make what the case needs, each expected to succeed; their output is not checked. */
  given?: string[][];
  ok: string[][];
  fail: string[][];
}

function leaves(spec: CommandSpec, path: string[] = []): string[] {
  const here = spec === COMMANDS ? [] : [...path, spec.name];
  return spec.commands ? spec.commands.flatMap((c) => leaves(c, here)) : [here.join(" ")];
}

const BOGUS = ["--no-such-option"];

function cases(api: { url: string; token: string }, file: (name: string, text: string) => string): Record<string, Cases> {
  const remote = ["--api-url", api.url, "--token", api.token];
  return {
    login: {
      ok: [
        ["login", ...remote],
        ["login", ...remote, "--profile", "second"],
      ],
      fail: [["login", "--api-url", api.url, "--token", "bogus"], ["login"]],
    },
    "profile ls": { ok: [["profile", "ls"]], fail: [["profile", "ls", ...BOGUS]] },
    "profile use": { given: [["login", ...remote, "--profile", "second"]], ok: [["profile", "use", "second"]], fail: [["profile", "use", "nope"]] },
    whoami: { ok: [["whoami", "--local"], ["whoami", ...remote], ["whoami"]], fail: [["whoami", "--api-url", "http://127.0.0.1:1", "--token", "t"]] },
    logout: { ok: [["logout"], ["logout", "--profile", "never"]], fail: [["logout", ...BOGUS]] },
    "kv set": {
      ok: [
        ["kv", "set", "k", "v"],
        ["kv", "set", "k2", "v2"],
      ],
      fail: [
        ["kv", "set", "k", "v", "--if-absent"],
        ["kv", "set", "", "v"],
        ["kv", "set", "k", "--ttl", "1s"],
      ],
    },
    "kv get": {
      given: [["kv", "set", "k", "v"]],
      ok: [["kv", "get", "k"]],
      fail: [
        ["kv", "get", "missing"],
        ["kv", "get", "k", "--output", "x", "--cache-ttl", "bogus"],
      ],
    },
    // A page that is not the last warns; --all notes its count.
    "kv ls": {
      ok: [
        ["kv", "ls"],
        ["kv", "ls", "--limit", "1"],
        ["kv", "ls", "--all", "--limit", "1"],
      ],
      fail: [
        ["kv", "ls", "--limit", "0"],
        ["kv", "ls", "--cursor", "bogus"],
      ],
    },
    "kv import": {
      ok: [
        ["kv", "import", file("in.ndjson", '{"key":"i","value":"1"}\n')],
        ["kv", "import", file("in.ndjson", '{"key":"j","value":"1"}\n'), "--dry-run"],
      ],
      fail: [
        ["kv", "import", file("bad.ndjson", "not json\n")],
        ["kv", "import", "/nonexistent/in.ndjson"],
        // Invalid entries, listed in the error's details.
        ["kv", "import", file("invalid.ndjson", '{"key":"","value":"v"}\n{"key":"p","value":"v","expiration":1}\n')],
        ["kv", "import", file("invalid.ndjson", '{"key":"","value":"v"}\n'), "--dry-run"],
        // Imported, with a report that cannot be written: the summary goes with the error.
        ...(existsSync("/dev/full") ? [["kv", "import", file("in.ndjson", '{"key":"k","value":"1"}\n'), "--report", "/dev/full"]] : []),
      ],
    },
    "kv export": {
      ok: [
        ["kv", "export"],
        ["kv", "export", "--format", "json"],
        ["kv", "export", file("out.ndjson", ""), "--force"],
      ],
      fail: [
        ["kv", "export", file("kept.ndjson", "x")],
        ["kv", "export", "-n", "nope"],
      ],
    },
    "kv rm": {
      given: [
        ["kv", "set", "k", "v"],
        ["kv", "set", "k2", "v2"],
        ["kv", "set", "i", "1"],
      ],
      ok: [
        ["kv", "rm", "k2"],
        ["kv", "rm", "--prefix", "i", "--dry-run"],
        ["kv", "rm", "--prefix", "i", "--yes"],
      ],
      fail: [
        ["kv", "rm", "missing"],
        ["kv", "rm", "--prefix", "k"],
      ],
    },
    "kv bind": {
      ok: [["kv", "bind", "default", "--route", "/x/*"]],
      fail: [
        ["kv", "bind", "nope", "--route", "/y/*"],
        ["kv", "bind", "default"],
      ],
    },
    "kv bindings": { ok: [["kv", "bindings"]], fail: [["kv", "bindings", ...BOGUS]] },
    "kv unbind": {
      given: [["kv", "bind", "default", "--route", "/x/*"]],
      ok: [["kv", "unbind", "default", "--route", "/x/*"]],
      fail: [["kv", "unbind", "default", "--route", "/none/*"]],
    },
    "kv audit": {
      ok: [
        ["kv", "audit"],
        ["kv", "audit", "--limit", "1"],
      ],
      fail: [["kv", "audit", "--limit", "0"]],
    },
    "kv usage": { ok: [["kv", "usage"]], fail: [["kv", "usage", ...BOGUS]] },
    "kv site": {
      ok: [
        ["kv", "site"],
        ["kv", "site", "--tier", "team"],
      ],
      fail: [["kv", "site", "--tier", "bogus"]],
    },
    "kv incr": {
      given: [["kv", "set", "k", "v"]],
      ok: [
        ["kv", "incr", "hits"],
        ["kv", "incr", "hits", "--by", "-2"],
      ],
      fail: [
        ["kv", "incr", "k"],
        ["kv", "incr", "hits", "--by", "zero"],
      ],
    },
    "kv inspect": {
      ok: [
        ["kv", "inspect", "k"],
        ["kv", "inspect", "never-written"],
      ],
      fail: [["kv", "inspect", ""]],
    },
    "kv emulator config": {
      ok: [
        ["kv", "emulator", "config"],
        ["kv", "emulator", "config", "--delay", "100ms"],
      ],
      fail: [["kv", "emulator", "config", "--regions", "A*"]],
    },
    "kv emulator clock": { ok: [["kv", "emulator", "clock", "manual"]], fail: [["kv", "emulator", "clock", "bogus"]] },
    "kv emulator advance": {
      given: [["kv", "emulator", "clock", "manual"]],
      ok: [["kv", "emulator", "advance", "1s"]],
      fail: [["kv", "emulator", "advance", "soon"]],
    },
    "kv emulator settle": { ok: [["kv", "emulator", "settle"]], fail: [["kv", "emulator", "settle", ...BOGUS]] },
    "kv emulator partition": {
      ok: [
        ["kv", "emulator", "partition", "sin"],
        ["kv", "emulator", "partition", "sin"],
      ],
      fail: [["kv", "emulator", "partition", "nowhere"]],
    },
    "kv emulator heal": {
      given: [["kv", "emulator", "partition", "sin"]],
      ok: [["kv", "emulator", "heal", "sin"]],
      fail: [["kv", "emulator", "heal", "nowhere"]],
    },
    "kv emulator pause": {
      ok: [
        ["kv", "emulator", "pause", "fra"],
        ["kv", "emulator", "settle"],
      ],
      fail: [["kv", "emulator", "pause", "nowhere"]],
    },
    "kv emulator resume": {
      given: [["kv", "emulator", "pause", "fra"]],
      ok: [["kv", "emulator", "resume", "fra"]],
      fail: [["kv", "emulator", "resume", "nowhere"]],
    },
    // Its success serves until a signal: see the spawned test below.
    "kv emulator start": { ok: [], fail: [["kv", "emulator", "start", "--port", "nope"]] },
    // With no server on the data directory it serves until a signal: its --json output is in test/cli/browse.test.ts.
    "kv browse": { ok: [], fail: [["kv", "browse", ...BOGUS]] },
    // Servers run until stopped: yourspace dev's --json lines are tested through its process (test/dev).
    dev: { ok: [], fail: [["dev", "--port", "nope"]] },
    "kv emulator token create": { ok: [["kv", "emulator", "token", "create"]], fail: [["kv", "emulator", "token", "create", "--expires-in", "soon"]] },
    "kv emulator status": { ok: [["kv", "emulator", "status"]], fail: [["kv", "emulator", "status", ...BOGUS]] },
    "kv emulator record": { ok: [["kv", "emulator", "record", "off"]], fail: [["kv", "emulator", "record"]] },
    "kv namespace create": { ok: [["kv", "namespace", "create", "staging"]], fail: [["kv", "namespace", "create", "Bad Name"]] },
    "kv namespace ls": { ok: [["kv", "namespace", "ls"]], fail: [["kv", "namespace", "ls", ...BOGUS]] },
    "kv namespace rm": {
      given: [["kv", "namespace", "create", "staging"]],
      ok: [["kv", "namespace", "rm", "staging"]],
      fail: [
        ["kv", "namespace", "rm", "default"],
        ["kv", "namespace", "rm", "missing"],
      ],
    },
  };
}

function expectJsonLines(text: string, what: string): unknown[] {
  const lines = text.split("\n");
  expect(lines.at(-1), `${what} ends with a newline`).toBe("");
  return lines.slice(0, -1).map((line) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`${what}: a line is not JSON: ${JSON.stringify(line)}`);
    }
  });
}

function expectValidStdout(r: RunResult, what: string): void {
  if (r.out === "") return;
  // One document (indented or not), or NDJSON (an export).
  try {
    JSON.parse(r.out);
  } catch {
    expectJsonLines(r.out, `${what}: stdout`);
  }
}

describe("--json: every stderr line is JSON, stdout is empty on failure", () => {
  let dir: string;
  let server: ApiServer;
  let table: Record<string, Cases>;
  const clock = new ManualClock(T0);
  const run = (argv: string[], home = dir) =>
    runCli([...argv, "--json"], { cwd: home, clock, env: { YOURSPACE_CONFIG_DIR: join(home, "config"), YOURSPACE_DATA_DIR: join(home, "data") } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "yourspace-json-"));
    server = await ApiServer.start({ dataDir: join(dir, "server"), port: 0, clock });
    const { token } = server.tokens.create({ site: "local" });
    table = cases({ url: server.url, token }, (name, text) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("has a success and a failure for every command in the registry", () => {
    expect(Object.keys(table).sort()).toEqual(leaves(COMMANDS).sort());
    for (const [name, c] of Object.entries(table)) {
      expect(c.fail.length, name).toBeGreaterThan(0);
      if (name !== "kv emulator start" && name !== "dev" && name !== "kv browse") expect(c.ok.length, name).toBeGreaterThan(0);
    }
  });

  it.each(leaves(COMMANDS))("%s", async (name) => {
    const { given = [], ok, fail } = table[name]!;
    const home = mkdtempSync(join(dir, "case-"));
    for (const argv of given) {
      const r = await run(argv, home);
      expect(r.code, `given ${argv.join(" ")}: ${r.stderr}`).toBe(0);
    }
    for (const argv of ok) {
      const r = await run(argv, home);
      const what = argv.join(" ");
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      expectJsonLines(r.stderr, `${what}: stderr`);
      expectValidStdout(r, what);
    }
    for (const argv of fail) {
      const r = await run(argv, home);
      const what = argv.join(" ");
      expect(r.code, `${what} should fail`).not.toBe(0);
      const lines = expectJsonLines(r.stderr, `${what}: stderr`);
      expect(lines.at(-1), what).toHaveProperty("error.code");
      expect(r.out, `${what}: stdout on failure`).toBe("");
    }
  });

  it("a group command on its own, and help for a command that is not there, are JSON errors", async () => {
    for (const argv of [["kv"], ["kv", "emulator"], ["help", "kv", "bogus"], ["kv", "bogus"]]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(expectJsonLines(r.stderr, argv.join(" ")).at(-1)).toHaveProperty("error.code", "USAGE");
      expect(r.out).toBe("");
    }
  });
});

describe("--json: kv emulator start", () => {
  it("writes only JSON on stderr, from start to the end a signal brings", { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, "--data-dir", join(dir, "data"), "kv", "emulator", "start", "--port", "0", "--json"], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, YOURSPACE_CONFIG_DIR: join(dir, "config") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // Ready when its JSON document is out.
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        if (stdout.endsWith("\n")) resolve();
      }),
    );
    expect(JSON.parse(stdout)).toHaveProperty("apiUrl");
    child.kill("SIGINT");
    await once(child, "close");
    const lines = expectJsonLines(stderr, "start: stderr");
    expect(lines.at(-1)).toHaveProperty("note");
  });
});

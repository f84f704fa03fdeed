import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Prompter } from "../../src/commands/context.js";
import { cliSession, tempDir, type RunResult } from "../support/cli.js";
import { apiServer, gate } from "../support/gate.js";

/**
 * SIGINT and SIGTERM, in process: main() gets an AbortSignal that the test aborts with the signal's
 * name at an exact step of a command (a line drawn, a request arriving), as src/main.ts does when the
 * process gets the signal. A stopped command exits 130 (SIGINT) or 143 (SIGTERM), never reports
 * success, says what it did and what completes it. test/e2e/interrupt.test.ts sends real signals.
 */

const SIGNALS = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const;

const ndjson = (count: number, value = (i: number) => `v${i}`) =>
  Array.from({ length: count }, (_, i) => `${JSON.stringify({ key: `k${String(i).padStart(5, "0")}`, value: value(i) })}\n`).join("");

/** Nothing on stdout and no success line: a stopped command does not look like a finished one. */
function stopped(r: RunResult, code: number): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.out).toBe("");
  expect(r.stderr).not.toContain("✔");
}

describe("kv import, stopped by a signal after batch N (embedded)", () => {
  for (const [signal, code] of SIGNALS) {
    it(`${signal}: stops after the batch in progress, exits ${code}, says what was written, and a re-run completes it`, async () => {
      const s = cliSession();
      const file = s.write("five.ndjson", ndjson(5));
      const stop = new AbortController();
      // The bar is drawn after each batch (the clock moves past its redraw interval at each line): stop after the second.
      const r = await s.run(["kv", "import", file, "--batch-size", "1"], {
        tty: { stderr: true },
        signal: stop.signal,
        onStderr: (chunk) => {
          if (chunk.includes("Importing")) s.clock.advance(1_000);
          if (chunk.includes(" 2/5 ")) stop.abort(signal);
        },
      });
      stopped(r, code);
      expect(r.stderr).toContain(`${signal}: stopping after the step in progress`);
      expect(r.stderr).toContain(`Import interrupted by ${signal} after 2 of 5 batches: 2 of 5 entries written (2 created, 0 updated, 0 unchanged).`);
      expect(r.stderr).toContain("Run the same command again to finish: batches are atomic, and entries already written are skipped as unchanged.");
      expect((await s.run(["kv", "ls"])).out).toBe("k00000\nk00001\n");

      const again = await s.run(["kv", "import", file, "--json"]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.out)).toMatchObject({ created: 3, updated: 0, unchanged: 2, failed: 0 });
    });
  }

  it("with --prune: stopped before the prune, nothing is pruned", async () => {
    const s = cliSession();
    expect((await s.run(["kv", "import", s.write("seed.ndjson", `${JSON.stringify({ key: "k99999", value: "old" })}\n`)])).code).toBe(0);
    const stop = new AbortController();
    const r = await s.run(["kv", "import", s.write("five.ndjson", ndjson(5)), "--prune", "--prefix", "k", "--yes", "--batch-size", "2"], {
      tty: { stderr: true },
      signal: stop.signal,
      onStderr: (chunk) => {
        if (chunk.includes("Importing")) s.clock.advance(1_000);
        if (chunk.includes(" 4/5 ")) stop.abort("SIGINT");
      },
    });
    stopped(r, 130);
    expect(r.stderr).toContain(
      "Import interrupted by SIGINT after 2 of 3 batches: 4 of 5 entries written (4 created, 0 updated, 0 unchanged); nothing was pruned.",
    );
    expect((await s.run(["kv", "get", "k99999"])).out).toBe("old");
  });

  it("stopped while the file is checked: nothing written", async () => {
    const s = cliSession();
    const stop = new AbortController();
    stop.abort("SIGINT");
    const r = await s.run(["kv", "import", s.write("five.ndjson", ndjson(5))], { signal: stop.signal });
    stopped(r, 130);
    expect(r.stderr).toContain("Import interrupted by SIGINT while checking the file; nothing was written.");
    expect((await s.run(["kv", "ls"])).out).toBe("");
  });

  it("stopped while stdin is still being read (a pipe that has not ended): exit 130, nothing written, no spool left", async () => {
    const s = cliSession();
    const stdin = new PassThrough();
    const stop = new AbortController();
    stdin.write(ndjson(2));
    // Once the import has started reading the pipe, which never ends.
    stdin.once("resume", () => setImmediate(() => stop.abort("SIGINT")));
    // stdin is copied to a temporary directory: in one of the test's own, so other tests' do not count.
    const tmp = tempDir();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    let r: RunResult;
    try {
      r = await s.run(["kv", "import", "-"], { stdin, signal: stop.signal });
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    stopped(r, 130);
    expect(r.stderr).toContain("Import interrupted by SIGINT while reading stdin; nothing was written.");
    expect(readdirSync(tmp)).toEqual([]);
    expect((await s.run(["kv", "ls"])).out).toBe("");
  });

  it("a dry run stopped part-way says what it compared and that it wrote nothing", async () => {
    const s = cliSession();
    const stop = new AbortController();
    // Stopped as the comparison starts, once the file is checked.
    const r = await s.run(["kv", "import", s.write("five.ndjson", ndjson(5)), "--dry-run", "--batch-size", "1"], {
      signal: stop.signal,
      tty: { stderr: true },
      onStderr: (chunk) => {
        if (chunk.includes("Comparing")) stop.abort("SIGINT");
      },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/Dry run interrupted by SIGINT after comparing \d of 5 entries; nothing was written\./);
  });
});

describe("long commands against the platform API, without a terminal, stopped when request N arrives", () => {
  async function remote(keys: number) {
    const api = await apiServer();
    const s = cliSession();
    const env = { YOURSPACE_API_URL: api.url, YOURSPACE_TOKEN: api.token, YOURSPACE_CONFIG_DIR: join(s.cwd, "config") };
    if (keys > 0) {
      const seed = await s.run(["kv", "import", s.write("seed.ndjson", ndjson(keys))], { env });
      expect(seed.code, seed.stderr).toBe(0);
    }
    const stop = new AbortController();
    /** A gate that aborts when the `n`th request matching `what` arrives, then lets it through. */
    const stopAt = async (what: RegExp, n: number, signal: "SIGINT" | "SIGTERM" = "SIGINT") => {
      let count = 0;
      const g = await gate(api.url, (req) => {
        if (what.test(`${req.method} ${req.path}`) && ++count === n) stop.abort(signal);
      });
      return { ...env, YOURSPACE_API_URL: g.url };
    };
    return { api, s, env, stop, stopAt };
  }
  const keysOf = async (api: Awaited<ReturnType<typeof apiServer>>) => api.server.engine.list("local", "default", { prefix: "", limit: 1000 }).keys.length;

  for (const [signal, code] of SIGNALS) {
    it(`import: the batch in flight when ${signal} came is finished and counted; no batch after it is sent`, async () => {
      const { api, s, stop, stopAt } = await remote(0);
      const env = await stopAt(/bulk\/put/, 2, signal);
      const r = await s.run(["kv", "import", s.write("five.ndjson", ndjson(5)), "--batch-size", "1", "--concurrency", "1"], { env, signal: stop.signal });
      stopped(r, code);
      expect(r.stderr).toContain(`Import interrupted by ${signal} after 2 of 5 batches: 2 of 5 entries written (2 created, 0 updated, 0 unchanged).`);
      expect(await keysOf(api)).toBe(2);
    });
  }

  it("rm --prefix: stops between steps, says how many it removed, and names the command that removes the rest", async () => {
    const { api, s, env: direct, stop, stopAt } = await remote(2_500);
    // The first step of a token the server has not seen remove anything takes 1,000 rows (StepSize).
    const env = await stopAt(/bulk\/delete-prefix/, 1);
    const r = await s.run(["kv", "rm", "--prefix", "k", "--yes"], { env, signal: stop.signal });
    stopped(r, 130);
    // With --yes and no terminal the keys are not counted first: nobody would see the count.
    expect(r.stderr).toContain('Interrupted by SIGINT after removing 1,000 keys under "k" from default.');
    expect(r.stderr).toContain("Run the same command again to remove the rest: yourspace kv rm --prefix k --yes");
    expect(await keysOf(api)).toBe(1_000);
    const again = await s.run(["kv", "rm", "--prefix", "k", "--yes", "--json"], { env: direct });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.out)).toEqual({ namespace: "default", prefix: "k", dryRun: false, removed: 1_500 });
    expect(await keysOf(api)).toBe(0);
  });

  it("rm --prefix: a step refused after others removed keys is PARTIALLY_APPLIED, with the count removed", async () => {
    const { api, s, env } = await remote(2_500);
    let steps = 0;
    const g = await gate(api.url, (req) => {
      if (/bulk\/delete-prefix/.test(req.path) && ++steps === 2)
        return { status: 503, body: JSON.stringify({ code: "UNAVAILABLE", message: "The platform is busy.", hint: null }) };
    });
    const r = await s.run(["kv", "rm", "--prefix", "k", "--yes", "--json"], { env: { ...env, YOURSPACE_API_URL: g.url } });
    expect(r.code, r.stderr).toBe(8);
    expect(r.out).toBe("");
    const { error } = JSON.parse(r.stderr.trim().split("\n").at(-1)!) as { error: { code: string; message: string; details: Record<string, unknown> } };
    expect(error.code).toBe("PARTIALLY_APPLIED");
    expect(error.message).toContain('Removed 1,000 keys under "k" in namespace "default", then a step failed: The platform is busy.');
    expect(error.details).toMatchObject({ action: "remove", namespace: "default", prefix: "k", removed: 1_000, counted: null });
    expect(await keysOf(api)).toBe(1_000);
  });

  it("ls --all: stops between pages and says the listing is incomplete", async () => {
    const { s, stop, stopAt } = await remote(2_500);
    const env = await stopAt(/\/keys/, 2);
    const r = await s.run(["kv", "ls", "--all"], { env, signal: stop.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("Listing interrupted by SIGINT after 2,000 keys; it is incomplete.");
    expect(r.out.split("\n").filter(Boolean)).toHaveLength(2_000);
  });

  it("export to a file: stopped part-way, the file is left as it was and no partial file remains", async () => {
    const { s, stop, stopAt } = await remote(2_500);
    const env = await stopAt(/\/export/, 1);
    const target = s.write("backup.ndjson", "the previous backup\n");
    const r = await s.run(["kv", "export", target, "--force"], { env, signal: stop.signal });
    stopped(r, 130);
    expect(r.stderr).toContain(`Export interrupted by SIGINT after 1,000 entries; ${target} was left as it was.`);
    expect(readFileSync(target, "utf8")).toBe("the previous backup\n");
    expect(readdirSync(s.cwd).filter((f) => f.includes("partial"))).toEqual([]);
  });

  it("export to a new file: nothing is created", async () => {
    const { s, stop, stopAt } = await remote(2_500);
    const env = await stopAt(/\/export/, 1, "SIGTERM");
    const target = join(s.cwd, "new.ndjson");
    const r = await s.run(["kv", "export", target, "--force"], { env, signal: stop.signal });
    stopped(r, 143);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(s.cwd).filter((f) => f.includes("partial"))).toEqual([]);
  });
});

describe("namespace rm and other commands", () => {
  it("namespace rm stopped at its prompt removes nothing, and says so", async () => {
    const s = cliSession();
    expect((await s.run(["kv", "namespace", "create", "staging"])).code).toBe(0);
    expect((await s.run(["kv", "set", "k", "v", "-n", "staging"])).code).toBe(0);
    const stop = new AbortController();
    // SIGTERM arrives while the question is on screen; the person then answers yes.
    const prompter: Prompter = {
      confirm: async () => (stop.abort("SIGTERM"), true),
      secret: async () => null,
      select: async () => null,
      text: async () => null,
    };
    const r = await s.run(["kv", "namespace", "rm", "staging"], { interactive: true, prompter, signal: stop.signal });
    stopped(r, 143);
    expect(r.stderr).toContain("Interrupted by SIGTERM; namespace staging was not removed.");
    expect((await s.run(["kv", "get", "k", "-n", "staging"])).out).toBe("v");
  });

  it("rm --prefix stopped at its prompt removes nothing", async () => {
    const s = cliSession();
    expect((await s.run(["kv", "set", "tmp/a", "v"])).code).toBe(0);
    const stop = new AbortController();
    const prompter: Prompter = {
      confirm: async () => (stop.abort("SIGINT"), true),
      secret: async () => null,
      select: async () => null,
      text: async () => null,
    };
    const r = await s.run(["kv", "rm", "--prefix", "tmp/"], { interactive: true, prompter, signal: stop.signal });
    stopped(r, 130);
    expect(r.stderr).toContain('Interrupted by SIGINT before removing anything under "tmp/" from default.');
    expect((await s.run(["kv", "ls"])).out).toBe("tmp/a\n");
  });

  it("a short command is stopped at once, with the signal's exit code and a message", async () => {
    const s = cliSession();
    const stop = new AbortController();
    stop.abort("SIGTERM");
    const r = await s.run(["kv", "ls"], { signal: stop.signal });
    stopped(r, 143);
    expect(r.stderr).toContain("Interrupted by SIGTERM before the command finished.");
  });

  it("under --json the stopped command's error is a JSON line", async () => {
    const s = cliSession();
    const stop = new AbortController();
    stop.abort("SIGINT");
    const r = await s.run(["kv", "import", s.write("one.ndjson", ndjson(1)), "--json"], { signal: stop.signal });
    expect(r.code).toBe(130);
    const last = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
    expect(last.error).toMatchObject({ code: "INTERRUPTED", message: "Import interrupted by SIGINT while checking the file; nothing was written." });
  });
});

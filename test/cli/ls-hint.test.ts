import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * The next-page hint of `kv ls` is followed as a person would: the shell (bash, in a UTF-8 locale)
 * reads its words, and the command it names runs and gives the next page of the same listing.
 */
function hints(stderr: string): { next: string[]; all: string[] } {
  const line = stderr
    .split("\n")
    .map((l) => (l.startsWith("{") ? ((JSON.parse(l) as { warning?: string }).warning ?? "") : l))
    .find((l) => l.includes("Next page: "));
  const match = /Next page: (.*) {2}\(or (.*)\)$/.exec(line ?? "");
  expect(match, stderr).not.toBeNull();
  return { next: shellWords(match![1]!), all: shellWords(match![2]!) };
}

function shellWords(command: string): string[] {
  // --norc: Node's pipes are sockets, and bash with a socket for stdin reads ~/.bashrc as if run over ssh; the words must not depend on it.
  const out = execFileSync("bash", ["--norc", "-c", `printf '%s\\0' ${command}`], { env: { PATH: process.env.PATH, LC_ALL: "C.UTF-8" } });
  const words = out.toString("utf8").split("\0").slice(0, -1);
  expect(words.slice(0, 3)).toEqual(["yourspace", "kv", "ls"]);
  return words.slice(1);
}

const keysOf = (out: string) => (JSON.parse(out) as { keys: { key: string }[] }).keys.map((k) => k.key);

describe("the next-page hint of kv ls", () => {
  it("keeps the data directory, site, namespace, region, consistency, limit and a strange prefix", async () => {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    const run = (argv: string[], extra: Partial<InProcessOptions> = {}) => runCli(argv, { cwd, clock, ...extra });
    const dataDir = join(cwd, "a dir with 'quotes'");
    const prefix = "p/it's $HOME \u001b[2J\n";
    const keys = ["1", "2", "3"].map((n) => `${prefix}${n}`);
    const target = ["--data-dir", dataDir, "--site", "shop"];
    expect((await run(["kv", "emulator", "token", "create", ...target])).code).toBe(0);
    expect((await run(["kv", "namespace", "create", "flags", ...target])).code).toBe(0);
    for (const key of [...keys, "q/other"]) expect((await run(["kv", "set", "-n", "flags", ...target, key, "v"])).code).toBe(0);
    await run(["kv", "emulator", "settle", ...target]);

    const argv = ["kv", "ls", prefix, "-n", "flags", "-r", "fra", "-c", "eventual", "--limit", "2", ...target];
    const first = await run(argv);
    expect(first.code, first.stderr).toBe(0);
    const { next, all } = hints(first.stderr);
    // Followed from another directory, it still reads the same store.
    const elsewhere = tempDir();
    const second = await runCli([...next, "--json"], { cwd: elsewhere, clock });
    expect(second.code, second.stderr).toBe(0);
    expect(keysOf(second.out)).toEqual(keys.slice(2));
    expect(keysOf((await runCli([...all, "--json"], { cwd: elsewhere, clock })).out)).toEqual(keys);
    expect(next).toEqual(expect.arrayContaining(["-r", "fra", "-c", "eventual", "--site", "shop", "--data-dir", dataDir]));
  });

  it("puts a prefix that looks like an option after --, and keeps --json and --local", async () => {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    for (const key of ["-x/1", "-x/2"]) expect((await runCli(["kv", "set", "--", key, "v"], { cwd, clock })).code).toBe(0);
    const first = await runCli(["--local", "kv", "ls", "--limit", "1", "--json", "--", "-x/"], { cwd, clock });
    expect(keysOf(first.out)).toEqual(["-x/1"]);
    const { next } = hints(first.stderr);
    expect(next.slice(-2)).toEqual(["--", "-x/"]);
    expect(next).toContain("--local");
    const second = await runCli(next, { cwd, clock });
    expect(keysOf(second.out)).toEqual(["-x/2"]);
  });

  it("keeps the API URL and --remote, and never the token", async () => {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    const server = await ApiServer.start({ dataDir: join(cwd, "server"), port: 0, clock });
    onTestFinished(() => server.stop());
    const { token } = server.tokens.create({ site: "local" });
    const env = { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_TOKEN: token };
    for (const key of ["a", "b", "c"]) expect((await runCli(["kv", "set", key, "v", "--api-url", server.url], { cwd, clock, env })).code).toBe(0);

    const byFlag = await runCli(["kv", "ls", "--limit", "2", "--api-url", server.url, "--token", token], {
      cwd,
      clock,
      env: { YOURSPACE_CONFIG_DIR: env.YOURSPACE_CONFIG_DIR },
    });
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.stderr).not.toContain(token);
    const { next } = hints(byFlag.stderr);
    expect(next).toEqual(expect.arrayContaining(["--api-url", server.url]));
    // The token stays where the user keeps it (here YOURSPACE_TOKEN).
    const second = await runCli([...next, "--json"], { cwd, clock, env });
    expect(second.code, second.stderr).toBe(0);
    expect(keysOf(second.out)).toEqual(["c"]);

    const remote = await runCli(["kv", "ls", "--limit", "2", "--remote"], { cwd, clock, env: { ...env, YOURSPACE_API_URL: server.url } });
    expect(hints(remote.stderr).next).toContain("--remote");
  });
});

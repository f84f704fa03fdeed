import { execFileSync, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { complete } from "../../src/cli/complete-words.js";
import { storeSources } from "../../src/cli/completion-sources.js";
import { completionScript } from "../../src/cli/completion.js";
import { ManualClock } from "../../src/core/clock.js";
import { BIN, runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

const BASH = resolve(import.meta.dirname, "../../completions/yourspace.bash");

/** A project directory with a store of a few keys, namespaces, sites and a profile. */
async function project(cwd = tempDir()): Promise<{ cwd: string; env: Record<string, string> }> {
  const env = { YOURSPACE_CONFIG_DIR: join(cwd, "config"), HOME: cwd };
  const clock = new ManualClock(T0);
  const run = async (...argv: string[]) => expect((await runCli(argv, { cwd, clock, env })).code).toBe(0);
  for (const key of ["flags/a", "flags/b", "flags/beta/x", "my key", "user:1", "user:2", "zz", "evil\u001b[2J", "gone"]) await run("kv", "set", "--", key, "v");
  await run("kv", "rm", "gone");
  await run("kv", "namespace", "create", "staging");
  await run("kv", "set", "-n", "staging", "only-in-staging", "v");
  await run("kv", "emulator", "token", "create", "--site", "shop");
  mkdirSync(join(cwd, "config"), { recursive: true });
  writeFileSync(
    join(cwd, "config", "config.json"),
    JSON.stringify({
      profiles: { prod: { apiUrl: "http://127.0.0.1:9", token: "secret", site: "s" }, staging: { apiUrl: "http://127.0.0.1:9", token: "secret", site: "s" } },
    }),
  );
  return { cwd, env };
}

describe("shell completion: what it offers", () => {
  let p: { cwd: string; env: Record<string, string> };
  beforeAll(async () => {
    p = await project(mkdtempSync(join(tmpdir(), "yourspace-completion-")));
  });
  afterAll(() => rmSync(p.cwd, { recursive: true, force: true }));
  /** The values for a line whose words are separated by single spaces, the last being completed. */
  const values = async (line: string, extraEnv: Record<string, string> = {}): Promise<string[] | "files"> => {
    const c = await complete(line.split(" "), storeSources({ ...p.env, ...extraEnv }, p.cwd));
    return c.files ? "files" : c.values;
  };

  it("completes commands, subcommands, options and help's command names", async () => {
    expect(await values("k")).toEqual(["kv"]);
    expect(await values("kv em")).toEqual(["emulator"]);
    expect(await values("--data-dir .yourspace kv emulator to")).toEqual(["token"]);
    expect(await values("kv get flags/a --con")).toEqual(["--consistency"]);
    expect(await values("kv import f.json --dr")).toEqual(["--dry-run"]);
    expect(await values("help kv s")).toEqual(["set", "site"]);
    expect(await values("--ver")).toEqual(["--version"]);
    expect(await values("kv get k --v")).toEqual(["--version"]);
  });

  it("completes the choices the registry declares", async () => {
    expect(await values("kv get k -c ")).toEqual(["strong", "eventual"]);
    expect(await values("kv ls --consistency=ev")).toEqual(["--consistency=eventual"]);
    expect(await values("kv emulator clock ")).toEqual(["manual", "real"]);
    expect(await values("kv emulator config --profile ")).toEqual(["yourspace", "strong", "cloudflare", "edgeone", "esa"]);
    expect(await values("kv export --format ")).toEqual(["ndjson", "json"]);
    expect(await values("kv import --format o")).toEqual(["object"]);
    expect(await values("kv site --tier ")).toEqual(["free", "indie", "team", "enterprise", "preview"]);
    expect(await values("kv bind flags --access ")).toEqual(["read-only", "read-write"]);
  });

  it("completes namespaces, profiles, sites and regions", async () => {
    expect(await values("kv get -n ")).toEqual(["default", "staging"]);
    expect(await values("kv namespace rm st")).toEqual(["staging"]);
    expect(await values("login --profile ")).toEqual(["prod", "staging"]);
    expect(await values("profile use p")).toEqual(["prod"]);
    expect(await values("kv ls --site ")).toEqual(["local", "shop"]);
    expect(await values("kv get --region ")).toEqual(["iad", "fra", "sin"]);
    // A fault names an edge: home is refused.
    expect(await values("kv emulator partition ")).toEqual(["fra", "sin"]);
    expect(await values("kv emulator pause ")).toEqual(["fra", "sin"]);
  });

  it("completes keys for get, rm and inspect a level at a time, in the namespace given, leaving out removed and unprintable keys", async () => {
    expect(await values("kv get ")).toEqual(["flags/", "my key", "user:1", "user:2", "zz"]);
    expect(await values("kv get flags/")).toEqual(["flags/a", "flags/b", "flags/beta/"]);
    expect(await values("kv rm flags/a flags/b")).toEqual(["flags/b", "flags/beta/"]);
    expect(await values("kv inspect us")).toEqual(["user:1", "user:2"]);
    expect(await values("kv get -n staging ")).toEqual(["only-in-staging"]);
    expect(await values("kv get --namespace=missing ")).toEqual([]);
    expect(await values("kv import ")).toBe("files");
  });

  it("offers a file argument's words beside file names: record off", async () => {
    const sources = storeSources(p.env, p.cwd);
    expect(await complete(["kv", "emulator", "record", ""], sources)).toEqual({ values: ["off"], files: true });
    expect(await complete(["kv", "emulator", "record", "o"], sources)).toEqual({ values: ["off"], files: true });
    expect(await complete(["kv", "emulator", "record", "hist"], sources)).toEqual({ values: [], files: true });
  });

  it("offers no keys for a platform API target, and sends it nothing (no token leaves)", async () => {
    let requests = 0;
    const api = createServer((_req, res) => {
      requests++;
      res.end("{}");
    });
    api.listen(0, "127.0.0.1");
    await once(api, "listening");
    onTestFinished(() => void api.close());
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    expect(await values("kv get ", { YOURSPACE_API_URL: url, YOURSPACE_TOKEN: "secret" })).toEqual([]);
    expect(await values(`--api-url ${url} --token secret kv get -n `)).toEqual([]);
    expect(await values("--remote kv get ")).toEqual([]);
    // --local overrides, as it does for commands.
    expect(await values("--local kv get z", { YOURSPACE_API_URL: url, YOURSPACE_TOKEN: "secret" })).toEqual(["zz"]);
    expect(requests).toBe(0);
  });

  it("offers nothing, and throws nothing, when the target cannot be resolved or the store cannot be read", async () => {
    expect(await values("kv get ", { YOURSPACE_PROFILE: "prdo" }).catch((e) => e)).toBeInstanceOf(Array);
    const broken = tempDir();
    mkdirSync(join(broken, "data"));
    writeFileSync(join(broken, "data", "kv.sqlite"), "not a database");
    expect(await values(`--data-dir ${join(broken, "data")} kv get `)).toEqual([]);
    writeFileSync(join(broken, "yourspace.jsonc"), "{ not jsonc");
    const c = await complete(["kv", "get", ""], storeSources({}, broken));
    expect(c.values).toEqual([]);
  });
});

describe("shell completion: the scripts, as bash runs them", () => {
  it("are the ones the registry generates (rebuilt by npm run build)", () => {
    expect(readFileSync(BASH, "utf8")).toBe(completionScript("bash"));
    expect(readFileSync(resolve(import.meta.dirname, "../../completions/_yourspace"), "utf8")).toBe(completionScript("zsh"));
  });

  /** What bash puts in COMPREPLY for a line typed up to the cursor (the built binary answers). */
  function tab(cwd: string, env: Record<string, string>, line: string): string[] {
    const script = `source ${JSON.stringify(BASH)}; COMP_WORDS=(${JSON.stringify(BIN)}); COMP_CWORD=1; COMP_LINE=${JSON.stringify(`${BIN}${line}`)}; COMP_POINT=\${#COMP_LINE}; _yourspace; printf '%s\\n' "\${COMPREPLY[@]}"`;
    // --norc: Node's pipes are sockets, and bash with a socket for stdin reads ~/.bashrc as if run over ssh.
    return execFileSync("bash", ["--norc", "-c", script], { cwd, env: { PATH: process.env.PATH, LC_ALL: "C.UTF-8", ...env }, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
  }

  it("inserts keys escaped for the shell, after a colon or an equals sign as bash replaces them", async () => {
    const { cwd, env } = await project();
    expect(tab(cwd, env, " kv em")).toEqual(["emulator"]);
    expect(tab(cwd, env, " kv get my")).toEqual(["my\\ key"]);
    expect(tab(cwd, env, " kv get 'my")).toEqual(["my key"]);
    expect(tab(cwd, env, " kv get user:")).toEqual(["1", "2"]);
    expect(tab(cwd, env, " kv get --namespace=st")).toEqual(["staging"]);
    expect(tab(cwd, env, " kv get flags/")).toEqual(["flags/a", "flags/b", "flags/beta/"]);
  });

  it("offers record's word and the file names there", async () => {
    const { cwd, env } = await project();
    writeFileSync(join(cwd, "history.jsonl"), "");
    const offered = tab(cwd, env, " kv emulator record ");
    expect(offered).toContain("off");
    expect(offered).toContain("history.jsonl");
  });

  it("writes only its answer, never an error, never a prompt, and creates nothing", () => {
    const empty = tempDir();
    const r = spawnSync(process.execPath, [BIN, "__complete", "bash", ":=", "yourspace kv get "], {
      cwd: empty,
      env: { PATH: process.env.PATH, HOME: empty, YOURSPACE_PROFILE: "nope" },
      encoding: "utf8",
    });
    expect(r).toMatchObject({ status: 0, stdout: "values\n", stderr: "" });
    expect(existsSync(join(empty, ".yourspace"))).toBe(false);
    const broken = spawnSync(process.execPath, [BIN, "__complete", "bash", ":=", "yourspace --data-dir /proc/nope kv get -n "], {
      cwd: empty,
      encoding: "utf8",
    });
    expect(broken).toMatchObject({ status: 0, stdout: "values\n", stderr: "" });
  });
});

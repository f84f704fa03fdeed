import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir, type RunResult } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { apiServer } from "../support/gate.js";

/**
 * Targets: a stored token goes only to the URL it was stored for; API URLs are checked before any
 * request; a chosen profile or site that does not exist is an error with a suggestion, never a
 * silent fall back to the embedded emulator. The "attacker" is a real loopback server that records
 * every request and whether it carried an Authorization header.
 */

interface Recorder {
  url: string;
  requests: { path: string; authorization: string | undefined }[];
}

async function recorder(): Promise<Recorder> {
  const requests: Recorder["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", authorization: (req.headers as IncomingHttpHeaders).authorization });
    // Answers as the API would to a whoami, so a command that does send goes on to its next request.
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ site: "evil", token: { id: "t", kind: "site", access: "read-write", namespaces: null, expiresAt: null, route: null } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A user logged in (profile `default`, and `staging` when asked) at real API servers, in a project directory. */
async function loggedIn(options: { staging?: boolean } = {}) {
  const prod = await apiServer("prod-site");
  const staging = options.staging ? await apiServer("staging-site") : undefined;
  const attacker = await recorder();
  const home = tempDir();
  const cwd = join(home, "clone");
  mkdirSync(cwd);
  const configDir = join(home, "config");
  mkdirSync(configDir);
  const profiles: Record<string, { apiUrl: string; token: string; site: string }> = { default: { apiUrl: prod.url, token: prod.token, site: "prod-site" } };
  if (staging) profiles.staging = { apiUrl: staging.url, token: staging.token, site: "staging-site" };
  writeFileSync(join(configDir, "config.json"), JSON.stringify({ currentProfile: "default", profiles }));
  const project = (fields: Record<string, string>) => writeFileSync(join(cwd, "yourspace.jsonc"), `// a cloned repository\n${JSON.stringify(fields)}\n`);
  const base = { YOURSPACE_CONFIG_DIR: configDir, YOURSPACE_DATA_DIR: join(home, "data") };
  const run = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { cwd, clock: new ManualClock(T0), env: { ...base, ...env } });
  return { prod, staging, attacker, cwd, project, run };
}

function refusedForOtherUrl(r: RunResult, url: string, storedFor: string, source: RegExp): void {
  expect(r.code, r.stderr).toBe(4);
  expect(r.out).toBe("");
  expect(r.stderr).toContain(`✖ The API URL ${url} (from `);
  expect(r.stderr).toMatch(source);
  expect(r.stderr).toContain(`is not the one profile default's token was stored for (${storedFor}); a stored token is sent only to its own URL.`);
  expect(r.stderr).toContain(`yourspace login --api-url ${url} --profile '<name>'`);
}

describe("a stored token goes only to the URL it was stored for", () => {
  // A cloned repository's yourspace.jsonc named an attacker's URL, and kv ls and whoami sent the profile's token there.
  it("a project file's apiUrl does not get the profile's token (kv ls, whoami, kv set)", async () => {
    const t = await loggedIn();
    t.project({ apiUrl: t.attacker.url });
    for (const argv of [["kv", "ls"], ["whoami"], ["kv", "set", "k", "v"]]) {
      refusedForOtherUrl(await t.run(argv), t.attacker.url, t.prod.url, /from .*yourspace\.jsonc\)/);
    }
    expect(t.attacker.requests).toEqual([]);
  });

  it("nor does YOURSPACE_API_URL, nor --api-url", async () => {
    const t = await loggedIn();
    refusedForOtherUrl(await t.run(["kv", "ls"], { YOURSPACE_API_URL: t.attacker.url }), t.attacker.url, t.prod.url, /\(from YOURSPACE_API_URL\)/);
    refusedForOtherUrl(await t.run(["kv", "ls", "--api-url", t.attacker.url]), t.attacker.url, t.prod.url, /\(from --api-url\)/);
    refusedForOtherUrl(await t.run(["whoami", "--api-url", t.attacker.url]), t.attacker.url, t.prod.url, /\(from --api-url\)/);
    expect(t.attacker.requests).toEqual([]);
  });

  it("an explicitly given token goes where the user says, whatever names the URL", async () => {
    const t = await loggedIn();
    t.project({ apiUrl: t.attacker.url });
    await t.run(["whoami"], { YOURSPACE_TOKEN: "explicit-env" });
    await t.run(["whoami", "--token", "explicit-flag"]);
    await t.run(["whoami", "--api-url", t.attacker.url, "--token", "explicit-both"]);
    expect([...new Set(t.attacker.requests.map((r) => r.authorization))]).toEqual(["Bearer explicit-env", "Bearer explicit-flag", "Bearer explicit-both"]);
    expect(JSON.stringify(t.attacker.requests)).not.toContain(t.prod.token);
  });

  it("the same origin written differently is the same URL: the token is sent", async () => {
    const t = await loggedIn();
    const port = new URL(t.prod.url).port;
    for (const same of [`HTTP://127.0.0.1:${port}/`, `http://127.0.0.1:${port}`]) {
      t.project({ apiUrl: same });
      const r = await t.run(["kv", "set", "k", "v"]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(t.prod.server.engine.get("prod-site", "default", "k").entry?.value.toString()).toBe("v");
    // Another port is another origin.
    refusedForOtherUrl(
      await t.run(["kv", "ls", "--api-url", `http://127.0.0.1:${Number(port) + 1}`]),
      `http://127.0.0.1:${Number(port) + 1}`,
      t.prod.url,
      /--api-url/,
    );
  });

  it("names the profile that has a token for the URL asked for", async () => {
    const t = await loggedIn({ staging: true });
    const r = await t.run(["kv", "ls"], { YOURSPACE_API_URL: t.staging!.url });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`Profile staging has a token for ${t.staging!.url}: YOURSPACE_PROFILE=staging.`);
    const ok = await t.run(["kv", "ls"], { YOURSPACE_API_URL: t.staging!.url, YOURSPACE_PROFILE: "staging" });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("the profile's own URL, from the profile or repeated in the project file, gets its token", async () => {
    const t = await loggedIn();
    expect((await t.run(["kv", "ls"])).code).toBe(0);
    t.project({ apiUrl: t.prod.url, site: "prod-site" });
    const r = await t.run(["whoami"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toContain("site prod-site at");
  });
});

describe("API URLs are checked before any request", () => {
  const BAD: [string, RegExp][] = [
    ["ftp://x", /it uses ftp; the API is served over http or https/],
    ["not a url", /it is not a URL/],
    ["http://", /it is not a URL|it names no host/],
    ["file:///etc/passwd", /it uses file/],
    ["http://127.0.0.1:8787/v1", /it has a path or query; the API's routes start at the root, so give only http:\/\/127\.0\.0\.1:8787/],
  ];

  it("from every source: exit 2, a catalogued message naming the source, nothing sent", async () => {
    const t = await loggedIn();
    for (const [url, why] of BAD) {
      const tries: [string[], Record<string, string>, string][] = [
        [["kv", "ls", "--api-url", url, "--token", "x"], {}, "--api-url"],
        [["kv", "ls"], { YOURSPACE_API_URL: url, YOURSPACE_TOKEN: "x" }, "YOURSPACE_API_URL"],
        [["login", "--api-url", url, "--token", "x"], {}, "--api-url"],
      ];
      for (const [argv, env, source] of tries) {
        const r = await t.run([...argv, "--json"], env);
        expect(r.code, `${url} ${argv.join(" ")}: ${r.stderr}`).toBe(2);
        expect(r.out).toBe("");
        const error = JSON.parse(r.stderr.trim().split("\n").at(-1)!).error;
        expect(error.code).toBe("USAGE");
        expect(error.message).toContain(`(from ${source}) cannot be used: `);
        expect(error.message).toMatch(why);
      }
      t.project({ apiUrl: url });
      const fromProject = await t.run(["kv", "ls"], { YOURSPACE_TOKEN: "x" });
      expect(fromProject.code).toBe(2);
      expect(fromProject.stderr).toMatch(/\(from .*yourspace\.jsonc\) cannot be used/);
    }
  });

  it("a token no HTTP header can carry (a line break, a space) is refused before anything is sent", async () => {
    const t = await loggedIn();
    for (const token of ["ab\ncd", "ab cd", "tok\r\n"]) {
      const r = await t.run(["kv", "ls", "--api-url", t.attacker.url, "--token", token, "--json"]);
      expect(r.code, r.stderr).toBe(2);
      expect(JSON.parse(r.stderr.trim().split("\n").at(-1)!).error).toMatchObject({
        code: "USAGE",
        message: expect.stringContaining("an HTTP header cannot carry"),
      });
    }
    expect(t.attacker.requests).toEqual([]);
  });

  it("credentials in the URL are refused, and not repeated", async () => {
    const t = await loggedIn();
    const withCredentials = t.attacker.url.replace("http://", "http://user:s3cret@");
    const r = await t.run(["kv", "ls", "--api-url", withCredentials, "--token", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("it carries a user name or password; give the token with --token or YOURSPACE_TOKEN instead");
    expect(r.stderr).not.toContain("s3cret");
    expect(t.attacker.requests).toEqual([]);
  });
});

describe("an unknown profile or site is an error with a suggestion", () => {
  it("YOURSPACE_PROFILE=prdo while prod exists: exit 3, did you mean prod, no embedded emulator", async () => {
    const t = await loggedIn();
    // Rename the stored profile to prod.
    const config = join(t.cwd, "..", "config", "config.json");
    const { readFileSync } = await import("node:fs");
    const doc = JSON.parse(readFileSync(config, "utf8"));
    doc.profiles = { prod: doc.profiles.default };
    doc.currentProfile = "prod";
    writeFileSync(config, JSON.stringify(doc));
    for (const argv of [["kv", "ls"], ["whoami"], ["kv", "set", "k", "v"]]) {
      const r = await t.run(argv, { YOURSPACE_PROFILE: "prdo" });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).not.toContain("embedded");
      expect(r.stderr).toContain('✖ There is no profile "prdo" (chosen by YOURSPACE_PROFILE).');
      expect(r.stderr).toContain('Did you mean "prod"? The profiles are prod. Create it with: yourspace login --profile prdo');
    }
    // A current profile that was removed by hand is the same mistake.
    doc.currentProfile = "gone";
    writeFileSync(config, JSON.stringify(doc));
    const gone = await t.run(["kv", "ls"]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('There is no profile "gone" (chosen by the current profile (yourspace profile use)).');
    // A command given its URL and token needs no profile.
    const given = await t.run(["kv", "ls", "--api-url", t.prod.url, "--token", t.prod.token], { YOURSPACE_PROFILE: "prdo" });
    expect(given.code, given.stderr).toBe(0);
  });

  it("a config file that cannot be read is an error, not an empty config (which meant the embedded emulator)", async () => {
    const cwd = tempDir();
    const configDir = join(cwd, "config");
    mkdirSync(configDir);
    for (const text of ['{"currentProfile":"prod","profiles":{"prod":{"apiUrl":"http://127.0.0.1:1",', "[]"]) {
      writeFileSync(join(configDir, "config.json"), text);
      const r = await runCli(["kv", "ls"], { cwd, env: { YOURSPACE_CONFIG_DIR: configDir } });
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain("embedded");
      expect(r.stderr).toContain(`✖ The config file ${join(configDir, "config.json")} is damaged: it is not`);
      // --local needs no config.
      expect((await runCli(["kv", "ls", "--local"], { cwd, env: { YOURSPACE_CONFIG_DIR: configDir } })).code).toBe(0);
    }
  });

  it("no profile stored and none chosen: the embedded emulator, as before", async () => {
    const cwd = tempDir();
    const r = await runCli(["kv", "ls"], { cwd, env: { YOURSPACE_CONFIG_DIR: join(cwd, "config") } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("target: embedded emulator");
  });

  it("--site of the embedded emulator: sites exist once created; an unknown one suggests the closest and how to create it", async () => {
    const cwd = tempDir();
    const run = (argv: string[], env: Record<string, string> = {}) =>
      runCli(argv, { cwd, clock: new ManualClock(T0), env: { YOURSPACE_CONFIG_DIR: join(cwd, "config"), ...env } });
    expect((await run(["kv", "emulator", "token", "create", "--site", "shop"])).code).toBe(0);
    const r = await run(["kv", "set", "k", "v", "--site", "shpo"]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toContain("namespace");
    expect(r.stderr).toMatch(/✖ There is no site "shpo" \(from --site\) in the embedded emulator at .*\.yourspace\./);
    expect(r.stderr).toContain(
      'Did you mean "shop"? Its sites are local, shop. A site is created with its first token: yourspace kv emulator token create --site shpo',
    );
    const env = await run(["kv", "ls"], { YOURSPACE_SITE: "nope" });
    expect(env.code).toBe(3);
    expect(env.stderr).toContain('There is no site "nope" (from YOURSPACE_SITE)');
    // An empty variable is not set, as YOURSPACE_API_URL= and YOURSPACE_TOKEN= already were: the default site and region.
    const cleared = await run(["kv", "get", "k", "--json"], { YOURSPACE_SITE: "", YOURSPACE_REGION: "" });
    expect(cleared.code, cleared.stderr).toBe(3);
    expect(JSON.parse(cleared.stderr.trim().split("\n").at(-1)!).error.code).toBe("KEY_NOT_FOUND");
    // Following the hint works.
    expect((await run(["kv", "emulator", "token", "create", "--site", "shpo"])).code).toBe(0);
    expect((await run(["kv", "set", "k", "v", "--site", "shpo"])).code).toBe(0);
    expect((await run(["kv", "set", "k", "v", "--site", "shop"])).code).toBe(0);
  });

  it("--site of a remote target that the token does not reach: the message says the site is unknown to this token", async () => {
    const t = await loggedIn();
    const r = await t.run(["kv", "ls", "--site", "other"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('✖ Site "other" is not known to this token.');
    expect(r.stderr).toContain('The token is for site "prod-site"');
  });
});

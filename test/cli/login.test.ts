import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { runCli, tempDir, type RunResult } from "../support/cli.js";

/**
 * login, logout, whoami and profiles through the CLI in process (no terminal: the token comes on stdin),
 * against real API servers on loopback ports. Every config lives in a YOURSPACE_CONFIG_DIR of the test's own.
 */

async function apiServer(site: string) {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0 });
  onTestFinished(() => server.stop());
  const { token, info } = server.tokens.create({ site });
  return { url: server.url, token, id: info.id, server };
}

function session() {
  const cwd = tempDir();
  const configDir = join(cwd, "config");
  const base = { YOURSPACE_CONFIG_DIR: configDir, YOURSPACE_DATA_DIR: join(cwd, "data") };
  const run = (argv: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(argv, { cwd, stdin: options.input, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...base, ...options.env } });
  const configPath = join(configDir, "config.json");
  const config = () =>
    JSON.parse(readFileSync(configPath, "utf8")) as { currentProfile?: string; profiles?: Record<string, { apiUrl: string; token: string; site: string }> };
  return { cwd, configDir, configPath, config, run };
}

function ok(r: RunResult): RunResult {
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** The secret appears in neither stream. */
function secretKept(r: RunResult, token: string): void {
  expect(r.out).not.toContain(token);
  expect(r.stderr).not.toContain(token);
}

const targetLine = (r: RunResult) => r.stderr.split("\n").find((l) => l.startsWith("target: ")) ?? "";

describe("login, whoami, logout", () => {
  it("stores a token read from stdin in config.json (mode 0600) and never prints it", async () => {
    const api = await apiServer("alpha");
    const s = session();
    const login = ok(await s.run(["login", "--api-url", api.url], { input: `${api.token}\n` }));
    secretKept(login, api.token);
    expect(login.out).toBe("");
    expect(login.stderr).toContain(`Logged in to site alpha at ${api.url} as profile default (site token, read-write). Credentials are in ${s.configPath}.`);
    expect(statSync(s.configPath).mode & 0o777).toBe(0o600);
    expect(s.config()).toEqual({ profiles: { default: { apiUrl: api.url, token: api.token, site: "alpha" } }, currentProfile: "default" });

    const who = ok(await s.run(["whoami"]));
    secretKept(who, api.token);
    expect(who.out).toBe(`site alpha at ${api.url} (from profile default); site token ${api.id}, read-write\n`);
    const whoJson = ok(await s.run(["whoami", "--json"]));
    secretKept(whoJson, api.token);
    expect(JSON.parse(whoJson.out)).toEqual({
      target: "remote",
      apiUrl: api.url,
      source: "from profile default",
      site: "alpha",
      token: { id: api.id, kind: "site", access: "read-write", namespaces: null, expiresAt: null, route: null },
      bindings: null,
    });
    // Commands now use the profile.
    const set = ok(await s.run(["kv", "set", "k", "v"]));
    expect(targetLine(set)).toBe(`target: platform API at ${api.url} (site alpha, from profile default)`);
    expect(api.server.engine.get("alpha", "default", "k").entry?.value.toString()).toBe("v");

    const logout = ok(await s.run(["logout"]));
    secretKept(logout, api.token);
    expect(logout.stderr).toContain("Logged out: profile default and its token are removed.");
    expect(readFileSync(s.configPath, "utf8")).not.toContain(api.token);
    expect(s.config().profiles).toEqual({});
    // With no profile left, commands fall back to the embedded emulator.
    const after = ok(await s.run(["whoami"]));
    expect(after.out).toMatch(/^embedded emulator at .* \(site local\): no login needed\.\n$/);
    const again = ok(await s.run(["logout"]));
    expect(again.stderr).toContain("There was no profile default; nothing changed.");
  });

  it("login --json describes the token without printing it", async () => {
    const api = await apiServer("alpha");
    const s = session();
    const login = ok(await s.run(["login", "--json"], { input: api.token, env: { YOURSPACE_API_URL: api.url } }));
    secretKept(login, api.token);
    expect(JSON.parse(login.out)).toEqual({
      profile: "default",
      apiUrl: api.url,
      site: "alpha",
      token: { id: api.id, kind: "site", access: "read-write", namespaces: null, expiresAt: null, route: null },
      configPath: s.configPath,
    });
  });

  it("describes a scoped token's limits in whoami", async () => {
    const api = await apiServer("alpha");
    const { token, info } = api.server.tokens.create({ site: "alpha", kind: "scoped", access: "read-only", namespaces: ["flags"] });
    const s = session();
    ok(await s.run(["login", "--api-url", api.url], { input: token }));
    const who = ok(await s.run(["whoami"]));
    secretKept(who, token);
    expect(who.out).toBe(`site alpha at ${api.url} (from profile default); scoped token ${info.id}, read-only, namespaces flags\n`);
  });

  it("describes a route token by its route's bindings, as they stand at each whoami", async () => {
    const api = await apiServer("alpha");
    for (const ns of ["flags", "sessions"]) api.server.engine.createNamespace("alpha", ns);
    api.server.core.admin.bind("alpha", { route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only" });
    api.server.core.admin.bind("alpha", { route: "/admin/*", variable: "SESSIONS", namespace: "sessions", access: "read-write" });
    const { token, info } = api.server.tokens.create({ site: "alpha", kind: "route", route: "/admin/*", access: "read-only" });
    const s = session();
    const env = { YOURSPACE_API_URL: api.url, YOURSPACE_TOKEN: token };
    const who = ok(await s.run(["whoami"], { env }));
    secretKept(who, token);
    expect(who.out).toBe(
      `site alpha at ${api.url} (from YOURSPACE_API_URL); route token ${info.id}, route /admin/*, bound to flags as FLAGS (read-only), sessions as SESSIONS (read-write)\n`,
    );
    expect(JSON.parse(ok(await s.run(["whoami", "--json"], { env })).out)).toMatchObject({
      token: { id: info.id, kind: "route", route: "/admin/*" },
      bindings: [
        { variable: "FLAGS", namespace: "flags", access: "read-only" },
        { variable: "SESSIONS", namespace: "sessions", access: "read-write" },
      ],
    });
    for (const variable of ["FLAGS", "SESSIONS"]) api.server.core.admin.unbind("alpha", "/admin/*", variable);
    expect(ok(await s.run(["whoami"], { env })).out).toContain(`route token ${info.id}, route /admin/*, bound to nothing yet\n`);
  });

  it("refuses a bad token with exit 4 and stores nothing", async () => {
    const api = await apiServer("alpha");
    const s = session();
    const bad = "ys_000000000000_definitely-not-a-token";
    const login = await s.run(["login", "--api-url", api.url], { input: bad });
    expect(login.code).toBe(4);
    expect(login.out).toBe("");
    expect(login.stderr).toContain("✖ The token is not valid.");
    secretKept(login, bad);
    expect(existsSync(s.configPath) ? (s.config().profiles ?? {}) : {}).toEqual({});
    // Nor with an existing profile: a failed login does not replace the stored token.
    ok(await s.run(["login", "--api-url", api.url], { input: api.token }));
    expect((await s.run(["login", "--api-url", api.url], { input: bad })).code).toBe(4);
    expect(s.config().profiles?.default?.token).toBe(api.token);
    // And no token at all is a usage error.
    const none = await s.run(["login", "--api-url", api.url], { input: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("No token given.");
  });

  it("cannot reach an API that is not there: exit 5, nothing stored", async () => {
    const api = await apiServer("alpha");
    const url = api.url;
    await api.server.stop();
    const s = session();
    const login = await s.run(["login", "--api-url", url], { input: api.token });
    expect(login.code).toBe(5);
    expect(login.stderr).toContain(`Cannot reach the platform API at ${url}`);
    expect(existsSync(s.configPath) ? (s.config().profiles ?? {}) : {}).toEqual({});
  });
});

describe("named profiles", () => {
  it("login --profile, YOURSPACE_PROFILE, profile use, profile ls, logout --profile", async () => {
    const prod = await apiServer("prod-site");
    const staging = await apiServer("staging-site");
    const s = session();
    ok(await s.run(["login", "--api-url", prod.url], { input: prod.token }));
    const login = ok(await s.run(["login", "--profile", "staging", "--api-url", staging.url], { input: staging.token }));
    expect(login.stderr).toContain("as profile staging");
    expect(s.config()).toEqual({
      currentProfile: "default",
      profiles: {
        default: { apiUrl: prod.url, token: prod.token, site: "prod-site" },
        staging: { apiUrl: staging.url, token: staging.token, site: "staging-site" },
      },
    });

    expect(ok(await s.run(["whoami"])).out).toContain("site prod-site at");
    const viaEnv = ok(await s.run(["whoami"], { env: { YOURSPACE_PROFILE: "staging" } }));
    expect(viaEnv.out).toContain(`site staging-site at ${staging.url} (from profile staging)`);
    const set = ok(await s.run(["kv", "set", "k", "staged"], { env: { YOURSPACE_PROFILE: "staging" } }));
    expect(targetLine(set)).toBe(`target: platform API at ${staging.url} (site staging-site, from profile staging)`);
    expect(staging.server.engine.get("staging-site", "default", "k").entry?.value.toString()).toBe("staged");

    const ls = ok(await s.run(["profile", "ls"]));
    for (const t of [prod.token, staging.token]) secretKept(ls, t);
    expect(ls.out).toBe(`* default  ${prod.url}  site prod-site\n  staging  ${staging.url}  site staging-site\n`);
    const lsJson = JSON.parse(ok(await s.run(["profile", "ls", "--json"])).out);
    expect(lsJson).toEqual({
      profiles: [
        { name: "default", apiUrl: prod.url, site: "prod-site", current: true },
        { name: "staging", apiUrl: staging.url, site: "staging-site", current: false },
      ],
    });

    const use = ok(await s.run(["profile", "use", "staging"]));
    expect(use.stderr).toContain("Commands now use profile staging");
    expect(s.config().currentProfile).toBe("staging");
    expect(ok(await s.run(["whoami"])).out).toContain("site staging-site at");
    expect(ok(await s.run(["profile", "ls"])).out).toBe(`  default  ${prod.url}  site prod-site\n* staging  ${staging.url}  site staging-site\n`);
    // YOURSPACE_PROFILE overrides the current profile.
    expect(ok(await s.run(["whoami"], { env: { YOURSPACE_PROFILE: "default" } })).out).toContain("site prod-site at");

    const missing = await s.run(["profile", "use", "nope"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("There is no profile nope.");
    expect(s.config().currentProfile).toBe("staging");

    ok(await s.run(["logout", "--profile", "staging"]));
    const left = s.config();
    expect(Object.keys(left.profiles ?? {})).toEqual(["default"]);
    expect(JSON.stringify(left)).not.toContain(staging.token);
    expect(left.currentProfile).toBeUndefined();
    // The current profile was removed: commands use the default profile again.
    expect(ok(await s.run(["whoami"])).out).toContain("site prod-site at");
    ok(await s.run(["logout"]));
    expect(JSON.stringify(s.config())).not.toContain(prod.token);
  });
});

describe("a damaged config file", () => {
  const damaged: [string, string][] = [
    ["{bad", "it is not valid JSON (Expected property name or '}' in JSON at position 1)"],
    ["[]", "it is not a JSON object"],
    ['{"currentProfile":3}', '"currentProfile" is not a string'],
    ['{"profiles":["a"]}', '"profiles" is not an object'],
    ['{"profiles":{"a":null}}', 'profile "a" is not an object with apiUrl, token and site as strings'],
    [
      '{"currentProfile":"a","profiles":{"a":{"apiUrl":"http://127.0.0.1:1","token":"t"}}}',
      'profile "a" is not an object with apiUrl, token and site as strings',
    ],
  ];
  it.each(damaged)("%s: every command that reads or writes it reports it as whoami does, and it is left as it was", async (text, problem) => {
    const s = session();
    mkdirSync(s.configDir, { recursive: true });
    writeFileSync(s.configPath, text);
    const expected = {
      code: "USAGE",
      message: `The config file ${s.configPath} is damaged: ${problem}.`,
      hint: "Fix it, or remove it and log in again with: yourspace login",
    };
    const commands = [
      ["whoami"],
      ["login", "--api-url", "http://127.0.0.1:1"],
      ["logout"],
      ["logout", "--profile", "a"],
      ["profile", "ls"],
      ["profile", "use", "a"],
      ["kv", "ls"],
    ];
    for (const argv of commands) {
      const r = await s.run([...argv, "--json"], { input: "a-token", env: { YOURSPACE_PROFILE: "a" } });
      expect([argv.join(" "), r.code, lastJson(r.stderr)]).toEqual([argv.join(" "), 2, { error: expected }]);
    }
    expect(readFileSync(s.configPath, "utf8")).toBe(text);
  });
});

/** The last line of a --json stderr: the error, after the target line. */
const lastJson = (stderr: string): unknown => JSON.parse(stderr.trim().split("\n").at(-1)!);

describe("target resolution order, shown on the stderr target line", () => {
  async function threeTargets() {
    const fromProfile = await apiServer("profile-site");
    const fromEnv = await apiServer("env-site");
    const fromFlag = await apiServer("flag-site");
    const s = session();
    return { s, fromProfile, fromEnv, fromFlag, env: { YOURSPACE_API_URL: fromEnv.url, YOURSPACE_TOKEN: fromEnv.token } };
  }
  const valueAt = (api: Awaited<ReturnType<typeof apiServer>>, site: string) => api.server.engine.get(site, "default", "where").entry?.value.toString();

  it("--local beats env and profile; a profile is used when nothing else is set", async () => {
    const { s, fromProfile, fromEnv, env } = await threeTargets();
    ok(await s.run(["login", "--api-url", fromProfile.url], { input: fromProfile.token }));
    expect(targetLine(ok(await s.run(["kv", "set", "where", "profile"])))).toBe(
      `target: platform API at ${fromProfile.url} (site profile-site, from profile default)`,
    );
    const local = ok(await s.run(["kv", "set", "where", "local", "--local"], { env }));
    expect(targetLine(local)).toMatch(/^target: embedded emulator at .* \(site local\)$/);
    expect(ok(await s.run(["kv", "get", "where", "--local"], { env })).out).toBe("local");
    expect(valueAt(fromProfile, "profile-site")).toBe("profile");
    expect(valueAt(fromEnv, "env-site")).toBeUndefined();
    // --local cannot be combined with --api-url.
    const both = await s.run(["kv", "ls", "--local", "--api-url", fromProfile.url]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--local cannot be combined with --remote or --api-url.");
  });

  it("flag beats env (no profile)", async () => {
    const { s, fromEnv, fromFlag, env } = await threeTargets();
    expect(targetLine(ok(await s.run(["kv", "set", "where", "env"], { env })))).toBe(
      `target: platform API at ${fromEnv.url} (site env-site, from YOURSPACE_API_URL)`,
    );
    const flag = ok(await s.run(["kv", "set", "where", "flag", "--api-url", fromFlag.url, "--token", fromFlag.token], { env }));
    expect(targetLine(flag)).toBe(`target: platform API at ${fromFlag.url} (site flag-site, from --api-url)`);
    secretKept(flag, fromFlag.token);
    expect(valueAt(fromEnv, "env-site")).toBe("env");
    expect(valueAt(fromFlag, "flag-site")).toBe("flag");
  });

  it("env beats profile when the environment names the site too (YOURSPACE_SITE)", async () => {
    const { s, fromProfile, fromEnv, env } = await threeTargets();
    ok(await s.run(["login", "--api-url", fromProfile.url], { input: fromProfile.token }));
    const r = ok(await s.run(["kv", "set", "where", "env"], { env: { ...env, YOURSPACE_SITE: "env-site" } }));
    expect(targetLine(r)).toBe(`target: platform API at ${fromEnv.url} (site env-site, from YOURSPACE_API_URL)`);
    expect(valueAt(fromEnv, "env-site")).toBe("env");
  });

  // BUG: resolveTarget (src/project/target.ts) picks each field on its own, so with a stored profile the profile's
  // *site* is combined with the API URL and token from the environment (or flags): the command goes to the
  // env's server with the env's token but asks for the profile's site, and fails with exit 3 NOT_FOUND
  // 'Site "profile-site" was not found.' Repro: yourspace login (site A at URL_A), then
  // YOURSPACE_API_URL=URL_B YOURSPACE_TOKEN=T_B yourspace kv ls → target line "(site A, from
  // YOURSPACE_API_URL)", exit 3. The same happens with --api-url/--token. The site should follow the
  // credentials it belongs to (the token's own site) unless --site/YOURSPACE_SITE says otherwise.
  it("env beats profile, and flag beats env, with a profile stored", async () => {
    const { s, fromProfile, fromEnv, fromFlag, env } = await threeTargets();
    ok(await s.run(["login", "--api-url", fromProfile.url], { input: fromProfile.token }));
    const viaEnv = ok(await s.run(["kv", "set", "where", "env"], { env }));
    expect(targetLine(viaEnv)).toBe(`target: platform API at ${fromEnv.url} (site env-site, from YOURSPACE_API_URL)`);
    const viaFlag = ok(await s.run(["kv", "set", "where", "flag", "--api-url", fromFlag.url, "--token", fromFlag.token], { env }));
    expect(targetLine(viaFlag)).toBe(`target: platform API at ${fromFlag.url} (site flag-site, from --api-url)`);
    expect(valueAt(fromEnv, "env-site")).toBe("env");
    expect(valueAt(fromFlag, "flag-site")).toBe("flag");
  });

  it("--remote with no profile and no token is UNAUTHENTICATED (exit 4), with a hint to log in", async () => {
    const s = session();
    const r = await s.run(["kv", "ls", "--remote", "--json"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('"code":"UNAUTHENTICATED"');
    expect(r.stderr).toContain("yourspace login");
  });
});

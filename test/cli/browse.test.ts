import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { runCli, tempDir, type RunResult } from "../support/cli.js";
import { sandbox, startServer } from "../support/site.js";

/**
 * `kv browse`, in process: the KV browser's host and, for the embedded emulator, the API server's
 * thread (the built bundle: npm run build first), on loopback ports. The command runs until its
 * signal is aborted, as Ctrl-C stops it; the test acts on the URL it prints while it serves.
 */

interface Running {
  /** The URL the command printed. */
  url: Promise<string>;
  /** The command's outcome, once it has stopped. */
  result: Promise<RunResult>;
  /** Ctrl-C, then its outcome. */
  stop(): Promise<RunResult>;
}

function browse(args: string[], cwd: string, env: Record<string, string>, tty = false): Running {
  const abort = new AbortController();
  let stdout = "";
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (found = resolve));
  const result = runCli(["kv", "browse", ...args], {
    cwd,
    env,
    signal: abort.signal,
    tty: { stdin: tty, stdout: tty, stderr: tty },
    onStdout: (chunk) => {
      stdout += chunk;
      const line = /^(?:Browse: (\S+)|(\{.*\}))$/m.exec(stdout);
      if (line) found(line[1] ?? (JSON.parse(line[2]!) as { url: string }).url);
    },
  });
  // A command that ends before printing fails the test where it waits for the URL.
  void result.then((r) => found(`(ended with exit ${r.code} before printing a URL: ${r.stderr})`));
  const stop = () => {
    abort.abort("SIGINT");
    return result;
  };
  onTestFinished(async () => {
    await stop();
  });
  return { url, result, stop };
}

/** Opens a one-time URL as a browser does: the cookie, then the session it gives. */
async function open(url: string): Promise<{ cookie: string; session: any; origin: string }> {
  const opened = await request(url);
  await opened.body.dump();
  expect(opened.statusCode, url).toBe(200);
  expect(opened.headers["set-cookie"], url).toBeDefined();
  const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
  const { origin } = new URL(url);
  const session = await request(`${origin}/kv/session`, { headers: { cookie } });
  expect(session.statusCode).toBe(200);
  return { cookie, session: await session.body.json(), origin };
}

const URL_PATTERN = /^http:\/\/127\.0\.0\.1:\d+\/kv\/\?secret=[A-Za-z0-9_-]{43}$/;

function localEnv(): { cwd: string; dataDir: string; env: Record<string, string> } {
  const cwd = tempDir();
  const dataDir = join(cwd, "data");
  return { cwd, dataDir, env: { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(cwd, "config"), PATH: process.env.PATH ?? "" } };
}

describe("kv browse on the embedded emulator", () => {
  it("with no display: prints the URL, serves the page's session and the API over the data directory, and stops on Ctrl-C", async () => {
    const { cwd, dataDir, env } = localEnv();
    const running = browse([], cwd, env, true);
    const url = await running.url;
    expect(url).toMatch(URL_PATTERN);
    const { cookie, session, origin } = await open(url);
    expect(session).toMatchObject({
      target: { kind: "emulator", dataDir, apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
      site: "local",
      emulator: true,
    });
    const write = await request(`${origin}/kv/api/v1/sites/local/namespaces/default/values/seen`, {
      method: "PUT",
      headers: { cookie, "x-yourspace-csrf": session.csrf },
      body: "through the page",
    });
    expect(write.statusCode).toBe(200);
    await write.body.dump();
    // The discovery file: the host's address and its key, for this user alone.
    const file = join(dataDir, "browser-host.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ pid: process.pid, origin });

    const r = await running.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe(`Browse: ${url}\n`);
    expect(r.stderr).toContain(`Serving the KV browser for the emulator at ${dataDir} (site local). Stop with Ctrl-C.`);
    expect(r.stderr).not.toMatch(/Could not open/);
    expect(existsSync(file)).toBe(false);
    await expect(request(url)).rejects.toThrow(/ECONNREFUSED/);
    // What it wrote is in the data directory, as the CLI reads it.
    const read = await runCli(["kv", "get", "seen"], { cwd, env });
    expect(read.out).toBe("through the page");
  });

  it("finds the server running on the data directory and asks it for a fresh URL, then ends; a file left by a dead process is ignored", async () => {
    const { cwd, dataDir, env } = localEnv();
    // A discovery file whose process is gone: kv browse serves by itself.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "browser-host.json"), JSON.stringify({ pid: Number(dead.stdout), origin: "http://127.0.0.1:9", mintKey: "k" }), {
      mode: 0o600,
    });
    const first = browse([], cwd, env);
    const firstUrl = await first.url;
    expect(firstUrl).toMatch(URL_PATTERN);

    const second = await runCli(["kv", "browse", "--json"], { cwd, env });
    expect(second.code, second.stderr).toBe(0);
    const { url } = JSON.parse(second.out) as { url: string };
    expect(url).toMatch(URL_PATTERN);
    expect(new URL(url).origin).toBe(new URL(firstUrl).origin);
    expect(url).not.toBe(firstUrl);
    const notes = second.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { note?: string });
    expect(notes).toContainEqual({ note: `The KV browser is served by process ${process.pid}, which serves ${dataDir}; this URL works once.` });
    // Both URLs sign a browser in, each once.
    await open(url);
    await open(firstUrl);
    expect((await request(url)).statusCode).toBe(401);
    expect((await first.stop()).code).toBe(0);
  });

  it("ignores a discovery file that names a server off this machine's loopback, though its process runs: the browser is never sent there", async () => {
    const { cwd, dataDir, env } = localEnv();
    // A server at another name than 127.0.0.1 that would answer a sign-in address of its own.
    const asked: string[] = [];
    const elsewhere = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: `http://localhost:${(elsewhere.address() as AddressInfo).port}/kv/?secret=${"a".repeat(43)}` }));
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));
    mkdirSync(dataDir, { recursive: true });
    const origin = `http://localhost:${(elsewhere.address() as AddressInfo).port}`;
    writeFileSync(join(dataDir, "browser-host.json"), JSON.stringify({ pid: process.pid, origin, mintKey: "k" }), { mode: 0o600 });
    const served = browse([], cwd, env);
    expect(await served.url).toMatch(URL_PATTERN);
    expect((await served.stop()).code).toBe(0);
    expect(asked).toEqual([]);
  });

  it("kv emulator start serves one too, and kv browse finds it", async () => {
    const { cwd, env } = localEnv();
    const abort = new AbortController();
    let ready: (line: string) => void = () => {};
    const line = new Promise<string>((resolve) => (ready = resolve));
    const start = runCli(["kv", "emulator", "start", "--port", "0", "--json"], { cwd, env, signal: abort.signal, onStdout: ready });
    onTestFinished(async () => {
      abort.abort("SIGINT");
      await start;
    });
    const started = JSON.parse(await line) as { apiUrl: string; browserUrl: string };
    expect(started.browserUrl).toMatch(URL_PATTERN);
    const { session } = await open(started.browserUrl);
    expect(session.target.apiUrl).toBe(started.apiUrl);
    const found = await runCli(["kv", "browse"], { cwd, env });
    expect(found.code, found.stderr).toBe(0);
    const url = /^Browse: (\S+)$/m.exec(found.out)![1]!;
    expect(new URL(url).origin).toBe(new URL(started.browserUrl).origin);
    await open(url);
    abort.abort("SIGINT");
    expect((await start).code).toBe(0);
    // Without the page: no URL, no discovery file.
    const stopWithout = new AbortController();
    const none = await runCli(["kv", "emulator", "start", "--port", "0", "--json", "--no-browser"], {
      cwd,
      env,
      signal: stopWithout.signal,
      onStdout: () => stopWithout.abort("SIGINT"),
    });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.out)).toMatchObject({ browserUrl: null });
    expect(none.stderr).not.toContain("Browse:");
  });
});

describe("kv browse opens the system browser", () => {
  /** An xdg-open that records the URL it is given, first on PATH. */
  function fakeOpener(dir: string): { path: string; opened: () => string | undefined } {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const record = join(dir, "opened.txt");
    writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
    chmodSync(join(bin, "xdg-open"), 0o755);
    return { path: `${bin}:${process.env.PATH}`, opened: () => (existsSync(record) ? readFileSync(record, "utf8") : undefined) };
  }

  it("with a display and a terminal, runs the opener with the URL; not with --no-open, no display or no terminal", async () => {
    // A platform target: the host alone starts, which is all this needs.
    const sb = sandbox();
    const api = await startServer(sb);
    const cwd = sb.cwd;
    const env = { ...sb.env, YOURSPACE_API_URL: api.apiUrl, YOURSPACE_TOKEN: api.token };
    const opener = fakeOpener(sb.root);
    const display = { ...env, PATH: opener.path, DISPLAY: ":0" };
    for (const [args, e, tty] of [
      [["--no-open"], display, true],
      [[], { ...env, PATH: opener.path }, true],
      [[], display, false],
    ] as const) {
      const running = browse([...args], cwd, e, tty);
      await running.url;
      expect((await running.stop()).code).toBe(0);
      expect(opener.opened(), JSON.stringify([args, tty])).toBeUndefined();
    }
    const running = browse([], cwd, display, true);
    const url = await running.url;
    const r = await running.stop();
    expect(r.stderr).not.toMatch(/Could not open/);
    // The opener runs detached: its record may land just after it started.
    await expect.poll(() => opener.opened()).toBe(url);
  });
});

describe("kv browse on a platform target", () => {
  it("serves a page in front of the API with the token, which the page never sees", async () => {
    const sb = sandbox();
    const api = await startServer(sb);
    const running = browse([], sb.cwd, { ...sb.env, YOURSPACE_API_URL: api.apiUrl, YOURSPACE_TOKEN: api.token });
    const { cookie, session, origin } = await open(await running.url);
    // An emulator's API server, reached as a platform: its controls are there.
    expect(session).toEqual({ csrf: session.csrf, target: { kind: "remote", apiUrl: api.apiUrl }, site: "local", emulator: true });
    expect(JSON.stringify(session)).not.toContain(api.token);
    const who = await request(`${origin}/kv/api/v1/whoami`, { headers: { cookie } });
    expect(await who.body.json()).toMatchObject({ token: { id: await api.tokenId(api.token) } });
    const r = await running.stop();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Serving the KV browser for the platform API at ${api.apiUrl}.`);
    expect(existsSync(join(sb.dataDir, "browser-host.json"))).toBe(false);
  });
});

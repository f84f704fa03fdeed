import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { BIN, runBin, runCli, tempDir, type RunResult } from "../support/cli.js";

/**
 * The emulator's server end to end: `yourspace kv emulator start` spawned as a real child process on a
 * loopback port (its ready line, its signals, its exit), driven by the CLI in this test's process, a
 * process of its own beside the server's (and raw sockets where a client must misbehave on purpose).
 * Requires a fresh build (node scripts/build.mjs).
 */

interface Started {
  apiUrl: string;
  token: string;
  site: string;
  dataDir: string;
}

interface Emulator {
  child: ChildProcessWithoutNullStreams;
  /** Lines of stdout, in order, as they arrive. */
  nextLine(): Promise<string>;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the built binary with `args`; it is killed (by pid) if still running when the test ends. */
function spawnCli(args: string[], env: Record<string, string>, cwd: string): Emulator {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    stderr: () => err,
    exited,
    async nextLine() {
      const next = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
      if (next.done) throw new Error(`the process ended before printing a line; stderr: ${err}`);
      return next.value;
    },
  };
}

/** The CLI in this process, seeing the environment a spawned one would (PATH and HOME, then `env`). */
function cli(argv: string[], cwd: string, input: string | Buffer | undefined, env: Record<string, string>): Promise<RunResult> {
  return runCli(argv, { cwd, stdin: input, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
}

/** A data directory and config directory of its own, and `kv emulator start --port 0 --json` over it. */
async function startEmulator(extra: string[] = []) {
  const cwd = tempDir();
  const dataDir = join(cwd, "data");
  const env = { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: dataDir };
  const emulator = spawnCli(["kv", "emulator", "start", "--port", "0", "--json", ...extra], env, cwd);
  const started = JSON.parse(await emulator.nextLine()) as Started;
  /**
   * The CLI against the server, with the given token (default: the one it printed). It runs in this
   * test's process (the same main() the binary runs): the server is the spawned process under test.
   */
  const remote = (argv: string[], token = started.token, input?: string | Buffer) =>
    cli(argv, cwd, input, {
      YOURSPACE_CONFIG_DIR: env.YOURSPACE_CONFIG_DIR,
      YOURSPACE_DATA_DIR: join(cwd, "client-data"),
      YOURSPACE_API_URL: started.apiUrl,
      YOURSPACE_TOKEN: token,
    });
  /** The CLI on the same data directory, embedded (--local), in this test's process: another process than the server's. */
  const local = (argv: string[], input?: string | Buffer) => cli(["--local", "--data-dir", dataDir, ...argv], cwd, input, env);
  const ok = (r: RunResult): RunResult => {
    expect(r.code, `${r.stderr}\n(the emulator: exit ${emulator.child.exitCode ?? "-"} ${emulator.child.signalCode ?? ""}, stderr: ${emulator.stderr()})`).toBe(
      0,
    );
    return r;
  };
  return { ...emulator, started, cwd, dataDir, env, remote, local, ok };
}

function ok(r: RunResult): RunResult {
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** Resolves once nothing listens on `url` any more: each probe is an awaited connect, no timers. */
async function untilRefused(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (;;) {
    const socket = connect({ host: hostname, port: Number(port) });
    const outcome = await new Promise<string | undefined>((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code));
    });
    socket.destroy();
    if (outcome === "ECONNREFUSED") return;
    // Accepted just before the server closed, or reset while it closes: look again.
    if (outcome !== "connected" && outcome !== "ECONNRESET") throw new Error(`unexpected ${outcome}`);
  }
}

describe("kv emulator start, end to end", () => {
  it("prints the URL and token as JSON, serves set/get/ls, and shares its data with --local processes", async () => {
    const emu = await startEmulator();
    expect(emu.started).toEqual({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      token: expect.stringMatching(/^ys_/),
      site: "local",
      dataDir: emu.dataDir,
      browserUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/kv\/\?secret=/),
    });
    expect(new URL(emu.started.apiUrl).port).not.toBe("8787");

    const set = emu.ok(await emu.remote(["kv", "set", "greeting", "hello from the server"]));
    expect(set.stderr).toContain(`target: platform API at ${emu.started.apiUrl} (site local, from YOURSPACE_API_URL)`);
    expect(set.stderr).not.toContain(emu.started.token);
    expect(emu.ok(await emu.remote(["kv", "get", "greeting"])).out).toBe("hello from the server");
    emu.ok(await emu.remote(["kv", "set", "bin", "-"], undefined, Buffer.from([0, 1, 2, 255, 254])));
    expect(emu.ok(await emu.remote(["kv", "get", "bin"])).stdout).toEqual(Buffer.from([0, 1, 2, 255, 254]));
    expect(emu.ok(await emu.remote(["kv", "ls"])).out).toBe("bin\ngreeting\n");

    // A separate embedded process on the same data directory sees the server's writes, and the other way round.
    const fromLocal = emu.ok(await emu.local(["kv", "get", "greeting"]));
    expect(fromLocal.out).toBe("hello from the server");
    expect(fromLocal.stderr).toMatch(/target: embedded emulator at .* \(site local\)/);
    emu.ok(await emu.local(["kv", "set", "written-locally", "by --local"]));
    expect(emu.ok(await emu.remote(["kv", "get", "written-locally"])).out).toBe("by --local");
    const page = JSON.parse(emu.ok(await emu.remote(["kv", "ls", "--json"])).out) as { keys: { key: string }[]; complete: boolean };
    expect(page.keys.map((k) => k.key)).toEqual(["bin", "greeting", "written-locally"]);
    expect(JSON.parse(emu.ok(await emu.local(["kv", "ls", "--json"])).out)).toEqual(page);
    // Not found through the server is exit 3, as embedded.
    const missing = await emu.remote(["kv", "get", "nope", "--json"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('"code":"KEY_NOT_FOUND"');

    emu.child.kill("SIGTERM");
    expect(await emu.exited).toEqual({ code: 0, signal: null });
    expect(emu.stderr()).toContain("Emulator stopped; every request in flight was answered.");
  });

  it("sees the manual clock set and advanced by other CLI processes at once", async () => {
    const emu = await startEmulator();
    emu.ok(await emu.local(["kv", "emulator", "config", "--profile", "yourspace", "--regions", "iad*,fra,sin", "--delay", "100ms", "--jitter", "200ms"]));
    emu.ok(await emu.local(["kv", "emulator", "clock", "manual"]));
    emu.ok(await emu.remote(["kv", "set", "flag", "on", "--region", "fra"]));
    const eventual = (region: string) => emu.remote(["kv", "get", "flag", "--region", region, "--consistency", "eventual", "--json"]);
    expect(JSON.parse(ok(await eventual("fra")).out)).toMatchObject({ value: "on", region: "fra", servedFrom: "replica" });
    const stale = await eventual("sin");
    expect(stale.code).toBe(3);
    expect(stale.stderr).toContain("(sin, eventual read)");
    // A strong read in sin goes home.
    expect(JSON.parse(emu.ok(await emu.remote(["kv", "get", "flag", "--region", "sin", "--json"])).out)).toMatchObject({ value: "on", servedFrom: "home" });
    emu.ok(await emu.local(["kv", "emulator", "advance", "300ms"]));
    expect(JSON.parse(ok(await eventual("sin")).out)).toMatchObject({ value: "on", region: "sin", servedFrom: "replica" });
    // Expiry follows the same clock: a 60 s value is gone once another process advances 60 s.
    emu.ok(await emu.remote(["kv", "set", "short", "lived", "--ttl", "60s"]));
    expect(emu.ok(await emu.remote(["kv", "get", "short"])).out).toBe("lived");
    emu.ok(await emu.local(["kv", "emulator", "advance", "60s"]));
    expect((await emu.remote(["kv", "get", "short"])).code).toBe(3);
    // A partition set by another process is seen by the server's next request.
    emu.ok(await emu.local(["kv", "emulator", "partition", "sin"]));
    const refused = await emu.remote(["kv", "set", "flag", "off", "--region", "sin"]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("cannot reach the home region iad");
  });

  it("accepts a token created by `kv emulator token create --site other` while it runs", async () => {
    const emu = await startEmulator();
    emu.ok(await emu.remote(["kv", "set", "k", "site local's"]));
    const created = emu.ok(await emu.local(["kv", "emulator", "token", "create", "--site", "other"]));
    const token = created.out.trim();
    expect(token).toMatch(/^ys_\S+$/);
    expect(created.out).toBe(`${token}\n`);
    expect(created.stderr).toContain("A site token for site other");
    const who = JSON.parse(emu.ok(await emu.remote(["whoami", "--json"], token)).out) as { site: string; token: { kind: string } };
    expect(who).toMatchObject({ target: "remote", site: "other", token: { kind: "site", access: "read-write" } });
    const set = emu.ok(await emu.remote(["kv", "set", "k", "site other's"], token));
    expect(set.stderr).toContain("(site other, from YOURSPACE_API_URL)");
    expect(emu.ok(await emu.remote(["kv", "get", "k"], token)).out).toBe("site other's");
    expect(emu.ok(await emu.remote(["kv", "get", "k"])).out).toBe("site local's");
    // A scoped read-only token made the same way is refused writes at once.
    const readOnly = emu.ok(await emu.local(["kv", "emulator", "token", "create", "--site", "other", "--read-only"])).out.trim();
    const refused = await emu.remote(["kv", "set", "k", "x"], readOnly);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("This token is read-only; it cannot write.");
  });

  /**
   * Starts a PUT of `value`, waits until the server has its head (Expect: 100-continue), sends half the
   * body, sends SIGTERM, waits until the server stops listening, sends the rest: resolves to the answer.
   */
  async function uploadAcrossSigterm(emu: Awaited<ReturnType<typeof startEmulator>>, value: Buffer) {
    const { hostname, port } = new URL(emu.started.apiUrl);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on("error", () => {});
    onTestFinished(() => {
      socket.destroy();
    });
    await once(socket, "connect");
    let received = "";
    socket.setEncoding("latin1");
    const CONTINUE = "100 Continue\r\n\r\n";
    const continued = new Promise<void>((resolve) => {
      const onData = (chunk: string) => {
        received += chunk;
        if (received.includes(CONTINUE)) {
          socket.off("data", onData);
          received = received.slice(received.indexOf(CONTINUE) + CONTINUE.length);
          resolve();
        }
      };
      socket.on("data", onData);
    });
    // Expect: 100-continue makes the server say when it has the request head: the request is then in flight.
    socket.write(
      `PUT /v1/sites/local/namespaces/default/values/upload HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${emu.started.token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${value.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await continued;
    await new Promise<void>((resolve, reject) => socket.write(value.subarray(0, value.length / 2), (e) => (e ? reject(e) : resolve())));

    emu.child.kill("SIGTERM");
    // The server stops listening at once: new connections are refused while the upload is still open.
    await untilRefused(emu.started.apiUrl);
    expect(emu.child.exitCode).toBeNull();

    const answered = new Promise<string>((resolve) => {
      const onData = (chunk: string) => {
        received += chunk;
        const head = received.indexOf("\r\n\r\n");
        const length = /content-length: (\d+)/i.exec(received)?.[1];
        if (head >= 0 && length !== undefined && received.length >= head + 4 + Number(length)) {
          socket.off("data", onData);
          resolve(received);
        }
      };
      socket.on("data", onData);
    });
    socket.write(value.subarray(value.length / 2));
    const text = await answered;
    const head = text.slice(0, text.indexOf("\r\n\r\n"));
    const headers = Object.fromEntries(
      head
        .split("\r\n")
        .slice(1)
        .map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
    );
    return { socket, statusLine: head.split("\r\n")[0], headers, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  }

  it("on SIGTERM, finishes an upload in flight (200, value stored), then exits 0", async () => {
    const emu = await startEmulator();
    const value = Buffer.alloc(256 * 1024, 0x61);
    value.write("start", 0);
    value.write("end", value.length - 3);
    const { socket, statusLine, body } = await uploadAcrossSigterm(emu, value);
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(JSON.parse(body)).toEqual({ version: "00000000000000000001", region: "iad" });
    // The client is done and hangs up (the server would otherwise hold the keep-alive connection: see below).
    socket.end();
    expect(await emu.exited).toEqual({ code: 0, signal: null });
    expect(emu.stderr()).toContain("Emulator stopped; every request in flight was answered.");
    // Nothing was lost: the whole value is in the store.
    const stored = emu.ok(await emu.local(["kv", "get", "upload"]));
    expect(stored.stdout.equals(value)).toBe(true);
  });

  // BUG: after SIGTERM (ApiServer.stop()), the answer to a request in flight still says "Connection:
  // keep-alive", and the server keeps that connection open: the process exits only when the client hangs
  // up or the 5 s keep-alive timeout passes (about 6 s), not when its last request is answered. Repro: the
  // test above without socket.end(): the process exits ~6 s after the 200. stop() calls
  // closeIdleConnections() once, before the in-flight request has finished.
  it("after SIGTERM, the answer to a request in flight closes its connection", async () => {
    const emu = await startEmulator();
    const { statusLine, headers } = await uploadAcrossSigterm(emu, Buffer.alloc(64 * 1024, 0x62));
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(headers.connection).toBe("close");
  });

  it("prints YOURSPACE_API_URL= and YOURSPACE_TOKEN= lines without --json, accepts --token, and stops on SIGINT", async () => {
    const cwd = tempDir();
    const emu = spawnCli(
      ["--data-dir", join(cwd, "data"), "--token", "dev-token-123", "kv", "emulator", "start", "--port", "0"],
      { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: join(cwd, "data") },
      cwd,
    );
    const urlLine = await emu.nextLine();
    const tokenLine = await emu.nextLine();
    expect(urlLine).toMatch(/^YOURSPACE_API_URL=http:\/\/127\.0\.0\.1:\d+$/);
    expect(tokenLine).toBe("YOURSPACE_TOKEN=dev-token-123");
    const apiUrl = urlLine.slice("YOURSPACE_API_URL=".length);
    const who = await request(`${apiUrl}/v1/whoami`, { headers: { authorization: "Bearer dev-token-123" } });
    expect(who.statusCode).toBe(200);
    expect(await who.body.json()).toMatchObject({ site: "local" });
    emu.child.kill("SIGINT");
    expect(await emu.exited).toEqual({ code: 0, signal: null });
    expect(emu.stderr()).not.toMatch(/^! /m);
  });

  // BUG: `kv emulator start` prints its ready line (the JSON, or YOURSPACE_API_URL=…) before it installs its
  // SIGINT/SIGTERM handlers (src/commands/serve.ts), so a supervisor that stops it as soon as it has read the
  // URL kills it outright: exit by signal, no graceful stop, requests in flight lost. Each attempt below loses
  // that race most of the time on this machine (standalone repro: spawn `yourspace kv emulator start --port 0
  // --json`, send SIGTERM when the first line arrives, look at the exit: killed by SIGTERM in ~6 of 10 runs).
  // The fix is to install the handlers before printing. Eight attempts make a false pass very unlikely.
  it("stops gracefully on a SIGTERM sent as soon as the ready line is printed", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const cwd = tempDir();
        const emu = spawnCli(
          ["--data-dir", join(cwd, "data"), "kv", "emulator", "start", "--port", "0", "--json"],
          { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: join(cwd, "data") },
          cwd,
        );
        emu.child.stdout.once("data", () => emu.child.kill("SIGTERM"));
        return emu.exited;
      }),
    );
    expect(outcomes).toEqual(Array.from({ length: 8 }, () => ({ code: 0, signal: null })));
  });

  it("warns on stderr when listening on a non-loopback host (allowed with --allow-remote)", async () => {
    const emu = await startEmulator(["--host", "0.0.0.0", "--allow-remote"]);
    expect(emu.started.apiUrl).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const port = new URL(emu.started.apiUrl).port;
    const who = await request(`http://127.0.0.1:${port}/v1/whoami`, { headers: { authorization: `Bearer ${emu.started.token}` } });
    expect(who.statusCode).toBe(200);
    await who.body.dump();
    emu.child.kill("SIGTERM");
    expect(await emu.exited).toEqual({ code: 0, signal: null });
    // Started with --json: the warning is a JSON line, like everything on its stderr.
    expect(emu.stderr()).toContain(
      '{"warning":"Listening on 0.0.0.0: other machines can reach this emulator. Anyone with the token can read and write its data."}',
    );
  });

  it("does not warn on the loopback default", async () => {
    const emu = await startEmulator();
    emu.ok(await emu.remote(["kv", "ls"]));
    emu.child.kill("SIGTERM");
    expect(await emu.exited).toEqual({ code: 0, signal: null });
    expect(emu.stderr()).not.toContain("other machines can reach");
  });

  it("exits 2 with a clear message when --port is in use", async () => {
    // Something else (the outside world) holds a loopback port.
    const holder = createServer();
    holder.listen(0, "127.0.0.1");
    await once(holder, "listening");
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as AddressInfo).port;
    const cwd = tempDir();
    const r = await runBin(["--data-dir", join(cwd, "data"), "kv", "emulator", "start", "--port", String(port)], {
      cwd,
      env: { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: join(cwd, "data") },
    });
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.stderr).toContain(`✖ Port ${port} is already in use.`);
    expect(r.stderr).toContain("  Choose another with --port, or --port 0 for any free port.");
    const json = await runBin(["--data-dir", join(cwd, "data"), "kv", "emulator", "start", "--port", String(port), "--json"], {
      cwd,
      env: { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: join(cwd, "data") },
    });
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('{"error":{"code":"USAGE","message":"Port');
  });

  it("refuses a port that is not a number with exit 2", async () => {
    const cwd = tempDir();
    const r = await runBin(["--data-dir", join(cwd, "data"), "kv", "emulator", "start", "--port", "99999"], {
      cwd,
      env: { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_DATA_DIR: join(cwd, "data") },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port "99999" is not a port number.');
  });
});

import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { startServerThread, type ServerThreadOptions } from "../../src/server/server-thread.js";
import { KvError } from "../../src/core/errors.js";
import { tempDir } from "../support/cli.js";

/**
 * `kv emulator start` runs the server in a worker thread (src/server/server-thread.ts). These tests start
 * that thread on the built bundle, as the binary does, and on small thread scripts standing in for a
 * thread that dies, to see that the main thread hears of it. Build first: node scripts/build.mjs.
 */

const BUNDLE = resolve(import.meta.dirname, "../../dist/cli.cjs");

function options(extra: Partial<ServerThreadOptions> = {}): ServerThreadOptions {
  return { dataDir: join(tempDir(), "data"), host: "127.0.0.1", port: 0, site: "local", ...extra };
}

/** A file in `dir`, so that a path under it cannot be a directory. */
function writeFileIn(dir: string): string {
  const file = join(dir, "a-file");
  writeFileSync(file, "");
  return file;
}

/** A thread script in a file of its own: what it does stands in for the server's thread. */
function threadScript(body: string): string {
  const file = join(tempDir(), "thread.cjs");
  writeFileSync(file, `const { parentPort } = require("node:worker_threads");\n${body}\n`);
  return file;
}

describe("the server thread", () => {
  it("serves the API from the bundle with the token asked for, and stops when told", async () => {
    const thread = await startServerThread(options({ token: "thread-token-1" }), { entry: BUNDLE });
    expect(thread.token).toBe("thread-token-1");
    const who = await request(`${thread.url}/v1/whoami`, { headers: { authorization: "Bearer thread-token-1" } });
    expect(who.statusCode).toBe(200);
    expect(await who.body.json()).toMatchObject({ site: "local" });
    await thread.stop();
    // On a connection of its own: the one above, kept alive, may still be in undici's pool, closed by
    // the server ("other side closed"); a new one finds nothing listening.
    const fresh = new Agent();
    await expect(request(`${thread.url}/v1/whoami`, { dispatcher: fresh })).rejects.toThrow(/ECONNREFUSED/);
    await fresh.close();
  });

  it("start failures are catalogue errors with a next step: an address not of this machine, a host that does not resolve, a data directory under a file", async () => {
    const cases: [Partial<ServerThreadOptions>, { code: string; message: RegExp; hint: RegExp }][] = [
      [
        { host: "203.0.113.1" },
        {
          code: "USAGE",
          message: /^203\.0\.113\.1 is not an address of this machine, so the emulator cannot listen on it \(listen EADDRNOTAVAIL/,
          hint: /Listen on an address this machine has/,
        },
      ],
      [
        { host: "no-such-host.invalid" },
        {
          code: "USAGE",
          message: /^The host "no-such-host\.invalid" is neither an IP address nor a name this machine can resolve/,
          hint: /Give an IP address/,
        },
      ],
      [
        { dataDir: join(writeFileIn(tempDir()), "data") },
        {
          code: "DATA_DIR_UNUSABLE",
          message: /^The data directory .* cannot be used: a part of its path, .*a-file, is a file/,
          hint: /choose another data directory/,
        },
      ],
      [{ token: "has a space" }, { code: "USAGE", message: /^A token must be 1 to 1024 characters/, hint: /Let one be made/ }],
    ];
    for (const [extra, expected] of cases) {
      const err = (await startServerThread(options(extra), { entry: BUNDLE }).catch((e: unknown) => e)) as KvError;
      expect(err, JSON.stringify(extra)).toBeInstanceOf(KvError);
      expect(err.code, err.message).toBe(expected.code);
      expect(err.message).toMatch(expected.message);
      expect(err.hint).toMatch(expected.hint);
    }
  });

  it("passes on a refusal as the same KvError: a port in use", async () => {
    const first = await startServerThread(options(), { entry: BUNDLE });
    const port = Number(new URL(first.url).port);
    const refused = await startServerThread(options({ port }), { entry: BUNDLE }).catch((e: unknown) => e);
    await first.stop();
    expect(refused).toBeInstanceOf(KvError);
    expect(refused).toMatchObject({
      code: "USAGE",
      message: `Port ${port} is already in use.`,
      hint: "Choose another port, or port 0 for any free port.",
    });
  });

  it("creates the thread's heap with a 16 MB young generation, whatever the main thread's", async () => {
    const file = threadScript(`
      const space = require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
      parentPort.postMessage({ type: "ready", url: String(space.space_size), token: "" });
      parentPort.once("message", () => parentPort.close());`);
    const thread = await startServerThread(options(), { entry: file });
    await thread.stop();
    expect(Number(thread.url)).toBe(16 * 1024 * 1024);
  });

  it("rejects the start with the error that ends a thread before it is ready, as a catalogue error", async () => {
    const file = threadScript(`throw new Error("the store could not be opened");`);
    const err = await startServerThread(options(), { entry: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvError);
    expect(err).toMatchObject({ code: "UNAVAILABLE", message: "The emulator could not start: the store could not be opened." });
  });

  it("whatever a thread throws reaches the main thread in words, never as [object Object]", async () => {
    const thrown: [string, string][] = [
      ['throw { code: "EACCES", errno: -13 };', "{ code: 'EACCES', errno: -13 }"],
      ['throw "a plain string";', "a plain string"],
      ["throw null;", "null"],
      ["throw undefined;", "undefined"],
      ['throw { message: "an object with a message" };', "an object with a message"],
      ['Promise.reject({ reason: "unhandled" });', "This error originated"],
    ];
    for (const [body, words] of thrown) {
      const err = (await startServerThread(options(), { entry: threadScript(body) }).catch((e: unknown) => e)) as KvError;
      expect(err, body).toBeInstanceOf(KvError);
      expect(err.code, body).toBe("UNAVAILABLE");
      expect(err.message, body).toContain(words);
      expect(err.message, body).not.toContain("[object Object]");
      expect(err.hint, body).toMatch(/Start it again/);
    }
  });

  it("settles `ended` when a running thread ends without being asked", async () => {
    const file = threadScript(`
      parentPort.postMessage({ type: "ready", url: "http://127.0.0.1:1", token: "t" });
      parentPort.close();`);
    const thread = await startServerThread(options(), { entry: file });
    await expect(thread.ended).rejects.toThrow("The emulator's server stopped: the server thread ended with exit code 0.");
  });

  it("rejects stop() when the thread exits with a failure code while stopping", async () => {
    const file = threadScript(`
      parentPort.postMessage({ type: "ready", url: "http://127.0.0.1:1", token: "t" });
      parentPort.once("message", () => process.exit(3));`);
    const thread = await startServerThread(options(), { entry: file });
    await expect(thread.stop()).rejects.toThrow("The emulator's server stopped: the server thread ended with exit code 3.");
  });

  it("rejects stop() when the thread fails while stopping", async () => {
    const file = threadScript(`
      parentPort.postMessage({ type: "ready", url: "http://127.0.0.1:1", token: "t" });
      parentPort.once("message", () => { throw new Error("the ledger could not be written"); });`);
    const thread = await startServerThread(options(), { entry: file });
    await expect(thread.stop()).rejects.toThrow("the ledger could not be written");
  });
});

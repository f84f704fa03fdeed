import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runBin, tempDir } from "../support/cli.js";
import { apiServer } from "../support/gate.js";
import { THREAD_ARGUMENT } from "../../src/core/bundle-entry.js";

/**
 * What a fresh process loads to run a command that needs none of these Node modules. Each costs every
 * start-up milliseconds (bench/startup.sh measures the whole), so they are loaded on first use.
 */
const LOADED_ON_FIRST_USE = [
  "NativeModule crypto",
  "NativeModule child_process",
  "NativeModule internal/fs/promises",
  // Only a worker thread asks about threads (src/main.ts); only colour needs to know about terminals (chalk).
  "NativeModule worker_threads",
  "NativeModule tty",
  // Output to a pipe (these tests run the binary with pipes) is written without Node's streams (src/terminal/standard-output.ts).
  "NativeModule stream",
  "NativeModule net",
];

/**
 * Runs the built binary with a preload that writes, as the process exits, what it loaded: Node's own
 * modules, then the files it required.
 */
async function loadedBy(argv: string[], dir: string, env: Record<string, string> = {}, bin?: string): Promise<{ modules: string[]; files: string[] }> {
  const list = join(dir, "loaded.json");
  const preload = join(dir, "record-loaded.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, JSON.stringify({ modules: process.moduleLoadList, files: Object.keys(require.cache) })));\n`,
  );
  const result = await runBin(argv, { cwd: dir, env: { YOURSPACE_DATA_DIR: join(dir, "data"), NODE_OPTIONS: `--require ${preload}`, ...env }, bin });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(readFileSync(list, "utf8")) as { modules: string[]; files: string[] };
}

const modulesLoadedBy = async (argv: string[], dir: string): Promise<string[]> => (await loadedBy(argv, dir)).modules;

/**
 * A copy of the binary and its bundle (its libraries linked), so that no other test's process writes
 * its code cache meanwhile; with the cache the build wrote, or none.
 */
function binaryCopy(withBuiltCache: boolean): string {
  const root = tempDir();
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist"));
  const repo = join(dirname(BIN), "..");
  const files = ["bin/yourspace", "bin/compile-cache.cjs", "dist/cli.cjs", "dist/undici.cjs", ...(withBuiltCache ? ["dist/cli.cjs.v8cache"] : [])];
  for (const file of files) copyFileSync(join(repo, file), join(root, file));
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
  return root;
}

/** The code cache is written whole and renamed into place: a new inode is a rewrite. */
const codeCacheInode = (root: string) => statSync(join(root, "dist/cli.cjs.v8cache")).ino;

describe("start-up", () => {
  it("kv get and kv set on the embedded store load neither crypto, child processes, the promise file API nor Node's streams", async () => {
    const dir = tempDir();
    await runBin(["kv", "set", "flags/a", "on", "--quiet"], { cwd: dir, env: { YOURSPACE_DATA_DIR: join(dir, "data") } });
    // A value given on the command line: stdin is never made.
    for (const argv of [
      ["kv", "get", "flags/a", "--quiet"],
      ["kv", "set", "flags/a", "off", "--quiet"],
    ]) {
      const loaded = await modulesLoadedBy(argv, dir);
      // The preload itself ran: the list is Node's, not empty.
      expect(loaded).toContain("NativeModule vm");
      expect(
        loaded.filter((m) => LOADED_ON_FIRST_USE.includes(m)),
        argv.join(" "),
      ).toEqual([]);
    }
  });

  it("libraries loaded on demand come through require(), never through Node's ES module loader", async () => {
    // That loader loads modules of its own and scans a CommonJS package's source before it runs it:
    // 12 ms on a kv get in a project, when it loaded jsonc-parser that way (scripts/build.mjs).
    const ES_MODULE_LOADER = "NativeModule internal/modules/esm/translators";
    const dir = tempDir();
    writeFileSync(join(dir, "yourspace.jsonc"), '{ "routes": [] } // a project\n');
    writeFileSync(join(dir, "in.json"), '[{ "key": "flags/a", "value": "on" }]\n');
    const imported = await loadedBy(["kv", "import", "in.json", "--quiet"], dir);
    expect(imported.files.some((f) => f.includes("/node_modules/stream-json/"))).toBe(true);
    const read = await loadedBy(["kv", "get", "flags/a", "--quiet"], dir);
    for (const { modules } of [imported, read]) expect(modules).not.toContain(ES_MODULE_LOADER);
  });

  it("--version loads none of them either", async () => {
    const loaded = await modulesLoadedBy(["--version"], tempDir());
    expect(loaded.filter((m) => LOADED_ON_FIRST_USE.includes(m))).toEqual([]);
  });

  it("installed in a project whose node_modules hoisted better-sqlite3, the CLI still finds SQLite's addon", async () => {
    // The addon is looked for beside the bundle first (src/emulator/store/store-file.ts), then as Node resolves it.
    const project = tempDir();
    const installed = join(project, "node_modules", "yourspace");
    mkdirSync(join(installed, "bin"), { recursive: true });
    mkdirSync(join(installed, "dist"));
    const repo = join(dirname(BIN), "..");
    for (const file of ["bin/yourspace", "bin/compile-cache.cjs", "dist/cli.cjs"]) copyFileSync(join(repo, file), join(installed, file));
    symlinkSync(join(repo, "node_modules", "better-sqlite3"), join(project, "node_modules", "better-sqlite3"));
    const env = { YOURSPACE_DATA_DIR: join(project, "data") };
    const bin = join(installed, "bin/yourspace");
    const set = await runBin(["kv", "set", "flags/a", "on", "--quiet"], { cwd: project, env, bin });
    expect(set.code, set.stderr).toBe(0);
    const get = await runBin(["kv", "get", "flags/a"], { cwd: project, env, bin });
    expect([get.code, get.out]).toEqual([0, "on"]);
  });

  it("the argument worker threads are started with is, typed at a shell, an unknown command", async () => {
    const result = await runBin([THREAD_ARGUMENT], { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`unknown command '${THREAD_ARGUMENT}'`);
  });

  it("a command against the API loads undici from its bundle, whose code cache the first such command writes and the next reads; not HTTP/2, TLS or crypto for plain HTTP", async () => {
    const root = binaryCopy(false);
    const { url, token } = await apiServer();
    const env = { YOURSPACE_API_URL: url, YOURSPACE_TOKEN: token };
    const bin = join(root, "bin/yourspace");
    const first = await loadedBy(["kv", "ls", "--quiet"], root, env, bin);
    // None of undici's own files: its entry point would load fetch, WebSocket and the mocks, each a cost at every start.
    expect(first.files.filter((f) => f.includes("/node_modules/undici/"))).toEqual([]);
    // Nor its HTTP/2 half, which would load Node's http2, tls and crypto; a read makes no idempotency key.
    expect(first.modules.filter((m) => ["NativeModule http2", "NativeModule tls", "NativeModule crypto"].includes(m))).toEqual([]);
    const written = statSync(join(root, "dist/undici.cjs.v8cache")).ino;
    await loadedBy(["kv", "ls", "--quiet"], root, env, bin);
    // A cache V8 rejected (made with other flags) would have been written again.
    expect(statSync(join(root, "dist/undici.cjs.v8cache")).ino).toBe(written);
  });

  it("a command against the API and one on the embedded store share V8's code cache: neither rewrites it", async () => {
    const root = binaryCopy(false);
    const { url, token } = await apiServer();
    const run = async (api: boolean) => {
      const env = { YOURSPACE_DATA_DIR: join(root, "data"), ...(api && { YOURSPACE_API_URL: url, YOURSPACE_TOKEN: token }) };
      const r = await runBin(["kv", "ls", "--quiet"], { cwd: root, env, bin: join(root, "bin/yourspace") });
      expect(r.code, r.stderr).toBe(0);
    };
    await run(false);
    const written = codeCacheInode(root);
    await run(true);
    await run(false);
    expect(codeCacheInode(root)).toBe(written);
  });

  it("the build writes the code cache, and commands use it as it is", async () => {
    const root = binaryCopy(true);
    const built = codeCacheInode(root);
    for (const argv of [["kv", "set", "flags/a", "on"], ["kv", "get", "flags/a"], ["--version"]]) {
      const r = await runBin([...argv, "--quiet"], { cwd: root, env: { YOURSPACE_DATA_DIR: join(root, "data") }, bin: join(root, "bin/yourspace") });
      expect(r.code, r.stderr).toBe(0);
    }
    // A cache V8 rejected (made by another Node, or for another bundle) would have been written again.
    expect(codeCacheInode(root)).toBe(built);
  });

  it("the build's run of the commonest commands writes the cache and leaves no store behind", async () => {
    const root = binaryCopy(false);
    const tmp = tempDir();
    const r = await runBin(["__code-cache"], { cwd: root, env: { TMPDIR: tmp }, bin: join(root, "bin/yourspace") });
    expect([r.code, r.stdout.length, r.stderr]).toEqual([0, 0, ""]);
    expect(statSync(join(root, "dist/cli.cjs.v8cache")).size).toBeGreaterThan(0);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

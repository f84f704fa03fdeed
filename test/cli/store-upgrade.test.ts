import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import { cliSession, runCli } from "../support/cli.js";
import { devProject } from "../support/dev-process.js";

/**
 * A store an earlier version made is migrated when a command first opens it, holding the write lock
 * meanwhile: seconds at millions of keys. The command says so first, so nobody mistakes it for a hang,
 * as a note (silenced by --quiet, a JSON line under --json), and only that once.
 */
/** Turns the store in `dataDir` back into the layout before migration 7: no stored-key count, no index of dead rows. */
function downgradeStore(dataDir: string): void {
  const db = new BetterSqlite3(join(dataDir, STORE_FILE));
  db.exec("ALTER TABLE namespaces DROP COLUMN stored_keys; DROP INDEX entries_by_death; PRAGMA user_version = 6");
  db.close();
}

/** Runs a command that serves until stopped, in process: stops it once its first stdout line (it is ready) is out. */
function serveUntilReady(argv: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const stop = new AbortController();
  return runCli(argv, { cwd, env, signal: stop.signal, onStdout: () => stop.abort("SIGTERM") });
}

describe("opening a store an earlier version made", () => {
  it("says it is upgrading the store, once, then answers as before", async () => {
    const { run, cwd } = cliSession();
    const dataDir = join(cwd, "data");
    expect((await run(["--data-dir", dataDir, "kv", "set", "flag", "on", "--quiet"])).code).toBe(0);
    const downgrade = () => downgradeStore(dataDir);
    downgrade();
    const first = await run(["--data-dir", dataDir, "kv", "get", "flag"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.out).toBe("on");
    expect(first.stderr).toContain(`Upgrading the store in ${dataDir} to this version's layout`);

    const again = await run(["--data-dir", dataDir, "kv", "get", "flag"]);
    expect(again.out).toBe("on");
    expect(again.stderr).not.toContain("Upgrading");

    downgrade();
    const json = await run(["--data-dir", dataDir, "kv", "get", "flag", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const lines = json.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { note?: string });
    expect(lines.some((l) => l.note?.startsWith("Upgrading the store"))).toBe(true);

    downgrade();
    const quiet = await run(["--data-dir", dataDir, "kv", "get", "flag", "--quiet"]);
    expect(quiet.out).toBe("on");
    expect(quiet.stderr).toBe("");
  });

  it("says nothing when it makes a new store", async () => {
    const { run, cwd } = cliSession();
    const made = await run(["--data-dir", join(cwd, "new"), "kv", "set", "flag", "on"]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).not.toContain("Upgrading");
  });

  it("is said by the emulator's server and by dev, which open the store in their own way", async () => {
    const { run, cwd } = cliSession();
    const dataDir = join(cwd, "data");
    expect((await run(["--data-dir", dataDir, "kv", "set", "flag", "on", "--quiet"])).code).toBe(0);
    downgradeStore(dataDir);
    const server = await serveUntilReady(["kv", "emulator", "start", "--port", "0", "--data-dir", dataDir], cwd);
    expect(server.code, server.stderr).toBe(0);
    expect(server.stderr).toContain(`Upgrading the store in ${dataDir} to this version's layout`);

    const project = devProject({ "yourspace.jsonc": "{}" });
    expect((await project.kv("set", "flag", "on", "--quiet")).code).toBe(0);
    downgradeStore(project.dataDir);
    const dev = await serveUntilReady(["dev", "--port", "0", "--no-browser"], project.dir, project.env);
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stderr).toContain(`Upgrading the store in ${project.dataDir} to this version's layout`);
    const again = await serveUntilReady(["dev", "--port", "0", "--no-browser"], project.dir, project.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("Upgrading");
  });
});

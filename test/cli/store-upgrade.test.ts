import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import { cliSession } from "../support/cli.js";

/**
 * A store an earlier version made is migrated when a command first opens it, holding the write lock
 * meanwhile: seconds at millions of keys. The command says so first, so nobody mistakes it for a hang,
 * as a note (silenced by --quiet, a JSON line under --json), and only that once.
 */
describe("opening a store an earlier version made", () => {
  it("says it is upgrading the store, once, then answers as before", async () => {
    const { run, cwd } = cliSession();
    const dataDir = join(cwd, "data");
    expect((await run(["--data-dir", dataDir, "kv", "set", "flag", "on", "--quiet"])).code).toBe(0);
    const downgrade = () => {
      // The layout before migration 7: no stored-key count, no index of dead rows.
      const db = new BetterSqlite3(join(dataDir, STORE_FILE));
      db.exec("ALTER TABLE namespaces DROP COLUMN stored_keys; DROP INDEX entries_by_death; PRAGMA user_version = 6");
      db.close();
    };
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
});

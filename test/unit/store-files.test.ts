import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KvError } from "../../src/core/errors.js";
import { MAX_STORE_PATH_BYTES } from "../../src/emulator/store/unfit-places.js";
import { READ_SIDE_TABLES, USER_STATE_TABLES } from "../../src/emulator/store/read-only.js";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import { openStore } from "../../src/emulator/store/store.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

const mode = (path: string) => statSync(path).mode & 0o777;

function refusal(dataDir: string): KvError {
  try {
    openStore({ dataDir, now: T0 }).close();
  } catch (e) {
    expect(e).toBeInstanceOf(KvError);
    return e as KvError;
  }
  throw new Error(`${dataDir} was opened`);
}

describe("the files of a new store are the owner's alone", () => {
  it("creates the directory 0700 and kv.sqlite, its -wal and -shm, and .gitignore 0600", () => {
    const dataDir = join(tempDir(), "a", "b", ".yourspace");
    const db = openStore({ dataDir, now: T0 });
    try {
      db.prepare("INSERT INTO settings (name, value) VALUES ('x', '1')").run();
      expect(mode(dataDir)).toBe(0o700);
      for (const file of [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`, ".gitignore"]) expect(mode(join(dataDir, file)), file).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it("leaves an existing directory and store with the modes their owner gave them", () => {
    const dataDir = join(tempDir(), "shared");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    openStore({ dataDir, now: T0 }).close();
    expect(mode(dataDir)).toBe(0o755);
    expect(mode(join(dataDir, STORE_FILE))).toBe(0o600);
    chmodSync(join(dataDir, STORE_FILE), 0o640);
    openStore({ dataDir, now: T0 }).close();
    expect(mode(join(dataDir, STORE_FILE))).toBe(0o640);
  });
});

describe("a data directory that cannot hold a store is refused at once, with the reason", () => {
  /** A directory whose store's path is exactly `bytes` long. */
  function pathOf(bytes: number): string {
    let dir = tempDir();
    const room = bytes - dir.length - 1 - STORE_FILE.length;
    for (let left = room; left > 0; ) {
      const part = Math.min(left - 1, 200);
      dir = join(dir, "d".repeat(Math.max(1, part)));
      left -= Math.max(1, part) + 1;
    }
    expect(join(dir, STORE_FILE).length).toBe(bytes);
    return dir;
  }

  it(`opens a store whose path is ${MAX_STORE_PATH_BYTES} bytes, SQLite's longest, and refuses one byte more`, () => {
    openStore({ dataDir: pathOf(MAX_STORE_PATH_BYTES), now: T0 }).close();
    const e = refusal(pathOf(MAX_STORE_PATH_BYTES + 1));
    expect(e.code).toBe("DATA_DIR_UNUSABLE");
    expect(e.message).toContain(`at most ${MAX_STORE_PATH_BYTES} bytes`);
  });

  it.each([
    ["a file", (dir: string) => (writeFileSync(join(dir, "x"), ""), join(dir, "x")), /it is a file, not a directory/],
    ["under a file", (dir: string) => (writeFileSync(join(dir, "x"), ""), join(dir, "x", "y")), /a part of its path, .*\/x, is a file/],
    [
      "a dangling symbolic link",
      (dir: string) => (symlinkSync(join(dir, "gone"), join(dir, "x")), join(dir, "x")),
      /symbolic link to .*gone, which does not exist/,
    ],
    ["a symbolic link to itself", (dir: string) => (symlinkSync(join(dir, "x"), join(dir, "x")), join(dir, "x")), /leads back to itself/],
    [
      "under a dangling symbolic link",
      (dir: string) => (symlinkSync(join(dir, "gone"), join(dir, "x")), join(dir, "x", "y")),
      /a part of its path, .*\/x, is a symbolic link to .*gone, which does not exist/,
    ],
    ["a name longer than the file system allows", (dir: string) => join(dir, "n".repeat(300)), /a name in its path is longer/],
    [
      "holding a directory named kv.sqlite",
      (dir: string) => (mkdirSync(join(dir, "x", STORE_FILE), { recursive: true }), join(dir, "x")),
      /kv\.sqlite in it is a directory/,
    ],
    ["a device", () => "/dev/null", /it is a device, not a directory/],
    ["in /proc", () => "/proc/yourspace-test/.yourspace", /procfs/],
    ["/proc itself", () => "/proc", /procfs/],
    ["in /sys", () => "/sys/kernel/yourspace", /sysfs/],
  ])("%s", (_name, make, message) => {
    const e = refusal(make(tempDir()));
    expect(e.code).toBe("DATA_DIR_UNUSABLE");
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
  });
});

describe("a read-only store refuses writes to what users see, and only that", () => {
  it("classifies every table of the schema as user state or as what reads write", () => {
    const db = openStore({ dataDir: ":memory:", now: T0 });
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]).sort();
    db.close();
    const classified = [...USER_STATE_TABLES, ...READ_SIDE_TABLES].sort();
    expect(new Set(classified).size, "a table is in both lists").toBe(classified.length);
    expect(classified).toEqual(tables);
  });
});

describe("finding the data directory", () => {
  it("takes the nearest .yourspace directory above, and passes over a file of that name", async () => {
    const { resolveDataDir } = await import("../../src/project/data-dir.js");
    const root = tempDir();
    mkdirSync(join(root, ".yourspace"));
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(join(root, "a", ".yourspace"), "a tool's settings, not a store");
    expect(resolveDataDir(undefined, {}, join(root, "a", "b"))).toBe(join(root, ".yourspace"));
  });
});

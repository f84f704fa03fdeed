import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { expect } from "vitest";
import { ERROR_EXIT, type ErrorCode } from "../../src/core/errors.js";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";
import type { RunResult } from "./cli.js";

/** The commands every broken environment is tried with: reads and writes, data and administration. */
export function commandsOver(importFile: string): string[][] {
  return [
    ["kv", "get", "k"],
    ["kv", "set", "k", "v"],
    ["kv", "ls"],
    ["kv", "ls", "--all"],
    ["kv", "rm", "k"],
    ["kv", "import", importFile],
    ["kv", "export"],
    ["kv", "usage"],
    ["kv", "inspect", "k"],
    ["kv", "namespace", "ls"],
    ["kv", "namespace", "create", "other"],
    ["kv", "emulator", "status"],
    ["kv", "emulator", "clock", "manual"],
  ];
}

/**
 * Asserts a failure of the environment as a script sees it: the catalogued code's exit code (never
 * 1), a hint, no stack trace, nothing on stdout; under --json every stderr line is a JSON object and
 * the last is the error.
 */
export function expectEnvironmentFailure(r: RunResult, json: boolean, expected: ErrorCode, message?: RegExp): void {
  const context = `stderr: ${r.stderr}`;
  expect(r.stdout.length, `stdout should be empty, got: ${r.out.slice(0, 200)}`).toBe(0);
  expect(r.stderr, context).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(r.stderr, context).not.toMatch(/This is a bug/);
  let code: string;
  let text: string;
  let hint: string | null;
  if (json) {
    const lines = r.stderr.trimEnd().split("\n");
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a stderr line under --json is not JSON: ${line}`);
      }
    });
    const error = parsed.at(-1)!.error as { code: string; message: string; hint: string | null };
    expect(error, context).toBeDefined();
    ({ code, message: text, hint } = error);
  } else {
    const lines = r.stderr.split("\n");
    const at = lines.findIndex((l) => l.startsWith("✖ "));
    expect(at, context).toBeGreaterThanOrEqual(0);
    text = lines[at]!.slice(2);
    hint = lines[at + 1]?.startsWith("  ") ? lines[at + 1]!.trim() : null;
    code = expected;
  }
  expect(code, context).toBe(expected);
  expect(r.code, context).toBe(ERROR_EXIT[expected]);
  expect(r.code, context).not.toBe(1);
  expect(hint, context).toBeTruthy();
  if (message) expect(text, context).toMatch(message);
}

/**
 * Damages every page of a closed store but the first: the schema's header survives, so the store
 * opens, and the damage is found by the command's first read.
 */
export function corruptAllButTheHeader(dataDir: string): void {
  const file = join(dataDir, STORE_FILE);
  const db = new BetterSqlite3(file);
  db.pragma("wal_checkpoint(TRUNCATE)");
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const pages = db.pragma("page_count", { simple: true }) as number;
  db.close();
  const fd = openSync(file, "r+");
  for (let page = 2; page <= pages; page++) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
}

/**
 * Damages the last leaf, in key order, of home's index by key: reads of the last keys reach it, reads
 * of other keys work, a full listing (which walks that index) finds it.
 */
export function corruptLastEntriesPage(dataDir: string): void {
  corruptPages(dataDir, "SELECT pageno FROM dbstat WHERE name = 'entries_by_key' AND pagetype = 'leaf' ORDER BY path DESC LIMIT 1");
}

/** Damages every page of the audit log (its table and index): data is read well, the log is not written. */
export function corruptAuditLog(dataDir: string): void {
  corruptPages(dataDir, "SELECT pageno FROM dbstat WHERE name IN ('audit', 'audit_by_site_time')");
}

function corruptPages(dataDir: string, pagesQuery: string): void {
  const file = join(dataDir, STORE_FILE);
  const db = new BetterSqlite3(file);
  db.pragma("wal_checkpoint(TRUNCATE)");
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const pages = db.prepare(pagesQuery).pluck().all() as number[];
  db.close();
  const fd = openSync(file, "r+");
  for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
}

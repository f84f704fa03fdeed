import { writeFileSync } from "node:fs";

/**
 * Import files written in this process: what bench/make-import-file.mjs writes, without the
 * node process it would take to run it (about 0.1 s of CPU a file before it writes a line).
 */

interface BenchEntry {
  key: string;
  value: Buffer;
  metadata: Record<string, unknown> | null;
}

/** Entry i of bench/make-import-file.mjs's file (kept in step with it): one in 16 binary, metadata on one in 5. */
export function benchEntry(i: number): BenchEntry {
  const key = `flags/${String(i).padStart(8, "0")}`;
  if (i % 16 === 0) return { key, value: Buffer.from(Array.from({ length: 48 }, (_, j) => (i + j * 7) % 256)), metadata: null };
  return { key, value: Buffer.from(`value-${i}-${"x".repeat(i % 100)}`), metadata: i % 5 === 0 ? { owner: "web", n: i } : null };
}

/** Writes the first `n` entries of bench/make-import-file.mjs's ndjson file to `path`, line for line the same. */
export function writeBenchImportFile(path: string, n: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const { key, value, metadata } = benchEntry(i);
    const entry = i % 16 === 0 ? { key, value: value.toString("base64"), base64: true } : { key, value: value.toString(), ...(metadata ? { metadata } : {}) };
    lines.push(`${JSON.stringify(entry)}\n`);
  }
  writeFileSync(path, lines.join(""));
}

/** Writes `n` one-byte entries, `${prefix}00000000` on: for tests where keys count and their values do not. */
export function writeSmallImportFile(path: string, n: number, prefix: string): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`{"key":"${prefix}${String(i).padStart(8, "0")}","value":"v"}\n`);
  writeFileSync(path, lines.join(""));
}

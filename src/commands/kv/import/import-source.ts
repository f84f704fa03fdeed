import { createReadStream, createWriteStream, mkdtempSync } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseWireEntry, type BulkEntry } from "../../../core/bulk.js";
import { errors, KvError } from "../../../core/errors.js";
import { describeErrno } from "../../../core/system-errors.js";
import { MAX_ENTRY_TEXT_BYTES } from "./entry-text-limit.js";
import { ImportTextError, JsonTextGuard } from "./json-text-guard.js";
import { readLines, type ByteRange } from "./ndjson-lines.js";
import { formatNumber as n } from "../../../core/numbers.js";

export const IMPORT_FORMATS = ["ndjson", "json", "object"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One entry of an import file, or why it is not one; `where` says where it is, for the report. */
export type SourceItem = { where: string; entry: BulkEntry; line?: number } | { where: string; key?: string; error: KvError };

/**
 * A file to import from, read as a stream as many times as needed (validation, then writing). Standard
 * input is copied to a temporary file first, so it too can be read twice without being held in memory.
 */
export class ImportSource {
  private constructor(
    readonly path: string,
    readonly name: string,
    private readonly cleanup?: () => Promise<void>,
  ) {}

  /**
   * `path` is named as the user gave it and found from `cwd`, the command's directory (not the
   * process's: a command run in process has its own). `signal` stops the copy of standard input: a
   * pipe that never ends must not hold a stopped import.
   */
  static async open(path: string, cwd: string, stdin: Readable, signal?: AbortSignal): Promise<ImportSource> {
    if (path !== "-") {
      const at = resolve(cwd, path);
      const refused = (e: unknown) => {
        const code = (e as NodeJS.ErrnoException).code ?? "";
        return errors.file(path, code === "ENOENT" ? "it does not exist" : (describeErrno(code) ?? (e as Error).message));
      };
      const stats = await stat(at).catch((e: unknown) => Promise.reject(refused(e)));
      if (stats.isDirectory()) throw errors.file(path, "it is a directory");
      // A pipe (`<(command)`), a terminal or a device can be read only once, like standard input: it
      // is copied as it is read (opening it to try would take, and lose, what its writer sends first).
      if (!stats.isFile()) return ImportSource.spool(createReadStream(at), path, signal);
      // Opened once now, so a file that cannot be read is reported before anything else happens.
      await (await open(at, "r").catch((e: unknown) => Promise.reject(refused(e)))).close();
      return new ImportSource(at, path);
    }
    return ImportSource.spool(stdin, "stdin", signal);
  }

  /** Copies a stream to a temporary file (0600, in a 0700 directory) so it can be read more than once. */
  private static async spool(input: Readable, name: string, signal: AbortSignal | undefined): Promise<ImportSource> {
    const dir = mkdtempSync(join(tmpdir(), "yourspace-import-"));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    const spool = join(dir, "input");
    try {
      await pipeline(input, new JsonTextGuard({ outsideValues: "whitespace" }), createWriteStream(spool, { mode: 0o600 }), { signal });
    } catch (e) {
      await cleanup();
      throw e instanceof ImportTextError ? textError(e, name) : e;
    }
    return new ImportSource(spool, name, cleanup);
  }

  /** A file another thread opened (and checked) as `name`: the parser thread reads it again. */
  static opened(path: string, name: string): ImportSource {
    return new ImportSource(path, name);
  }

  async close(): Promise<void> {
    await this.cleanup?.();
  }

  /**
   * `[` starts a JSON array; `{` starts NDJSON when the first line is a whole entry object, and a flat
   * JSON object `{"key": "value", …}` otherwise. An empty file is NDJSON with no entries.
   */
  async detectFormat(): Promise<ImportFormat> {
    const handle = await open(this.path, "r");
    try {
      // Enough to hold a whole first line: an entry with a 1 MiB value is under 1.5 MB in base64.
      const size = 4 * 1_048_576;
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(size), 0, size, 0);
      const head = buffer
        .subarray(0, bytesRead)
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .trimStart();
      if (head === "") return "ndjson";
      if (head.startsWith("[")) return "json";
      if (!head.startsWith("{"))
        throw errors.usage(`${this.name} is not NDJSON, a JSON array or a JSON object.`, "Give --format ndjson|json|object if it is one of them.");
      // An NDJSON entry starts with one of the entry's own fields; a flat object with a user's key.
      // (A flat object whose first key is literally "key" or "value" needs --format object.)
      if (/^\{\s*"(key|value|base64|expiration|expiration_ttl|metadata)"\s*:/.test(head)) return "ndjson";
      const firstLine = head.split("\n", 1)[0]!;
      try {
        const first = JSON.parse(firstLine) as Record<string, unknown>;
        return typeof first.key === "string" && "value" in first ? "ndjson" : "object";
      } catch {
        return "object";
      }
    } finally {
      await handle.close();
    }
  }

  /** The entries, in file order, each parsed and checked on its own. */
  entries(format: ImportFormat): AsyncGenerator<SourceItem> {
    if (format === "ndjson") return this.ndjson();
    return this.streamed(format);
  }

  /** The NDJSON entries of part of the file; `where` counts lines from the part's start. */
  async *ndjson(range?: ByteRange): AsyncGenerator<SourceItem> {
    for await (const line of readLines(this.path, undefined, range)) {
      const where = `${this.name}:${line.number}`;
      if ("tooLong" in line) {
        yield { where, error: errors.entryTextTooLong(`line ${n(line.number)}`, line.tooLong, MAX_ENTRY_TEXT_BYTES) };
        continue;
      }
      if ("invalidUtf8At" in line) {
        yield {
          where,
          error: errors.invalidUtf8(
            `line ${n(line.number)}, byte ${n(line.invalidUtf8At)} of the line (byte ${n(line.offset + line.invalidUtf8At)} of the file)`,
          ),
        };
        continue;
      }
      if (line.text.trim() === "") continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line.text);
      } catch (e) {
        yield { where, error: errors.entryNotJson((e as Error).message) };
        continue;
      }
      const parsed = item(where, raw);
      if ("entry" in parsed) parsed.line = line.number;
      yield parsed;
    }
  }

  /** JSON arrays and objects are parsed as a stream of tokens (stream-json), never as a whole. */
  private async *streamed(format: "json" | "object"): AsyncGenerator<SourceItem> {
    // stream-json is CommonJS with its factories on the exported function: reach them through `default`.
    const { default: json } = await import("stream-json");
    const { default: arrays } = await import("stream-json/streamers/StreamArray.js");
    const { default: objects } = await import("stream-json/streamers/StreamObject.js");
    const input = createReadStream(this.path, { highWaterMark: 1_048_576 });
    const guard = new JsonTextGuard();
    const tokens = input.pipe(guard).pipe(json.parser());
    const stream = format === "json" ? tokens.pipe(arrays.streamArray()) : tokens.pipe(objects.streamObject());
    let failure: Error | undefined;
    const fail = (e: Error) => {
      failure ??= e;
      stream.destroy();
    };
    input.on("error", fail);
    guard.on("error", fail);
    tokens.on("error", fail);
    try {
      for await (const { key, value } of stream as AsyncIterable<{ key: number | string; value: unknown }>) {
        if (format === "json") yield item(`${this.name}[${key as number}]`, value);
        else {
          // A flat object maps keys to values; non-string values are stored as their JSON text.
          const where = `${this.name} key ${JSON.stringify(key)}`;
          const inexact = inexactNumber(value);
          if (inexact !== undefined) yield { where, key: String(key), error: errors.entryInvalid(inexactNumberReason(inexact)) };
          else yield item(where, { key, value: typeof value === "string" ? value : JSON.stringify(value) });
        }
      }
    } catch (e) {
      failure ??= e as Error;
    } finally {
      input.destroy();
    }
    if (failure instanceof ImportTextError) throw textError(failure, this.name);
    if (failure && (failure as NodeJS.ErrnoException).code) throw failure;
    if (failure) {
      const expected = format === "json" ? "a JSON array of entries" : "a JSON object of keys and values";
      throw errors.usage(
        `${this.name} is not ${expected}: ${failure.message.replace(/^Parser cannot parse input: /, "")}.`,
        "Check the file, or give --format if it is NDJSON.",
      );
    }
  }
}

/** The catalogued error for text that no import format accepts, with where it is. */
function textError(e: ImportTextError, name: string): KvError {
  const { line, column, offset } = e.position;
  const where = `line ${n(line)}, byte ${n(column)} of the line (byte ${n(offset)} of the file)`;
  if (e.kind === "utf8") return errors.invalidUtf8(where, name);
  if (e.kind === "not-json")
    return errors.usage(
      `${name} is not NDJSON, a JSON array or a JSON object: ${where} is outside any entry.`,
      "Give a file of entries, as kv export writes them.",
    );
  return errors.entryTextTooLong(`the entry that starts at ${where.replace(/ \(byte .*/, "")}`, undefined, MAX_ENTRY_TEXT_BYTES, name);
}

/**
 * A number in a flat object's value that its JSON text would not keep: JSON.parse reads
 * 12345678901234567890 as 12345678901234567000, and 1e400 as Infinity, which JSON writes as null.
 */
function inexactNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)) ? undefined : value;
  if (typeof value !== "object" || value === null) return undefined;
  for (const inner of Object.values(value)) {
    const found = inexactNumber(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

function inexactNumberReason(read: number): string {
  return `The value holds a number that would not be stored as written (it reads as ${read}); put it in quotes to store its text.`;
}

function item(where: string, raw: unknown): SourceItem {
  try {
    return { where, entry: parseWireEntry(raw) };
  } catch (e) {
    if (!(e instanceof KvError)) throw e;
    const key = typeof (raw as { key?: unknown })?.key === "string" ? (raw as { key: string }).key : undefined;
    return { where, key, error: e };
  }
}

import { createReadStream, createWriteStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseWireEntry, type BulkEntry } from "../core/bulk.js";
import { errors, KvError } from "../core/errors.js";

export const IMPORT_FORMATS = ["ndjson", "json", "object"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One entry of an import file, or why it is not one; `where` says where it is, for the report. */
export type SourceItem = { where: string; entry: BulkEntry } | { where: string; key?: string; error: KvError };

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

  /** `signal` stops the copy of standard input: a pipe that never ends must not hold a stopped import. */
  static async open(path: string, stdin: Readable, signal?: AbortSignal): Promise<ImportSource> {
    if (path !== "-") {
      try {
        await (await open(path, "r")).close();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw errors.file(path, code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a directory" : (e as Error).message);
      }
      return new ImportSource(path, path);
    }
    const dir = mkdtempSync(join(tmpdir(), "yourspace-import-"));
    const spool = join(dir, "stdin");
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      await pipeline(stdin, createWriteStream(spool), { signal });
    } catch (e) {
      await cleanup();
      throw e;
    }
    return new ImportSource(spool, "stdin", cleanup);
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
      const head = buffer.subarray(0, bytesRead).toString("utf8").replace(/^\uFEFF/, "").trimStart();
      if (head === "") return "ndjson";
      if (head.startsWith("[")) return "json";
      if (!head.startsWith("{")) throw errors.usage(`${this.name} is not NDJSON, a JSON array or a JSON object.`, "Give --format ndjson|json|object if it is one of them.");
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

  private async *ndjson(): AsyncGenerator<SourceItem> {
    const lines = createInterface({ input: createReadStream(this.path), crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      const where = `${this.name}:${n}`;
      let raw: unknown;
      try {
        raw = JSON.parse(n === 1 ? line.replace(/^\uFEFF/, "") : line);
      } catch (e) {
        yield { where, error: new KvError("MALFORMED_BODY", `not valid JSON: ${(e as Error).message}`) };
        continue;
      }
      yield item(where, raw);
    }
  }

  /** JSON arrays and objects are parsed as a stream of tokens (stream-json), never as a whole. */
  private async *streamed(format: "json" | "object"): AsyncGenerator<SourceItem> {
    // stream-json is CommonJS with its factories on the exported function: reach them through `default`.
    const { default: json } = await import("stream-json");
    const { default: arrays } = await import("stream-json/streamers/StreamArray.js");
    const { default: objects } = await import("stream-json/streamers/StreamObject.js");
    const input = createReadStream(this.path);
    const tokens = input.pipe(json.parser());
    const stream = format === "json" ? tokens.pipe(arrays.streamArray()) : tokens.pipe(objects.streamObject());
    let failure: Error | undefined;
    tokens.on("error", (e: Error) => {
      failure = e;
      stream.destroy();
    });
    try {
      for await (const { key, value } of stream as AsyncIterable<{ key: number | string; value: unknown }>) {
        if (format === "json") yield item(`${this.name}[${key as number}]`, value);
        else {
          // A flat object maps keys to values; non-string values are stored as their JSON text.
          const text = typeof value === "string" ? value : JSON.stringify(value);
          yield item(`${this.name} key ${JSON.stringify(key)}`, { key, value: text });
        }
      }
    } catch (e) {
      failure ??= e as Error;
    } finally {
      input.destroy();
    }
    if (failure) {
      const expected = format === "json" ? "a JSON array of entries" : "a JSON object of keys and values";
      throw errors.usage(`${this.name} is not ${expected}: ${failure.message.replace(/^Parser cannot parse input: /, "")}.`, "Check the file, or give --format if it is NDJSON.");
    }
  }
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

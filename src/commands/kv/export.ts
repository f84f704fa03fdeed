import { isAscii } from "node:buffer";
import type { ExportLines } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import type { Handler } from "../context.js";
import { throwIfStopped } from "../interruption.js";
import { writeTo } from "../../terminal/io.js";
import { safeJsonText } from "../../core/escape.js";
import { OutputFile } from "../../terminal/output-file.js";
import { outputFileOptions } from "../output-file-options.js";
import { formatNumber } from "../../core/numbers.js";

interface ExportOptions {
  namespace: string;
  prefix?: string;
  format: string;
  force?: boolean;
}

/**
 * Streams a namespace out, page by page: NDJSON (one entry per line) or a JSON array, the format
 * `kv import` and wrangler's bulk files read. Binary values are base64; metadata and expiry are kept.
 * The target writes each page's lines (an embedded store has SQLite write them); a JSON array puts
 * commas between them, which raw newlines only ever separate (JSON escapes those inside strings).
 */
export const run: Handler<ExportOptions> = async (ctx, args, opts) => {
  if (opts.format !== "ndjson" && opts.format !== "json") throw errors.usage(`--format must be ndjson or json, not "${opts.format}".`);
  const target = (args.file as string | undefined) ?? "-";
  // Pages are the steps: a signal stops the export between two, and a file is then left as it was.
  ctx.stopsBetweenSteps();
  const backend = await ctx.backend();
  // A file is written whole or not at all: an export cut short leaves what was there before, and a
  // file that exists is replaced only with --force or a yes. /dev/stdout is this process's stdout,
  // which may be a socket that cannot be opened by name.
  const file = target === "-" || target === "/dev/stdout" ? undefined : await OutputFile.create(target, outputFileOptions(ctx, opts.force));
  // A file's own failures (a full disk, its size limit) name the file; stdout's are the error boundary's.
  const write = file ? (chunk: string | Uint8Array) => file.write(chunk) : (chunk: string | Uint8Array) => writeTo(ctx.io.stdout, chunk);
  const json = opts.format === "json";
  let count = 0;
  try {
    if (json) await write("[");
    for await (const page of backend.exportLines(opts.namespace, { prefix: opts.prefix ?? "" })) {
      if (page.count === 0) continue;
      const lines = terminalSafe(page.text);
      await write(json ? arrayItems(lines, count === 0) : lines);
      count += page.count;
    }
    if (json) await write(count === 0 ? "]\n" : "\n]\n");
  } catch (e) {
    await file?.abort();
    throwIfStopped(ctx.signal, (by) =>
      errors.interrupted(
        by,
        `Export interrupted by ${by} after ${formatNumber(count)} entries; ${file ? `${target} was left as it was` : "the output is incomplete"}.`,
        "Run the same command again for a complete export.",
      ),
    );
    throw e;
  }
  await file?.commit();
  ctx.out.success(
    `Exported ${formatNumber(count)} ${count === 1 ? "entry" : "entries"} from ${opts.namespace}${opts.prefix ? ` under "${opts.prefix}"` : ""}${file ? ` to ${target}` : ""}.`,
  );
};

/**
 * The lines with the characters that would drive a terminal written as \u escapes. Bytes that are
 * all printable ASCII (nearly every page of most stores) need none, and are written as they came.
 */
function terminalSafe(text: ExportLines["text"]): Buffer | string {
  if (typeof text !== "string" && isAscii(text) && text.indexOf(0x7f) === -1) return text;
  return safeJsonText(text.toString());
}

const NEWLINE = Buffer.from("\n");
const COMMA_NEWLINE = Buffer.from(",\n");

/**
 * The lines as items of a JSON array, each on its own line: a comma after every item but the page's
 * last, and one before its first unless it opens the array. Bytes stay bytes: a page decoded to a
 * string and encoded again costs as much as the rest of the export.
 */
function arrayItems(lines: Buffer | string, first: boolean): Buffer | string {
  if (typeof lines === "string") return `${first ? "\n" : ",\n"}${lines.slice(0, -1).replaceAll("\n", ",\n")}`;
  const parts: Buffer[] = [first ? NEWLINE : COMMA_NEWLINE];
  let from = 0;
  for (let end = lines.indexOf(10); end !== -1; end = lines.indexOf(10, from)) {
    if (from > 0) parts.push(COMMA_NEWLINE);
    parts.push(lines.subarray(from, end));
    from = end + 1;
  }
  return Buffer.concat(parts);
}

import { isUtf8 } from "node:buffer";
import { toWireEntry } from "../../core/bulk.js";
import { errors } from "../../core/errors.js";
import type { Handler } from "../context.js";
import { throwIfStopped } from "../interruption.js";
import { writeTo } from "../../terminal/io.js";
import { safeJson } from "../../terminal/escape.js";
import { OutputFile } from "../../terminal/output-file.js";
import { outputFileOptions } from "../output-file-options.js";
import type { Writable } from "node:stream";

interface ExportOptions {
  namespace: string;
  prefix?: string;
  format: string;
  force?: boolean;
}

/**
 * Streams a namespace out, page by page: NDJSON (one entry per line) or a JSON array, the format
 * `kv import` and wrangler's bulk files read. Binary values are base64; metadata and expiry are kept.
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
  const out: Writable = file?.stream ?? ctx.io.stdout;
  const json = opts.format === "json";
  let count = 0;
  try {
    if (json) await writeTo(out, "[");
    for await (const page of backend.exportEntries(opts.namespace, { prefix: opts.prefix ?? "" })) {
      let chunk = "";
      for (const e of page) {
        // The same JSON, with the characters that would drive a terminal written as \u escapes.
        const line = safeJson(toWireEntry(e.key, e.value, e.metadata, e.expiresAt, isUtf8(e.value)));
        chunk += json ? `${count === 0 ? "\n" : ",\n"}${line}` : `${line}\n`;
        count++;
      }
      await writeTo(out, chunk);
    }
    if (json) await writeTo(out, count === 0 ? "]\n" : "\n]\n");
  } catch (e) {
    await file?.abort();
    throwIfStopped(ctx.signal, (by) =>
      errors.interrupted(
        by,
        `Export interrupted by ${by} after ${count.toLocaleString("en-US")} entries; ${file ? `${target} was left as it was` : "the output is incomplete"}.`,
        "Run the same command again for a complete export.",
      ),
    );
    throw e;
  }
  await file?.commit();
  ctx.out.success(
    `Exported ${count.toLocaleString("en-US")} ${count === 1 ? "entry" : "entries"} from ${opts.namespace}${opts.prefix ? ` under "${opts.prefix}"` : ""}${file ? ` to ${target}` : ""}.`,
  );
};

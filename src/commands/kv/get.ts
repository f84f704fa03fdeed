import { isUtf8 } from "node:buffer";
import type { Consistency } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import type { Handler } from "../context.js";
import { formatBytes, isoOrNull, terminalUnsafe } from "../../terminal/format.js";
import { OutputFile } from "../../terminal/output-file.js";
import { outputFileOptions } from "../output-file-options.js";
import { parseDuration } from "../../core/duration.js";

interface GetOptions {
  namespace: string;
  output?: string;
  region?: string;
  consistency: Consistency;
  cacheTtl?: string;
  force?: boolean;
}

export const run: Handler<GetOptions> = async (ctx, args, opts) => {
  const key = args.key as string;
  // "-" is stdout, as everywhere else; naming it also says "print it, even to a terminal".
  const toFile = opts.output !== undefined && opts.output !== "-";
  if (ctx.out.json && toFile)
    throw errors.usage("--json and --output cannot be used together.", "Use --json for the value and details, or --output to save the value to a file.");
  const backend = await ctx.backend();
  const region = opts.region ?? ctx.io.env.YOURSPACE_REGION;
  const cacheTtlMs = opts.cacheTtl === undefined ? undefined : parseDuration(opts.cacheTtl, "--cache-ttl", "s");
  const { entry, read } = await backend.get(opts.namespace, key, { region, consistency: opts.consistency, ...(cacheTtlMs !== undefined && { cacheTtlMs }) });
  // Only an edge's cache keeps what a read fetched; elsewhere the TTL asked for changes nothing, which a test would not notice.
  if (cacheTtlMs !== undefined && (read.servedFrom === "home" || read.servedFrom === "replica"))
    ctx.out.warn(
      `--cache-ttl was ignored: this read was served from ${read.servedFrom === "home" ? "home" : `${read.region}'s replica`}, which caches nothing. It applies to eventual reads in an edge under a cache profile (cloudflare, edgeone, esa).`,
    );
  // A miss says where it was served from, as a hit does: a stale edge and an absent key look alike otherwise.
  if (!entry) {
    throw errors
      .keyNotFound(key, opts.namespace, region === undefined ? undefined : `${read.region}, ${opts.consistency} read`)
      .withDetails({ region: read.region, servedFrom: read.servedFrom, version: read.version, ageMs: read.ageMs });
  }

  if (ctx.out.json) {
    const text = isUtf8(entry.value);
    await ctx.out.printJson({
      key: entry.key,
      value: entry.value.toString(text ? "utf8" : "base64"),
      encoding: text ? "utf8" : "base64",
      metadata: entry.metadata,
      expiresAt: isoOrNull(entry.expiresAt),
      version: entry.version,
      region: read.region,
      servedFrom: read.servedFrom,
      ageMs: read.ageMs,
    });
    return;
  }
  if (toFile) {
    // Written whole or not at all, and an existing file is replaced only with --force or a yes.
    const file = await OutputFile.create(opts.output!, outputFileOptions(ctx, opts.force));
    await file.write(entry.value);
    await file.commit();
    ctx.out.success(`Wrote ${formatBytes(entry.value.length)} to ${opts.output}`);
    return;
  }
  // A terminal gets text only, as curl does: bytes that are not text, or that would drive the
  // terminal, go to a file or a pipe, or to the terminal when --output - asks for it.
  if (ctx.out.stdoutIsTTY && opts.output === undefined) {
    const unsafe = terminalUnsafe(entry.value);
    if (unsafe) throw errors.binaryToTerminal(key, entry.value.length, unsafe);
  }
  await ctx.out.data(entry.value);
  // Only a person at a terminal gets a closing newline; a pipe, and --output -, get the bytes exactly.
  if (ctx.out.stdoutIsTTY && opts.output === undefined && entry.value.length > 0 && entry.value[entry.value.length - 1] !== 0x0a) await ctx.out.data("\n");
};

import { isUtf8 } from "node:buffer";
import { writeFile } from "node:fs/promises";
import type { Consistency } from "../core/backend.js";
import { errors } from "../core/errors.js";
import type { Handler } from "../cli/context.js";
import { formatBytes, isoOrNull } from "../cli/format.js";
import { parseDuration } from "../core/duration.js";

interface GetOptions {
  namespace: string;
  output?: string;
  region?: string;
  consistency: Consistency;
  cacheTtl?: string;
}

export const run: Handler<GetOptions> = async (ctx, args, opts) => {
  const key = args.key as string;
  if (ctx.out.json && opts.output !== undefined) throw errors.usage("--json and --output cannot be used together.", "Use --json for the value and details, or --output to save the value to a file.");
  const backend = await ctx.backend();
  const region = opts.region ?? ctx.io.env.YOURSPACE_REGION;
  const cacheTtlMs = opts.cacheTtl === undefined ? undefined : parseDuration(opts.cacheTtl, "--cache-ttl", "s");
  const { entry, read } = await backend.get(opts.namespace, key, { region, consistency: opts.consistency, ...(cacheTtlMs !== undefined && { cacheTtlMs }) });
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
  if (opts.output !== undefined) {
    try {
      await writeFile(opts.output, entry.value);
    } catch (e) {
      throw errors.file(opts.output, (e as Error).message);
    }
    ctx.out.success(`Wrote ${formatBytes(entry.value.length)} to ${opts.output}`);
    return;
  }
  await ctx.out.data(entry.value);
  // Only a person at a terminal gets a closing newline; a pipe gets the bytes exactly.
  if (ctx.out.stdoutIsTTY && entry.value.length > 0 && entry.value[entry.value.length - 1] !== 0x0a) await ctx.out.data("\n");
};

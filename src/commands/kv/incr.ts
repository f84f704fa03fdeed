import type { IncrOptions } from "../../core/backend.js";
import { parseTtlSeconds } from "../../core/duration.js";
import { parseIncrement } from "../../core/int64.js";
import type { Handler } from "../context.js";

interface IncrCommandOptions {
  namespace: string;
  by?: string;
  ttl?: string;
  region?: string;
}

/**
 * Adds to a counter at home and prints its new value, the answer home gave (an edge's read may show
 * an older one for a while). The value is printed as a string in --json: a signed 64-bit integer
 * does not survive a JSON number beyond 2^53.
 */
export const run: Handler<IncrCommandOptions> = async (ctx, args, opts) => {
  const key = args.key as string;
  const options: IncrOptions = { region: opts.region ?? ctx.io.env.YOURSPACE_REGION };
  if (opts.by !== undefined) options.by = parseIncrement(opts.by, "--by");
  if (opts.ttl !== undefined) options.ttlSeconds = parseTtlSeconds(opts.ttl, "--ttl");
  const backend = await ctx.backend();
  const result = await backend.incr(opts.namespace, key, options);
  if (ctx.out.json) await ctx.out.printJson({ key, namespace: opts.namespace, value: result.value, version: result.version, region: result.region });
  else await ctx.out.data(`${result.value}\n`);
};

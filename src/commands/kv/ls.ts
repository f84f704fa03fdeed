import type { Consistency, KeyInfo, ListPage } from "../../core/backend.js";
import { parseLimit } from "../../core/validate.js";
import { DEFAULT_NAMESPACE, LIMITS } from "../../core/limits.js";
import type { Context, Handler } from "../context.js";
import { keyLine, safeJson, shellQuote } from "../../core/escape.js";
import { throwIfStopped } from "../interruption.js";
import { errors } from "../../core/errors.js";
import { formatBytes, formatExpiry, isoOrNull, summarize } from "../../terminal/format.js";
import { formatNumber } from "../../core/numbers.js";

interface LsOptions {
  namespace: string;
  region?: string;
  consistency: Consistency;
  limit: string;
  cursor?: string;
  all?: boolean;
}

const toJson = (k: KeyInfo) => ({ key: k.key, size: k.size, expiresAt: isoOrNull(k.expiresAt), metadata: k.metadata });

export const run: Handler<LsOptions> = async (ctx, args, opts) => {
  const prefix = (args.prefix as string | undefined) ?? "";
  const limit = parseLimit(opts.limit);
  const backend = await ctx.backend();
  const fetchPage = (cursor: string | null): Promise<ListPage> =>
    backend.list(opts.namespace, { prefix, cursor, limit, region: opts.region ?? ctx.io.env.YOURSPACE_REGION, consistency: opts.consistency });

  if (!opts.all) {
    const page = await fetchPage(opts.cursor ?? null);
    await printPage(ctx, page.keys, page.cursor);
    if (page.cursor !== null) {
      const again = (...more: string[]) => sameListing(ctx, prefix, opts, more);
      const shown = page.keys.length;
      ctx.out.warn(`Showing ${shown} ${shown === 1 ? "key" : "keys"}; more exist. Next page: ${again("--cursor", page.cursor)}  (or ${again("--all")})`);
    }
    return;
  }

  // --all streams page by page, so a large namespace never sits in memory at once; a signal stops
  // it between pages. Nothing is written before the first page has come back, so a target that
  // fails leaves stdout empty.
  ctx.stopsBetweenSteps();
  let cursor: string | null = opts.cursor ?? null;
  let total = 0;
  let pages = 0;
  const rows: KeyInfo[] = [];
  do {
    throwIfStopped(ctx.signal, (by) =>
      errors.interrupted(
        by,
        `Listing interrupted by ${by} after ${formatNumber(total)} keys; it is incomplete.`,
        "Run the same command again for the whole listing.",
      ),
    );
    const page = await fetchPage(cursor);
    if (ctx.out.json && pages++ === 0) await ctx.out.data('{"keys":[');
    for (const k of page.keys) {
      if (ctx.out.json) await ctx.out.data(`${total > 0 ? "," : ""}${safeJson(toJson(k))}`);
      else if (ctx.out.stdoutIsTTY) rows.push(k);
      else await ctx.out.key(k.key);
      total++;
    }
    cursor = page.cursor;
  } while (cursor !== null);
  if (ctx.out.json) await ctx.out.data('],"cursor":null,"complete":true}\n');
  else if (ctx.out.stdoutIsTTY) await printTable(ctx, rows);
  ctx.out.hint(`${total} ${total === 1 ? "key" : "keys"}`);
};

async function printPage(ctx: Context, keys: KeyInfo[], cursor: string | null): Promise<void> {
  if (ctx.out.json) {
    await ctx.out.printJson({ keys: keys.map(toJson), cursor, complete: cursor === null });
  } else if (ctx.out.stdoutIsTTY) {
    await printTable(ctx, keys);
  } else {
    for (const k of keys) await ctx.out.key(k.key);
  }
}

async function printTable(ctx: Context, keys: KeyInfo[]): Promise<void> {
  if (keys.length === 0) {
    ctx.out.note("No keys.");
    return;
  }
  const now = ctx.clock.now();
  const metaWidth = Math.max(10, Math.min(48, ctx.out.columns - 60));
  await ctx.out.table(
    ["key", "size", "expires", "metadata"],
    keys.map((k) => [keyLine(k.key), formatBytes(k.size), formatExpiry(k.expiresAt, now), k.metadata ? summarize(JSON.stringify(k.metadata), metaWidth) : ""]),
  );
}

/**
 * The same listing as a command to run again, with more options: the flags that chose the target
 * and the listing are kept (never a token: it stays where the user keeps it), each word quoted for
 * a shell. A prefix that looks like an option goes last, after `--`.
 */
function sameListing(ctx: Context, prefix: string, opts: LsOptions, more: string[]): string {
  const g = ctx.globals;
  const words = ["yourspace", "kv", "ls"];
  const operand = prefix.startsWith("-") ? ["--", prefix] : prefix ? [prefix] : [];
  if (!prefix.startsWith("-")) words.push(...operand);
  if (g.local) words.push("--local");
  if (g.remote) words.push("--remote");
  if (g.apiUrl !== undefined) words.push("--api-url", g.apiUrl);
  if (g.dataDir !== undefined) words.push("--data-dir", g.dataDir);
  if (g.site !== undefined) words.push("--site", g.site);
  if (opts.namespace !== DEFAULT_NAMESPACE) words.push("-n", opts.namespace);
  if (opts.region !== undefined) words.push("-r", opts.region);
  if (opts.consistency !== "strong") words.push("-c", opts.consistency);
  if (Number(opts.limit) !== LIMITS.maxListLimit) words.push("--limit", opts.limit);
  if (g.json) words.push("--json");
  words.push(...more);
  if (prefix.startsWith("-")) words.push(...operand);
  return words.map(shellQuote).join(" ");
}

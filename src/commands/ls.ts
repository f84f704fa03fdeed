import type { Consistency, KeyInfo, ListPage } from "../core/backend.js";
import { parseLimit } from "../core/validate.js";
import type { Context, Handler } from "../cli/context.js";
import { throwIfStopped } from "../cli/interruption.js";
import { errors } from "../core/errors.js";
import { formatBytes, formatExpiry, isoOrNull, summarize } from "../cli/format.js";

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
  const fetchPage = (cursor: string | null): Promise<ListPage> => backend.list(opts.namespace, { prefix, cursor, limit, region: opts.region ?? ctx.io.env.YOURSPACE_REGION, consistency: opts.consistency });

  if (!opts.all) {
    const page = await fetchPage(opts.cursor ?? null);
    await printPage(ctx, page.keys, page.cursor);
    if (page.cursor !== null) {
      const again = `yourspace kv ls${prefix ? ` ${shellQuote(prefix)}` : ""}${opts.namespace === "default" ? "" : ` -n ${opts.namespace}`}`;
      ctx.out.warn(
        `Showing ${page.keys.length} keys; more exist. Next page: ${again} --cursor ${page.cursor}  (or ${again} --all)`,
      );
    }
    return;
  }

  // --all streams page by page, so a large namespace never sits in memory at once; a signal stops
  // it between pages.
  ctx.stopsBetweenSteps();
  let cursor: string | null = opts.cursor ?? null;
  let total = 0;
  if (ctx.out.json) await ctx.out.data('{"keys":[');
  const rows: KeyInfo[] = [];
  do {
    throwIfStopped(ctx.signal, (by) => errors.interrupted(by, `Listing interrupted by ${by} after ${total.toLocaleString("en-US")} keys; it is incomplete.`, "Run the same command again for the whole listing."));
    const page = await fetchPage(cursor);
    for (const k of page.keys) {
      if (ctx.out.json) await ctx.out.data(`${total > 0 ? "," : ""}${JSON.stringify(toJson(k))}`);
      else if (ctx.out.stdoutIsTTY) rows.push(k);
      else await ctx.out.line(k.key);
      total++;
    }
    cursor = page.cursor;
  } while (cursor !== null);
  if (ctx.out.json) await ctx.out.data('],"cursor":null,"complete":true}\n');
  else if (ctx.out.stdoutIsTTY) await printTable(ctx, rows);
  ctx.out.note(ctx.out.c.dim(`${total} ${total === 1 ? "key" : "keys"}`));
};

async function printPage(ctx: Context, keys: KeyInfo[], cursor: string | null): Promise<void> {
  if (ctx.out.json) {
    await ctx.out.printJson({ keys: keys.map(toJson), cursor, complete: cursor === null });
  } else if (ctx.out.stdoutIsTTY) {
    await printTable(ctx, keys);
  } else {
    for (const k of keys) await ctx.out.line(k.key);
  }
}

async function printTable(ctx: Context, keys: KeyInfo[]): Promise<void> {
  if (keys.length === 0) {
    ctx.out.note("No keys.");
    return;
  }
  const { default: Table } = await import("cli-table3");
  const now = ctx.clock.now();
  const table = new Table({
    head: ["key", "size", "expires", "metadata"],
    style: { head: ctx.globals.color ? ["cyan"] : [], border: ctx.globals.color ? ["grey"] : [] },
  });
  const metaWidth = Math.max(10, Math.min(48, ctx.out.columns - 60));
  for (const k of keys) {
    table.push([k.key, formatBytes(k.size), formatExpiry(k.expiresAt, now), k.metadata ? summarize(JSON.stringify(k.metadata), metaWidth) : ""]);
  }
  await ctx.out.line(table.toString());
}

function shellQuote(s: string): string {
  return /^[\w./:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

import { formatBytes } from "../../terminal/format.js";
import type { Handler } from "../context.js";
import { formatNumber as n } from "../../core/numbers.js";

export const usage: Handler = async (ctx) => {
  const u = await (await ctx.backend()).usage();
  if (ctx.out.json) return ctx.out.printJson(u);
  const of = (used: number, ceiling: number | null, fmt: (n: number) => string) =>
    `${fmt(used)}${ceiling === null ? " (no ceiling)" : ` of ${fmt(ceiling)} (${((100 * used) / ceiling).toFixed(1)}%)`}`;
  await ctx.out.line(`site ${u.site}, ${u.tier} tier, period ${u.period}`);
  await ctx.out.table(
    ["meter", "use"],
    [
      ["keys", of(u.storage.keys, u.ceilings.keys, n)],
      // Ceilings are decimal (50 MB = 50,000,000 bytes), so storage is shown the same way.
      ["storage", of(u.storage.bytes, u.ceilings.bytes, decimalBytes)],
      ["storage over time", `${u.storage.gbHours.toFixed(6)} GB-hours`],
      ["reads", n(u.reads)],
      ["writes", n(u.writes)],
      ["egress", `${decimalBytes(u.egressBytes)} (values read outside the home region)`],
      ["largest value", formatBytes(u.ceilings.maxValueBytes)],
    ],
  );
};

function decimalBytes(n: number): string {
  if (n < 1_000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)} kB`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  return `${(n / 1_000_000_000).toFixed(2)} GB`;
}

import type { Handler } from "../context.js";
import { isoOrNull } from "../../terminal/format.js";
import { formatNumber } from "../../core/numbers.js";

/** `kv namespace ls`: names and key counts. */
export const list: Handler = async (ctx) => {
  const backend = await ctx.backend();
  const namespaces = await backend.listNamespaces();
  if (ctx.out.json) {
    await ctx.out.printJson({ namespaces: namespaces.map((n) => ({ name: n.name, createdAt: isoOrNull(n.createdAt), keys: n.keys })) });
  } else if (ctx.out.stdoutIsTTY) {
    await ctx.out.table(
      ["namespace", "stored keys", "created"],
      namespaces.map((n) => [n.name, formatNumber(n.keys), isoOrNull(n.createdAt) ?? ""]),
    );
  } else {
    for (const n of namespaces) await ctx.out.line(n.name);
  }
};

import type { Handler } from "../context.js";
import { isoOrNull } from "../../terminal/format.js";

/** `kv namespace create`. */
export const create: Handler = async (ctx, args) => {
  const backend = await ctx.backend();
  const info = await backend.createNamespace(args.name as string);
  if (ctx.out.json) await ctx.out.printJson({ name: info.name, createdAt: isoOrNull(info.createdAt), keys: info.keys });
  else ctx.out.success(`Created namespace ${info.name}`);
};

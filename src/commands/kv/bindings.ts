import type { Handler } from "../context.js";
import { wireBinding } from "./binding-changes.js";

/** `kv bindings`: the target's route bindings. */
export const bindings: Handler = async (ctx) => {
  const list = await (await ctx.backend()).listBindings();
  if (ctx.out.json) return ctx.out.printJson({ bindings: list.map(wireBinding) });
  if (list.length === 0) return ctx.out.note("No bindings. Add one with: yourspace kv bind <namespace> --route <pattern>");
  if (ctx.out.stdoutIsTTY)
    await ctx.out.table(
      ["route", "variable", "namespace", "access"],
      list.map((b) => [b.route, b.variable, b.namespace, b.access]),
    );
  else for (const b of list) await ctx.out.row([b.route, b.variable, b.namespace, b.access]);
};

import { errors } from "../core/errors.js";
import type { Handler } from "../cli/context.js";
import { isoOrNull } from "../cli/format.js";

export const create: Handler = async (ctx, args) => {
  const backend = await ctx.backend();
  const info = await backend.createNamespace(args.name as string);
  if (ctx.out.json) await ctx.out.printJson({ name: info.name, createdAt: isoOrNull(info.createdAt), keys: info.keys });
  else ctx.out.success(`Created namespace ${info.name}`);
};

export const list: Handler = async (ctx) => {
  const backend = await ctx.backend();
  const namespaces = await backend.listNamespaces();
  if (ctx.out.json) {
    await ctx.out.printJson({ namespaces: namespaces.map((n) => ({ name: n.name, createdAt: isoOrNull(n.createdAt), keys: n.keys })) });
  } else if (ctx.out.stdoutIsTTY) {
    await ctx.out.table(["namespace", "keys", "created"], namespaces.map((n) => [n.name, n.keys.toLocaleString("en-US"), isoOrNull(n.createdAt) ?? ""]));
  } else {
    for (const n of namespaces) await ctx.out.line(n.name);
  }
};

export const remove: Handler<{ yes?: boolean }> = async (ctx, args, opts) => {
  const name = args.name as string;
  const backend = await ctx.backend();
  const existing = (await backend.listNamespaces()).find((n) => n.name === name);
  // Removing an empty namespace loses nothing; one with keys is confirmed first, like rm --prefix.
  if (existing && existing.keys > 0 && !opts.yes) {
    const what = `remove namespace ${name} and its ${existing.keys} ${existing.keys === 1 ? "key" : "keys"}`;
    if (!ctx.interactive) throw errors.confirmationRequired(what);
    if (!(await ctx.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?`))) throw errors.cancelled();
  }
  await backend.removeNamespace(name);
  if (ctx.out.json) await ctx.out.printJson({ name, removed: true });
  else ctx.out.success(`Removed namespace ${name}`);
};

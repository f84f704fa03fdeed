import { errors } from "../../core/errors.js";
import type { Handler } from "../context.js";
import { throwIfStopped, type StopSignal } from "../interruption.js";
import { commandLine } from "../../terminal/shell.js";

/** `kv namespace rm`: removes a namespace and its keys, asking first when it has any. */
export const remove: Handler<{ yes?: boolean }> = async (ctx, args, opts) => {
  const name = args.name as string;
  // The removal is one atomic step: a signal before it stops the command with nothing removed, and
  // one during it lets it finish.
  ctx.stopsBetweenSteps();
  const backend = await ctx.backend();
  const notRemoved = (by: StopSignal) => errors.interrupted(by, `Interrupted by ${by}; namespace ${name} was not removed.`, "Nothing was removed.");
  try {
    const existing = (await backend.listNamespaces()).find((n) => n.name === name);
    // Removing an empty namespace loses nothing; one with keys is confirmed first, like rm --prefix.
    if (existing && existing.keys > 0 && !opts.yes) {
      const what = `remove namespace ${name} and its ${existing.keys} ${existing.keys === 1 ? "key" : "keys"}`;
      if (!ctx.interactive)
        throw errors.confirmationRequired(what, `Pass --yes to confirm: ${commandLine("yourspace", "kv", "namespace", "rm", name, "--yes")}`);
      if (!(await ctx.prompter.confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?`))) throw errors.cancelled();
    }
  } catch (e) {
    throwIfStopped(ctx.signal, notRemoved);
    throw e;
  }
  throwIfStopped(ctx.signal, notRemoved);
  await backend.removeNamespace(name);
  if (ctx.out.json) await ctx.out.printJson({ name, removed: true });
  else ctx.out.success(`Removed namespace ${name}`);
};

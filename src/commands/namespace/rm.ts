import type { Backend } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import { DEFAULT_NAMESPACE } from "../../core/limits.js";
import type { Handler } from "../context.js";
import { throwIfStopped, type StopSignal } from "../interruption.js";
import { commandLine } from "../../terminal/shell.js";
import { startProgress } from "../../terminal/progress.js";

/** `kv namespace rm`: removes a namespace and its keys, asking first when it has any. */
export const remove: Handler<{ yes?: boolean }> = async (ctx, args, opts) => {
  const name = args.name as string;
  // A signal before the removal stops the command with nothing removed. Once it has begun, the
  // namespace is gone for every reader and its keys leave a few thousand at a time: a signal then
  // lets it finish, and a removal a crash stopped is finished by running the same command again.
  ctx.stopsBetweenSteps();
  const backend = await ctx.backend();
  const notRemoved = (by: StopSignal) => errors.interrupted(by, `Interrupted by ${by}; namespace ${name} was not removed.`, "Nothing was removed.");
  // Counting a namespace's keys reads all of them: done only to ask, or to draw progress for a person.
  const counts = !opts.yes || (ctx.out.stderrIsTTY && !ctx.out.json && !ctx.out.quiet);
  let keys: number;
  try {
    const existing = counts ? (await backend.listNamespaces()).find((n) => n.name === name) : undefined;
    keys = existing?.keys ?? 0;
    // Removing an empty namespace loses nothing; one with keys is confirmed first, like rm --prefix.
    if (existing && existing.keys > 0 && !opts.yes) {
      await refuseUnremovable(backend, name);
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
  const progress = startProgress(ctx, `Removing ${name}`, keys);
  try {
    await backend.removeNamespace(name, (removed) => progress.advance(removed));
  } catch (e) {
    progress.clear();
    throw e;
  }
  progress.clear();
  if (ctx.out.json) await ctx.out.printJson({ name, removed: true });
  else ctx.out.success(`Removed namespace ${name}`);
};

/**
 * Refuses, before asking, a removal the target would refuse anyway (the target checks again when it
 * removes): being asked to confirm what cannot happen would tell a person it could.
 */
async function refuseUnremovable(backend: Backend, name: string): Promise<void> {
  if (name === DEFAULT_NAMESPACE) throw errors.namespaceProtected(name);
  const bound = (await backend.listBindings())
    .filter((b) => b.namespace === name)
    .sort((a, b) => (a.route === b.route ? compare(a.variable, b.variable) : compare(a.route, b.route)));
  if (bound.length > 0) throw errors.namespaceBound(name, bound);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

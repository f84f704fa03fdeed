import { errors } from "../../core/errors.js";
import type { Backend, Binding } from "../../core/backend.js";
import { ProjectFile } from "../../project/project-file.js";
import type { CommandArgs, Context, Handler } from "../context.js";
import { stoppedAtOnce, throwIfStopped, unguarded } from "../interruption.js";
import { bothOrNeither, untilTargetChanges, variableFor, withoutTime } from "./binding-changes.js";

export const unbind: Handler<{ route?: string; as?: string }> = (ctx, args, opts) => untilTargetChanges(ctx, "unbound", () => unbindBoth(ctx, args, opts));

async function unbindBoth(ctx: Context, args: CommandArgs, opts: { route?: string; as?: string }): Promise<void> {
  const ns = args.namespace as string | undefined;
  if (opts.route === undefined) throw errors.usage("Name the route with --route <pattern>.");
  const backend = await ctx.backend();
  const route = opts.route;
  const named = (b: Binding) => b.route === route && (opts.as ? b.variable === opts.as : b.namespace === ns);
  const bound = (await backend.listBindings()).filter(named);
  if (ns === undefined && opts.as === undefined) throw errors.usage("Name the namespace, or the variable with --as.");
  // No other command changes the project file until this one has put its change in place.
  const file = await ProjectFile.openToChange(ctx.io.cwd);
  try {
    // The variables bound on either side: the file may name one the target does not have, such as
    // the shorthand's "default".
    const declared = (await file.declared(route)).filter(named).map((b) => b.variable);
    const found = [...new Set([...bound.map((b) => b.variable), ...declared])];
    const variables = found.length ? found : [opts.as ?? variableFor(ns!)];
    await unbindInBoth(ctx, backend, file, { route, variables, bound, name: ns ?? opts.as! });
  } finally {
    file.release();
  }
}

/**
 * As for bind: the file is written beside itself first, the target changed next, the file put in
 * place last, and the target's bindings restored if that fails.
 */
async function unbindInBoth(
  ctx: Context,
  backend: Backend,
  file: ProjectFile,
  { route, variables, bound, name }: { route: string; variables: string[]; bound: Binding[]; name: string },
): Promise<void> {
  let fromFile = 0;
  if (file.exists) for (const variable of variables) if (await file.unbind(route, variable)) fromFile++;
  const save = fromFile ? file.prepare() : undefined;
  const removed: Binding[] = [];
  // Once the target has changed, a signal no longer stops the command: it finishes, or undoes.
  const restore = async () => {
    for (const b of removed) await unguarded(backend).bind(withoutTime(b));
  };
  try {
    throwIfStopped(ctx.signal, stoppedAtOnce);
    for (const variable of variables) {
      const was = bound.find((b) => b.variable === variable);
      if ((await backend.unbind(route, variable)) && was) removed.push(was);
    }
  } catch (e) {
    save?.discard();
    await restore();
    throw e;
  }
  if (save) await bothOrNeither(file.path, save, restore, "unbinding");
  if (removed.length === 0 && fromFile === 0) throw errors.bindingNotFound(name, route);
  if (ctx.out.json) return ctx.out.printJson({ route, removed: variables, file: fromFile ? file.path : null });
  ctx.out.success(`Unbound ${variables.join(", ")} from route ${route}.`);
}

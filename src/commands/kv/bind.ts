import { errors } from "../../core/errors.js";
import { validateBindingNames } from "../../core/binding-names.js";
import type { Backend, Binding } from "../../core/backend.js";
import { shellQuote } from "../../core/escape.js";
import { commandLine } from "../../terminal/shell.js";
import { ProjectFile } from "../../project/project-file.js";
import type { CommandArgs, Context, Handler } from "../context.js";
import { stoppedAtOnce, throwIfStopped, unguarded } from "../interruption.js";
import { bothOrNeither, untilTargetChanges, variableFor, wireBinding, withoutTime } from "./binding-changes.js";

const ACCESS = ["read-only", "read-write"] as const;

interface BindOptions {
  route?: string;
  access?: string;
  as?: string;
}

/** `kv bind`: records the binding in the project file's route block, and registers it with the target. */
export const bind: Handler<BindOptions> = (ctx, args, opts) => untilTargetChanges(ctx, "bound", () => bindBoth(ctx, args, opts));

async function bindBoth(ctx: Context, args: CommandArgs, opts: BindOptions): Promise<void> {
  const backend = await ctx.backend();
  let ns = args.namespace as string | undefined;
  let route = opts.route;
  let access = opts.access;
  if (ctx.interactive && (ns === undefined || route === undefined)) {
    const asked = await askBinding(
      ctx,
      (await backend.listNamespaces()).map((n) => n.name),
      { ns, route, access },
    );
    ({ ns, route, access } = asked);
  }
  if (ns === undefined) throw errors.usage("Name the namespace to bind.", "For example: yourspace kv bind <namespace> --route <pattern>");
  if (route === undefined)
    throw errors.usage("Name the route with --route <pattern>.", `For example: ${commandLine("yourspace", "kv", "bind", ns, "--route", "/api/*")}`);
  access ??= "read-write";
  if (!(ACCESS as readonly string[]).includes(access)) throw errors.usage(`--access must be read-only or read-write, not "${access}".`);
  const variable = opts.as ?? variableFor(ns);
  validateBindingNames(route, variable);

  const binding = { route, variable, namespace: ns, access: access as Binding["access"] };
  // No other command changes the project file until this one has put its change in place.
  const file = await ProjectFile.openToChange(ctx.io.cwd);
  try {
    await registerBinding(ctx, backend, file, binding);
  } finally {
    file.release();
  }
}

/**
 * Registers the binding with the target and in the project file, both or neither. The file is edited
 * in memory (a broken file fails here) and written beside itself (one that cannot be written fails
 * here); then the target registers the binding (it may refuse: no such namespace, no permission);
 * then the file is put in place, and if that fails, the target is put back as it was.
 */
async function registerBinding(ctx: Context, backend: Backend, file: ProjectFile, binding: Omit<Binding, "createdAt">): Promise<void> {
  const { route, variable, namespace: ns, access } = binding;
  await file.bind(binding);
  const before = (await backend.listBindings()).find((b) => b.route === route && b.variable === variable);
  const save = file.prepare();
  let registered: Binding;
  try {
    throwIfStopped(ctx.signal, stoppedAtOnce);
    registered = await backend.bind(binding);
  } catch (e) {
    save.discard();
    throw e;
  }
  // Once the target has changed, a signal no longer stops the command: it finishes, or undoes.
  const target = unguarded(backend);
  await bothOrNeither(file.path, save, () => (before ? target.bind(withoutTime(before)) : target.unbind(route, variable)), "binding");
  if (ctx.out.json) return ctx.out.printJson({ binding: wireBinding(registered), file: file.path, created: file.created });
  ctx.out.success(`Bound ${ns} to route ${route} as ${variable}, ${access}${file.created ? ` (created ${file.path})` : ` (${file.path})`}.`);
  ctx.out.hint(`The route's function needs a route token: yourspace kv emulator token create --route ${shellQuote(route)}`);
}

async function askBinding(ctx: Context, namespaces: string[], given: { ns?: string; route?: string; access?: string }) {
  const ns =
    given.ns ??
    (await ctx.prompter.select(
      "Namespace to bind",
      namespaces.map((n) => ({ value: n })),
    ));
  if (ns === null) throw errors.cancelled();
  const route = given.route ?? (await ctx.prompter.text("Route pattern", "/api/*"));
  if (route === null) throw errors.cancelled();
  const access =
    given.access ?? (await ctx.prompter.select("Access", [{ value: "read-only", hint: "the function can read, never write" }, { value: "read-write" }]));
  if (access === null) throw errors.cancelled();
  return { ns, route, access };
}

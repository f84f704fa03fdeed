import { parseDuration } from "../core/duration.js";
import { errors, KvError } from "../core/errors.js";
import { isTier, TIER_NAMES } from "../core/tiers.js";
import type { Binding } from "../core/backend.js";
import type { CommandArgs, Context, Handler } from "./context.js";
import { shellQuote } from "../terminal/escape.js";
import { formatBytes, isoOrNull } from "../terminal/format.js";
import { isInterruption, stoppedAtOnce, throwIfStopped, unguarded, type StopSignal } from "./interruption.js";
import { ProjectFile, type PreparedSave } from "../project/project-file.js";
import { table } from "./emulator.js";

const VARIABLE = /^[A-Z_][A-Z0-9_]*$/;
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
    const asked = await askBinding(ctx, (await backend.listNamespaces()).map((n) => n.name), { ns, route, access });
    ({ ns, route, access } = asked);
  }
  if (ns === undefined) throw errors.usage("Name the namespace to bind.", "yourspace kv bind <namespace> --route <pattern>");
  if (route === undefined) throw errors.usage("Name the route with --route <pattern>.", `yourspace kv bind ${ns} --route '/api/*'`);
  access ??= "read-write";
  if (!(ACCESS as readonly string[]).includes(access)) throw errors.usage(`--access must be read-only or read-write, not "${access}".`);
  const variable = opts.as ?? ns.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
  if (!VARIABLE.test(variable)) throw errors.usage(`"${variable}" is not a variable name.`, "Use upper-case letters, digits and _, for example --as FLAGS.");

  const binding = { route, variable, namespace: ns, access: access as Binding["access"] };
  // Two places change, both or neither. The file is edited in memory (a broken file fails here) and
  // written beside itself (one that cannot be written fails here); then the target registers the
  // binding (it may refuse: no such namespace, no permission); then the file is put in place, and if
  // that fails, the target is put back as it was.
  const file = await ProjectFile.open(ctx.io.cwd);
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
  await bothOrNeither(file.path, save, () => (before ? target.bind(withoutTime(before)) : target.unbind(route!, variable)), "binding");
  if (ctx.out.json) return ctx.out.printJson({ binding: wireBinding(registered), file: file.path, created: file.created });
  ctx.out.success(`Bound ${ns} to route ${route} as ${variable}, ${access}${file.created ? ` (created ${file.path})` : ` (${file.path})`}.`);
  ctx.out.hint(`The route's function needs a route token: yourspace kv emulator token create --route ${shellQuote(route)}`);
}

export const unbind: Handler<{ route?: string; as?: string }> = (ctx, args, opts) => untilTargetChanges(ctx, "unbound", () => unbindBoth(ctx, args, opts));

/**
 * Runs a command that changes the target and the project file. A signal is heeded until the target
 * is changed, and then reported as such ("nothing was bound"); after that the command finishes both
 * places, or undoes the target.
 */
async function untilTargetChanges(ctx: Context, done: "bound" | "unbound", work: () => Promise<void>): Promise<void> {
  ctx.stopsBetweenSteps();
  try {
    await work();
  } catch (e) {
    if (isInterruption(e)) throwIfStopped(ctx.signal, (by: StopSignal) => errors.interrupted(by, `Interrupted by ${by}; nothing was ${done}.`, "Nothing was changed."));
    throw e;
  }
}

async function unbindBoth(ctx: Context, args: CommandArgs, opts: { route?: string; as?: string }): Promise<void> {
  const ns = args.namespace as string | undefined;
  if (opts.route === undefined) throw errors.usage("Name the route with --route <pattern>.");
  const backend = await ctx.backend();
  const bound = (await backend.listBindings()).filter((b) => b.route === opts.route && (opts.as ? b.variable === opts.as : b.namespace === ns));
  if (ns === undefined && opts.as === undefined) throw errors.usage("Name the namespace, or the variable with --as.");
  // As for bind: the file is written beside itself first, the target changed next, the file put in
  // place last, and the target's bindings restored if that fails.
  const route = opts.route;
  const file = await ProjectFile.open(ctx.io.cwd);
  const variables = bound.length ? bound.map((b) => b.variable) : [opts.as ?? ns!.toUpperCase().replace(/[^A-Z0-9_]/g, "_")];
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
  if (removed.length === 0 && fromFile === 0) throw errors.bindingNotFound(ns ?? opts.as!, route);
  if (ctx.out.json) return ctx.out.printJson({ route: opts.route, removed: variables, file: fromFile ? file.path : null });
  ctx.out.success(`Unbound ${variables.join(", ")} from route ${opts.route}.`);
}

/**
 * Puts the project file in place once the target has changed; if that fails, undoes the target's
 * change, so the command changed neither. Says so when even the undo fails.
 */
async function bothOrNeither(path: string, save: PreparedSave, undo: () => Promise<unknown>, what: "binding" | "unbinding"): Promise<void> {
  try {
    save.commit();
  } catch (e) {
    try {
      await undo();
    } catch (u) {
      throw new KvError(
        (e as KvError).code,
        `${(e as Error).message.replace(/\.$/, "")}, and undoing the ${what} on the target failed too (${(u as Error).message.replace(/\.$/, "")}): the target has the change and ${path} does not.`,
        what === "binding" ? "Make the file writable and run the same bind again, or remove the binding with yourspace kv unbind." : "Make the file writable and run the same unbind again.",
      );
    }
    const err = e as KvError;
    throw new KvError(err.code, `${err.message.replace(/\.$/, "")}; the ${what} on the target was undone, so nothing changed.`, err.hint);
  }
}

export const bindings: Handler = async (ctx) => {
  const list = await (await ctx.backend()).listBindings();
  if (ctx.out.json) return ctx.out.printJson({ bindings: list.map(wireBinding) });
  if (list.length === 0) return ctx.out.note("No bindings. Add one with: yourspace kv bind <namespace> --route <pattern>");
  if (ctx.out.stdoutIsTTY) await table(ctx, ["route", "variable", "namespace", "access"], list.map((b) => [b.route, b.variable, b.namespace, b.access]));
  else for (const b of list) await ctx.out.row([b.route, b.variable, b.namespace, b.access]);
};

interface AuditOptions {
  key?: string;
  since?: string;
  actor?: string;
  limit: string;
}

export const audit: Handler<AuditOptions> = async (ctx, _args, opts) => {
  const backend = await ctx.backend();
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw errors.usage(`--limit must be a whole number from 1 to 1000, not "${opts.limit}".`);
  // Measured back from the target's own clock (the emulator's may be manual), not this machine's.
  const withinMs = opts.since === undefined ? undefined : parseDuration(opts.since, "--since");
  const entries = await backend.audit({ key: opts.key, actor: opts.actor, withinMs, limit });
  if (ctx.out.json) return ctx.out.printJson({ entries: entries.map((e) => ({ ...e, t: isoOrNull(e.t) })) });
  if (entries.length === 0) return ctx.out.note("No audit records match.");
  // count: identical reads within one flush of the log are one record, timed at the first.
  if (ctx.out.stdoutIsTTY) await table(ctx, ["time", "actor", "action", "namespace", "key", "region", "outcome", "count"], entries.map((e) => [isoOrNull(e.t)!, e.actor, e.action, e.namespace, e.key ?? "", e.region, e.outcome, String(e.count)]));
  else for (const e of entries) await ctx.out.row([isoOrNull(e.t)!, e.actor, e.action, e.namespace, e.key ?? "", e.region, e.outcome, String(e.count)]);
  if (entries.length === limit) ctx.out.warn(`Showing the newest ${limit} records; there may be more. Narrow with --since, --key or --actor, or raise --limit (at most 1000).`);
};

export const usage: Handler = async (ctx) => {
  const u = await (await ctx.backend()).usage();
  if (ctx.out.json) return ctx.out.printJson(u);
  const of = (used: number, ceiling: number | null, fmt: (n: number) => string) => `${fmt(used)}${ceiling === null ? " (no ceiling)" : ` of ${fmt(ceiling)} (${((100 * used) / ceiling).toFixed(1)}%)`}`;
  const n = (x: number) => x.toLocaleString("en-US");
  await ctx.out.line(`site ${u.site}, ${u.tier} tier, period ${u.period}`);
  await table(ctx, ["meter", "use"], [
    ["keys", of(u.storage.keys, u.ceilings.keys, n)],
    // Ceilings are decimal (50 MB = 50,000,000 bytes), so storage is shown the same way.
    ["storage", of(u.storage.bytes, u.ceilings.bytes, decimalBytes)],
    ["storage over time", `${u.storage.gbHours.toFixed(6)} GB-hours`],
    ["reads", n(u.reads)],
    ["writes", n(u.writes)],
    ["egress", `${decimalBytes(u.egressBytes)} (values read outside the home region)`],
    ["largest value", formatBytes(u.ceilings.maxValueBytes)],
  ]);
};

interface SiteOptions {
  tier?: string;
  auditRetention?: string;
}

export const site: Handler<SiteOptions> = async (ctx, _args, opts) => {
  const backend = await ctx.backend();
  if (opts.tier !== undefined && !isTier(opts.tier)) throw errors.usage(`There is no tier "${opts.tier}".`, `Tiers: ${TIER_NAMES.join(", ")}.`);
  const days = opts.auditRetention === undefined ? undefined : parseDuration(opts.auditRetention, "--audit-retention", "d") / 86_400_000;
  if (days !== undefined && !Number.isInteger(days)) throw errors.usage("--audit-retention is a whole number of days, for example 30d.");
  const info = opts.tier !== undefined || days !== undefined ? await backend.updateSite({ tier: opts.tier as never, auditRetentionDays: days }) : await backend.usage();
  if (ctx.out.json) return ctx.out.printJson({ site: info.site, tier: info.tier, auditRetentionDays: info.auditRetentionDays });
  await ctx.out.line(`site ${info.site}: ${info.tier} tier, audit records kept ${info.auditRetentionDays} days`);
};

function decimalBytes(n: number): string {
  if (n < 1_000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)} kB`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  return `${(n / 1_000_000_000).toFixed(2)} GB`;
}

function withoutTime({ createdAt: _, ...binding }: Binding): Omit<Binding, "createdAt"> {
  return binding;
}

function wireBinding(b: Binding) {
  return { ...b, createdAt: isoOrNull(b.createdAt) };
}

async function askBinding(ctx: Context, namespaces: string[], given: { ns?: string; route?: string; access?: string }) {
  const ns = given.ns ?? (await ctx.prompter.select("Namespace to bind", namespaces.map((n) => ({ value: n }))));
  if (ns === null) throw errors.cancelled();
  const route = given.route ?? (await ctx.prompter.text("Route pattern", "/api/*"));
  if (route === null) throw errors.cancelled();
  const access =
    given.access ??
    (await ctx.prompter.select("Access", [
      { value: "read-only", hint: "the function can read, never write" },
      { value: "read-write" },
    ]));
  if (access === null) throw errors.cancelled();
  return { ns, route, access };
}

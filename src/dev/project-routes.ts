import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Binding } from "../core/backend.js";
import { errors } from "../core/errors.js";
import { parseRoutePattern, type RoutePattern } from "../core/route-pattern.js";
import { ProjectFile, type RouteBlock } from "../project/project-file.js";
import { DEFAULT_BINDING, declaredBindings } from "../project/route-bindings.js";

/** A route `yourspace dev` serves: its pattern, its function's source file and its bindings. */
export interface DevRoute {
  pattern: RoutePattern;
  /** The function's source, absolute; null for a block that only binds (nothing to run). */
  file: string | null;
  /** By variable; the shorthand's binding is the variable "default" (the SDK's `kv`). */
  bindings: Binding[];
}

export interface DevProject {
  /** The project file, absolute. */
  path: string;
  dir: string;
  routes: DevRoute[];
}

/**
 * Reads the routes of the project file nearest to `cwd`. A route block's `kv` is the launch post's
 * shorthand (`"read-only"` or `"read-write"`: the site's default namespace, the SDK's `kv`), or an
 * object of named bindings (`ctx.env.VARIABLE`) in which the reserved name `"default"` is the
 * shorthand's binding, so one block can hold both. Without either, `kv` is the default namespace,
 * read-write.
 */
export async function readProjectRoutes(cwd: string): Promise<DevProject> {
  const file = await ProjectFile.open(cwd);
  if (!file.exists)
    throw errors.usage(`There is no yourspace.jsonc in ${cwd} or its parents.`, "Run this in a project, or create yourspace.jsonc with its routes.");
  const dir = dirname(file.path);
  const blocks = await file.routes();
  return { path: file.path, dir, routes: blocks.map((block, i) => routeOf(block, i, dir, file.path)) };
}

function routeOf(block: RouteBlock, index: number, dir: string, path: string): DevRoute {
  const where = `routes[${index}] of ${path}`;
  if (typeof block !== "object" || block === null) throw errors.usage(`${where} is not an object.`, 'A route block is { "pattern": "/…", "function": "…" }.');
  const pattern = parseRoutePattern(block.pattern);
  const route = pattern.text;
  return { pattern, file: functionFile(block.function, dir, where), bindings: bindingsOf(block.kv, route, where) };
}

function functionFile(name: unknown, dir: string, where: string): string | null {
  if (name === undefined) return null;
  if (typeof name !== "string" || name === "")
    throw errors.usage(`"function" in ${where} must be a path or a name.`, 'For example "functions/admin.ts" or "admin".');
  // A bare name is a file in functions/, TypeScript or JavaScript.
  const candidates = /^[\w.-]+$/.test(name) && !/\.[cm]?[jt]sx?$/.test(name) ? [`functions/${name}.ts`, `functions/${name}.js`] : [name];
  for (const candidate of candidates) {
    const full = isAbsolute(candidate) ? candidate : resolve(dir, candidate);
    if (existsSync(full)) return full;
  }
  throw errors.usage(
    `The function "${name}" of ${where} was not found (looked for ${candidates.map((c) => relative(dir, join(dir, c)) || c).join(" and ")}).`,
    'Create the file, or correct the route\'s "function": a path relative to the project file, or a name in functions/.',
  );
}

/**
 * The route's bindings. The SDK's `kv` is always one of them: the site's default namespace,
 * read-write unless the block says otherwise (the shorthand, or a "default" entry), as on the platform.
 */
function bindingsOf(kv: unknown, route: string, where: string): Binding[] {
  const bindings = declaredBindings(kv, route, where);
  if (bindings.some((b) => b.variable === DEFAULT_BINDING)) return bindings;
  return [{ route, variable: DEFAULT_BINDING, namespace: "default", access: "read-write", createdAt: 0 }, ...bindings];
}

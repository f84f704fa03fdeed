import { chmodSync, existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Binding } from "../core/backend.js";
import { errors, KvError } from "../core/errors.js";
import { holdProjectFile } from "./project-file-lock.js";
import { DEFAULT_BINDING, declaredBindings } from "./route-bindings.js";
import { findProjectFile } from "./target.js";

/**
 * The project file, yourspace.jsonc: routes and the KV namespaces their functions are bound to.
 * It is edited with jsonc-parser, which changes only the values it must, so comments and formatting
 * survive. docs/project-file.md describes it.
 */
export interface RouteBlock {
  pattern: string;
  /**
   * The launch post's shorthand ("read-only" or "read-write": the site's default namespace), or named
   * bindings by variable, where the reserved name "default" is the shorthand's binding.
   */
  kv?: "read-only" | "read-write" | Record<string, { namespace: string; access: "read-only" | "read-write" }>;
  [other: string]: unknown;
}

const NEW_FILE = `{
  // yourspace project settings: see docs/project-file.md.
  "routes": []
}
`;

/** A new text of the project file, written beside it: commit() puts it in place, discard() drops it. */
export interface PreparedSave {
  commit(): void;
  discard(): void;
}

export class ProjectFile {
  private constructor(
    readonly path: string,
    private text: string,
    readonly created: boolean,
  ) {}

  /** Lets go of the file held by openToChange(). */
  release: () => void = () => {};

  /** The nearest project file, or a new yourspace.jsonc in the working directory. */
  static async open(cwd: string): Promise<ProjectFile> {
    const found = findProjectFile(cwd);
    if (found) return new ProjectFile(found, readFileSync(found, "utf8"), false);
    return new ProjectFile(join(cwd, "yourspace.jsonc"), NEW_FILE, true);
  }

  /**
   * The same, held for a change (kv bind, kv unbind): no other command changes it until release(),
   * and it is read once held, so the change is made to the text as it stands.
   */
  static async openToChange(cwd: string): Promise<ProjectFile> {
    for (;;) {
      const path = findProjectFile(cwd) ?? join(cwd, "yourspace.jsonc");
      let release: () => void;
      try {
        release = await holdProjectFile(path);
      } catch (e) {
        if (e instanceof KvError) throw e;
        throw errors.file(path, `${reasonOf(e)}; nothing was changed`);
      }
      // Another command may have made a project file nearer than the one held while this one waited.
      if ((findProjectFile(cwd) ?? path) !== path) {
        release();
        continue;
      }
      const file = await ProjectFile.open(cwd);
      file.release = release;
      return file;
    }
  }

  async routes(): Promise<RouteBlock[]> {
    const { parse, printParseErrorCode } = await import("jsonc-parser");
    const problems: import("jsonc-parser").ParseError[] = [];
    const doc = parse(this.text, problems, { allowTrailingComma: true }) as { routes?: unknown } | undefined;
    if (problems.length)
      throw errors.usage(
        `${this.path} is not valid JSONC: ${printParseErrorCode(problems[0]!.error)} at offset ${problems[0]!.offset}.`,
        "Fix the file and run the command again.",
      );
    if (doc?.routes !== undefined && !Array.isArray(doc.routes))
      throw errors.usage(
        `"routes" in ${this.path} must be an array of route blocks.`,
        'For example "routes": [{ "pattern": "/admin/*", "function": "admin" }].',
      );
    return (doc?.routes as RouteBlock[] | undefined) ?? [];
  }

  /** Adds or replaces a binding in its route's block, creating the block if needed. */
  async bind(binding: Omit<Binding, "createdAt">): Promise<void> {
    const routes = await this.routes();
    const index = routes.findIndex((r) => r.pattern === binding.route);
    const value = { namespace: binding.namespace, access: binding.access };
    const kv = index < 0 ? undefined : this.checkedKv(routes[index]!, index);
    if (index < 0) await this.edit(["routes", routes.length], { pattern: binding.route, kv: { [binding.variable]: value } }, true);
    // The shorthand becomes the object form, its binding kept as "default", so the route loses nothing.
    else if (typeof kv === "string")
      await this.edit(["routes", index, "kv"], { [DEFAULT_BINDING]: { namespace: "default", access: kv }, [binding.variable]: value });
    else await this.edit(["routes", index, "kv", binding.variable], value);
  }

  /** The bindings a route's block declares (none when the file or the block is missing). */
  async declared(route: string): Promise<Binding[]> {
    if (!this.exists) return [];
    const routes = await this.routes();
    const index = routes.findIndex((r) => r.pattern === route);
    return index < 0 ? [] : declaredBindings(routes[index]!.kv, route, this.blockName(index));
  }

  /**
   * Removes a binding; an empty kv block is removed with it, and so is the shorthand when its binding,
   * "default", is the one removed. Resolves false when it was not there.
   */
  async unbind(route: string, variable: string): Promise<boolean> {
    const routes = await this.routes();
    const index = routes.findIndex((r) => r.pattern === route);
    const kv = index < 0 ? undefined : this.checkedKv(routes[index]!, index);
    if (typeof kv === "string" && variable === DEFAULT_BINDING) {
      await this.edit(["routes", index, "kv"], undefined);
      return true;
    }
    if (kv === undefined || typeof kv !== "object" || !kv[variable]) return false;
    const others = Object.keys(kv).filter((v) => v !== variable);
    await this.edit(others.length ? ["routes", index, "kv", variable] : ["routes", index, "kv"], undefined);
    return true;
  }

  /**
   * Writes the new text beside the file, under a temporary name, and returns what puts it in place.
   * A command that changes the target too calls this first: a file that cannot be written fails here,
   * before the target is changed.
   */
  prepare(): PreparedSave {
    // A link stays a link: the file it points to is replaced.
    const path = existsSync(this.path) ? realpathSync(this.path) : this.path;
    const temp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(temp, this.text);
      // The file keeps its permissions; a new one gets the usual ones (umask).
      if (existsSync(path)) chmodSync(temp, statSync(path).mode & 0o7777);
    } catch (e) {
      rmSync(temp, { force: true });
      throw errors.file(path, `${reasonOf(e)}; nothing was changed`);
    }
    return {
      commit() {
        try {
          renameSync(temp, path);
        } catch (e) {
          rmSync(temp, { force: true });
          throw errors.file(path, reasonOf(e));
        }
      },
      discard() {
        rmSync(temp, { force: true });
      },
    };
  }

  /** A block's `kv`, once it is one `yourspace dev` would take: a change is never made to, or on top of, one it would refuse. */
  private checkedKv(block: RouteBlock, index: number): RouteBlock["kv"] {
    declaredBindings(block.kv, block.pattern, this.blockName(index));
    return block.kv;
  }

  private blockName(index: number): string {
    return `routes[${index}] of ${this.path}`;
  }

  get exists(): boolean {
    return existsSync(this.path);
  }

  /**
   * One change through jsonc-parser, the library VS Code edits settings.json with: it rewrites only the
   * span around the change, in the file's own indentation, and keeps every comment.
   */
  private async edit(path: (string | number)[], value: unknown, insert = false): Promise<void> {
    const { modify, applyEdits } = await import("jsonc-parser");
    const indent = /\n(\t| +)"/.exec(this.text)?.[1] ?? "  ";
    const edits = modify(this.text, path, value, {
      isArrayInsertion: insert,
      formattingOptions: {
        insertSpaces: !indent.startsWith("\t"),
        tabSize: indent.startsWith("\t") ? 1 : indent.length,
        eol: this.text.includes("\r\n") ? "\r\n" : "\n",
      },
    });
    this.text = applyEdits(this.text, edits);
  }
}

function reasonOf(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOENT":
    case "ENOTDIR":
      return "its directory does not exist";
    case "EISDIR":
      return "it is a directory";
    case "ENOSPC":
      return "the disk is full";
    default:
      return (e as Error).message;
  }
}

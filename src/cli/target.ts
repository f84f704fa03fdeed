import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ParseError } from "jsonc-parser";
import { errors, KvError } from "../core/errors.js";
import type { Globals } from "./context.js";
import { profileName, readUserConfig } from "./user-config.js";

export const PLATFORM_API_URL = "https://api.yourspace.dev";

export type Target =
  | { kind: "embedded" }
  | { kind: "remote"; apiUrl: string; token: string; site: string | null; source: string };

/** The project's own settings, from the nearest yourspace.jsonc or yourspace.json. */
export interface ProjectConfig {
  path: string;
  site?: string;
  apiUrl?: string;
}

/**
 * Which target a command uses, field by field: flag > environment > project config > user profile
 * > the embedded emulator. `--local` forces the emulator; `--remote` requires the platform.
 */
export async function resolveTarget(globals: Globals, env: Record<string, string | undefined>, cwd: string): Promise<Target> {
  if (globals.local && (globals.remote || globals.apiUrl)) throw errors.usage("--local cannot be combined with --remote or --api-url.");
  if (globals.local) return { kind: "embedded" };
  const project = await findProjectConfig(cwd);
  const config = readUserConfig(env);
  const name = profileName(env, config);
  const profile = config.profiles?.[name];

  const pick = <T>(...sources: [T | undefined, string][]): [T, string] | undefined => sources.find(([v]) => v !== undefined && v !== "") as [T, string] | undefined;
  const apiUrl = pick<string>([globals.apiUrl, "--api-url"], [env.YOURSPACE_API_URL, "YOURSPACE_API_URL"], [project?.apiUrl, project?.path ?? ""], [profile?.apiUrl, `profile ${name}`]);
  if (!apiUrl && !globals.remote) return { kind: "embedded" };
  const token = pick<string>([globals.token, "--token"], [env.YOURSPACE_TOKEN, "YOURSPACE_TOKEN"], [profile?.token, `profile ${name}`]);
  if (!token) {
    throw new KvError("UNAUTHENTICATED", `No token for the platform API at ${apiUrl?.[0] ?? PLATFORM_API_URL}.`, "Log in with: yourspace login (or set YOURSPACE_TOKEN); use --local for the embedded emulator.");
  }
  // A profile's site belongs with its URL and token: it is used only when they come from the profile too.
  const fromProfile = apiUrl?.[1] === `profile ${name}` || (!apiUrl && token[1] === `profile ${name}`);
  const site = pick<string>([globals.site, "--site"], [env.YOURSPACE_SITE, "YOURSPACE_SITE"], [project?.site, project?.path ?? ""], [fromProfile ? profile?.site : undefined, `profile ${name}`]);
  return { kind: "remote", apiUrl: apiUrl?.[0] ?? PLATFORM_API_URL, token: token[0], site: site?.[0] ?? null, source: `from ${apiUrl?.[1] ?? "--remote"}` };
}

export const PROJECT_FILES = ["yourspace.jsonc", "yourspace.json"] as const;

/** The nearest project config file in the working directory or a parent. */
export function findProjectFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of PROJECT_FILES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

async function findProjectConfig(cwd: string): Promise<ProjectConfig | undefined> {
  const path = findProjectFile(cwd);
  if (!path) return undefined;
  const { parse, printParseErrorCode } = await import("jsonc-parser");
  // The project file is JSONC: comments and trailing commas are allowed.
  const problems: ParseError[] = [];
  const doc = (parse(readFileSync(path, "utf8"), problems, { allowTrailingComma: true }) ?? {}) as { site?: unknown; apiUrl?: unknown };
  if (problems.length > 0) {
    throw errors.usage(`The project file ${path} is not valid JSONC: ${printParseErrorCode(problems[0]!.error)} at offset ${problems[0]!.offset}.`, "Fix the file, or move it away.");
  }
  return { path, site: typeof doc.site === "string" ? doc.site : undefined, apiUrl: typeof doc.apiUrl === "string" ? doc.apiUrl : undefined };
}

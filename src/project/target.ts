import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ParseError } from "jsonc-parser";
import { errors, type KvError } from "../core/errors.js";
import { remoteErrors } from "../core/remote-errors.js";
import { didYouMean } from "./suggest.js";
import { profileChoice, readUserConfig, type UserConfig } from "./user-config.js";

export const PLATFORM_API_URL = "https://api.yourspace.dev";

export type Target = { kind: "embedded" } | { kind: "remote"; apiUrl: string; token: string; site: string | null; source: string };

/** What the command line says about the target (its global options). */
export interface TargetFlags {
  local?: boolean;
  remote?: boolean;
  apiUrl?: string;
  token?: string;
  site?: string;
}

/** The project's own settings, from the nearest yourspace.jsonc or yourspace.json. */
interface ProjectConfig {
  path: string;
  site?: string;
  apiUrl?: string;
}

/**
 * Which target a command uses, field by field: flag > environment > project config > user profile
 * > the embedded emulator. `--local` forces the emulator; `--remote` requires the platform.
 *
 * A stored token (a profile's) is sent only to the URL it was stored for: an API URL from anywhere
 * else (a flag, the environment, or a project file, which is committed and may come from anyone) gets
 * it only if it is the same origin. A token given for this command (--token, YOURSPACE_TOKEN) goes
 * where the user says. Every API URL is checked before any request; a profile someone chose must
 * exist. Nothing falls back to the embedded emulator because of a mistake.
 */
export async function resolveTarget(globals: TargetFlags, env: Record<string, string | undefined>, cwd: string): Promise<Target> {
  if (globals.local && (globals.remote || globals.apiUrl)) throw errors.usage("--local cannot be combined with --remote or --api-url.");
  if (globals.local) return { kind: "embedded" };
  const project = await findProjectConfig(cwd);
  const config = readUserConfig(env);
  const { name, chosenBy } = profileChoice(env, config);
  const stored = config.profiles?.[name];
  const profileSource = `profile ${name}`;

  const pick = (...sources: [string | undefined, string][]): [string, string] | undefined =>
    sources.find(([v]) => v !== undefined && v !== "") as [string, string] | undefined;
  const given = pick([globals.apiUrl, "--api-url"], [env.YOURSPACE_API_URL, "YOURSPACE_API_URL"], [project?.apiUrl, project?.path ?? ""]);
  const givenToken = pick([globals.token, "--token"], [env.YOURSPACE_TOKEN, "YOURSPACE_TOKEN"]);
  // The profile is needed for whatever was not given; one that was chosen and does not exist is an error.
  if ((!given || !givenToken) && chosenBy !== null && !stored) throw unknownProfile(name, chosenBy, Object.keys(config.profiles ?? {}));
  const apiUrl = given ?? (stored ? ([stored.apiUrl, profileSource] as [string, string]) : undefined);
  if (!apiUrl && !globals.remote) return { kind: "embedded" };
  const url = apiUrl ? checkApiUrl(apiUrl[0], apiUrl[1]) : PLATFORM_API_URL;
  const token = givenToken ?? (stored ? ([stored.token, profileSource] as [string, string]) : undefined);
  if (!token) {
    throw remoteErrors.noToken(url);
  }
  if (token[1] === profileSource && !sameOrigin(url, stored!.apiUrl)) throw tokenForOtherUrl(name, stored!.apiUrl, url, apiUrl?.[1] ?? "--remote", config);
  // A profile's site belongs with its URL and token: it is used only when they come from the profile too.
  const fromProfile = apiUrl?.[1] === profileSource || (!apiUrl && token[1] === profileSource);
  const site = pick(
    [globals.site, "--site"],
    [env.YOURSPACE_SITE, "YOURSPACE_SITE"],
    [project?.site, project?.path ?? ""],
    [fromProfile ? stored?.site : undefined, profileSource],
  );
  return { kind: "remote", apiUrl: url, token: token[0], site: site?.[0] ?? null, source: `from ${apiUrl?.[1] ?? "--remote"}` };
}

/**
 * An API URL as requests use it: its origin (scheme, host, port). Anything that origin would not
 * honour is refused rather than dropped: another scheme, no host, credentials, a path.
 */
export function checkApiUrl(text: string, source: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw errors.apiUrlInvalid(text, source, "it is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw errors.apiUrlInvalid(text, source, `it uses ${url.protocol.replace(/:$/, "")}; the API is served over http or https`);
  if (url.hostname === "") throw errors.apiUrlInvalid(text, source, "it names no host");
  if (url.username !== "" || url.password !== "") {
    // The credentials are not repeated in the message.
    url.username = "";
    url.password = "";
    throw errors.apiUrlInvalid(`${url.origin}`, source, "it carries a user name or password; give the token with --token or YOURSPACE_TOKEN instead");
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    throw errors.apiUrlInvalid(text, source, `it has a path or query; the API's routes start at the root, so give only ${url.origin}`);
  }
  return url.origin;
}

/** Two API URLs that send requests, and so tokens, to the same place. */
function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function unknownProfile(name: string, chosenBy: string, profiles: string[]): KvError {
  const which = profiles.length ? ` The profiles are ${profiles.join(", ")}.` : " No profile is stored yet.";
  return remoteErrors.profileUnknown(name, chosenBy, `${didYouMean(name, profiles)}${which}`.trim());
}

function tokenForOtherUrl(name: string, storedFor: string, url: string, source: string, config: UserConfig): KvError {
  const other = Object.entries(config.profiles ?? {}).find(([, p]) => sameOrigin(p.apiUrl, url))?.[0];
  return remoteErrors.tokenForOtherUrl(name, storedFor, url, source, other);
}

/** The embedded emulator's sites exist once created: the default one, and each `token create --site` makes. */
export function checkEmbeddedSite(site: string, sites: readonly string[], chosenBy: string, where: string): void {
  if (sites.includes(site)) return;
  throw remoteErrors.embeddedSiteUnknown(site, chosenBy, where, `${didYouMean(site, sites)} Its sites are ${sites.join(", ")}.`.trim());
}

const PROJECT_FILES = ["yourspace.jsonc", "yourspace.json"] as const;

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
    throw errors.usage(
      `The project file ${path} is not valid JSONC: ${printParseErrorCode(problems[0]!.error)} at offset ${problems[0]!.offset}.`,
      "Fix the file, or move it away.",
    );
  }
  return { path, site: typeof doc.site === "string" ? doc.site : undefined, apiUrl: typeof doc.apiUrl === "string" ? doc.apiUrl : undefined };
}

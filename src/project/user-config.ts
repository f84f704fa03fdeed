import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { errors } from "../core/errors.js";
import { remoteErrors } from "../core/remote-errors.js";
import { fromSystemError } from "../core/system-errors.js";

/** One set of credentials: where the API is, the token, and its site. */
export interface Profile {
  apiUrl: string;
  token: string;
  site: string;
}

export interface UserConfig {
  currentProfile?: string;
  profiles?: Record<string, Profile>;
}

export const DEFAULT_PROFILE = "default";

/** `YOURSPACE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/yourspace`, else `~/.config/yourspace`. */
function configDir(env: Record<string, string | undefined>): string {
  if (env.YOURSPACE_CONFIG_DIR) return env.YOURSPACE_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "yourspace");
}

/**
 * Reads the user's profiles. This runs on every command, so it reads the file directly; the `conf`
 * library (and its start-up cost) is loaded only by the commands that write it (login, logout).
 * A file that cannot be read, or holds something other than profiles, is an error: taken for no
 * config, commands would go elsewhere without a word, and a profile of another shape would fail as a bug.
 */
export function readUserConfig(env: Record<string, string | undefined>): UserConfig {
  const path = userConfigPath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    // Out of open files or memory is the system's limit, not the file's fault.
    throw fromSystemError(e) ?? errors.file(path, (e as Error).message);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw remoteErrors.userConfigDamaged(path, `it is not valid JSON (${(e as Error).message})`);
  }
  const problem = configProblem(doc);
  if (problem !== null) throw remoteErrors.userConfigDamaged(path, problem);
  return doc as UserConfig;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What makes `doc` something other than a UserConfig, or null when it is one. Fields of its own are kept, not judged. */
function configProblem(doc: unknown): string | null {
  if (!isObject(doc)) return "it is not a JSON object";
  if (doc.currentProfile !== undefined && typeof doc.currentProfile !== "string") return '"currentProfile" is not a string';
  if (doc.profiles === undefined) return null;
  if (!isObject(doc.profiles)) return '"profiles" is not an object';
  for (const [name, profile] of Object.entries(doc.profiles)) {
    const fields = ["apiUrl", "token", "site"] as const;
    if (!isObject(profile) || fields.some((f) => typeof profile[f] !== "string"))
      return `profile ${JSON.stringify(name)} is not an object with apiUrl, token and site as strings`;
  }
  return null;
}

function userConfigPath(env: Record<string, string | undefined>): string {
  return join(configDir(env), "config.json");
}

export function profileName(env: Record<string, string | undefined>, config: UserConfig): string {
  return profileChoice(env, config).name;
}

/**
 * Which profile commands use, and who chose it: YOURSPACE_PROFILE, `profile use` (the current
 * profile), or nobody (the default profile, which need not exist).
 */
export function profileChoice(env: Record<string, string | undefined>, config: UserConfig): { name: string; chosenBy: string | null } {
  if (env.YOURSPACE_PROFILE) return { name: env.YOURSPACE_PROFILE, chosenBy: "YOURSPACE_PROFILE" };
  if (config.currentProfile) return { name: config.currentProfile, chosenBy: "the current profile (yourspace profile use)" };
  return { name: DEFAULT_PROFILE, chosenBy: null };
}

/**
 * Opens the config for writing, with conf: atomic writes, and a file only the user can read. The
 * file is read and checked first, so a damaged one is reported as every reader reports it.
 */
export async function openUserConfig(env: Record<string, string | undefined>) {
  readUserConfig(env);
  const { default: Conf } = await import("conf");
  return new Conf<UserConfig>({ projectName: "yourspace", cwd: configDir(env), configName: "config", configFileMode: 0o600 });
}

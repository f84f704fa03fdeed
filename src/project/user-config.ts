import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { errors } from "../core/errors.js";
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
 */
export function readUserConfig(env: Record<string, string | undefined>): UserConfig {
  const path = join(configDir(env), "config.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    // Out of open files or memory is the system's limit, not the file's fault.
    throw fromSystemError(e) ?? errors.file(path, (e as Error).message);
  }
  // A config that cannot be read is not taken for no config: commands would go elsewhere without a word.
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw errors.usage(`The config file ${path} is not valid JSON: ${(e as Error).message}.`, "Fix it, or remove it and log in again with: yourspace login");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw errors.usage(`The config file ${path} is not a JSON object.`, "Fix it, or remove it and log in again with: yourspace login");
  return doc as UserConfig;
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

/** Opens the config for writing, with conf: atomic writes, and a file only the user can read. */
export async function openUserConfig(env: Record<string, string | undefined>) {
  const { default: Conf } = await import("conf");
  return new Conf<UserConfig>({ projectName: "yourspace", cwd: configDir(env), configName: "config", configFileMode: 0o600 });
}

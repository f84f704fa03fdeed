import { DEFAULT_NAMESPACE, DEFAULT_SITE } from "../core/limits.js";
import { peekStore } from "../emulator/peek.js";
import type { Globals } from "../commands/context.js";
import { MAX_VALUES, type GivenOptions, type ValueSources } from "./complete-words.js";
import { resolveDataDir } from "../project/data-dir.js";
import { resolveTarget } from "../project/target.js";
import { readUserConfig } from "../project/user-config.js";

/**
 * Values for shell completion, read where commands would read them: the target is resolved as every
 * command resolves it (flags, environment, project file, profile), and keys, namespaces and sites
 * come from the embedded store only, opened read-only, never created, never waited for. A platform
 * API target offers none: completion sends no request, so a stored token goes nowhere and a slow
 * network never holds the shell. Emulator commands (and inspect) act on the data directory's store
 * whatever the target, so theirs come from it too. Profiles are names in the user's config file.
 */
export function storeSources(env: Record<string, string | undefined>, cwd: string): ValueSources {
  return {
    async values(source, typed, given, path) {
      try {
        if (source === "profiles") return Object.keys(readUserConfig(env).profiles ?? {}).sort();
        const local = path[0] === "kv" && (path[1] === "emulator" || path[1] === "inspect");
        const globals = globalsOf(given);
        if (!local && (await resolveTarget(globals, env, cwd)).kind !== "embedded") return [];
        const store = await peekStore(resolveDataDir(globals.dataDir, env, cwd));
        if (!store) return [];
        try {
          const site = globals.site ?? env.YOURSPACE_SITE ?? DEFAULT_SITE;
          if (source === "sites") return store.sites();
          if (source === "namespaces") return store.namespaces(site);
          if (source === "regions") return store.regions();
          if (source === "edges") return store.regions().slice(1);
          const namespace = typeof given.get("--namespace") === "string" ? (given.get("--namespace") as string) : DEFAULT_NAMESPACE;
          return store.keys(site, namespace, typed, MAX_VALUES);
        } finally {
          store.close();
        }
      } catch {
        // An unknown profile, a project file that does not parse, a store that is busy or corrupt:
        // the command itself will say so; completion offers nothing.
        return [];
      }
    },
  };
}

function globalsOf(given: GivenOptions): Globals {
  const text = (flag: string) => (typeof given.get(flag) === "string" ? (given.get(flag) as string) : undefined);
  return {
    json: false,
    quiet: false,
    color: false,
    dataDir: text("--data-dir"),
    local: given.get("--local") === true,
    remote: given.get("--remote") === true,
    apiUrl: text("--api-url"),
    token: text("--token"),
    site: text("--site"),
  };
}

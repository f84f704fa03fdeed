import { DEFAULT_NAMESPACE } from "../../core/limits.js";
import type { Handler } from "../../commands/context.js";

/**
 * How a command is declared. Every command is declared once, in the file of its noun beside this one;
 * the parser, `--help` and the shell completions are all built from those tables (index.ts joins
 * them), so they cannot drift apart. Handlers are imported only when their command runs.
 */
interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
  choices?: readonly string[];
  /** Where shell completion finds its values. */
  values?: ValueSource;
}

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string;
  choices?: readonly string[];
  /** Where shell completion finds its values. */
  values?: ValueSource;
}

/** Values shell completion offers: from the target's store (`edges`: its regions but home), the user's profiles, or the file system. */
export type ValueSource = "keys" | "namespaces" | "profiles" | "regions" | "edges" | "sites" | "files";

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  summary: string;
  args?: readonly ArgSpec[];
  options?: readonly OptionSpec[];
  examples?: readonly (readonly [command: string, explanation: string])[];
  load?: () => Promise<Handler<any>>;
  commands?: readonly CommandSpec[];
}

/** Options several commands share. */
export const namespace: OptionSpec = { flags: "-n, --namespace <name>", description: "namespace to use", default: DEFAULT_NAMESPACE, values: "namespaces" };
export const region: OptionSpec = {
  flags: "-r, --region <id>",
  description: "region the command runs in (env: YOURSPACE_REGION; default: the home region)",
  values: "regions",
};
export const consistency: OptionSpec = {
  flags: "-c, --consistency <level>",
  description: "strong reads home; eventual reads what the region's edge serves now",
  default: "strong",
  choices: ["strong", "eventual"],
};

export const replace: OptionSpec = { flags: "--force", description: "replace a file that exists without asking (it keeps its mode)" };

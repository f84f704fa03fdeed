import { AUTH_COMMANDS } from "./auth.js";
import { DEV_COMMAND } from "./dev.js";
import { EMULATOR_COMMAND } from "./emulator.js";
import { KV_COMMANDS } from "./kv.js";
import { NAMESPACE_COMMAND } from "./namespace.js";
import type { CommandSpec, OptionSpec } from "./spec.js";

export type { CommandSpec, OptionSpec, ValueSource } from "./spec.js";

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: "--json", description: "print machine-readable JSON on stdout (errors as JSON on stderr)" },
  { flags: "-q, --quiet", description: "print nothing on stderr but warnings and errors" },
  { flags: "--no-color", description: "turn off colour (NO_COLOR is honoured too)" },
  { flags: "--data-dir <dir>", description: "data directory of the embedded emulator (env: YOURSPACE_DATA_DIR)", values: "files" },
  { flags: "--local", description: "use the embedded emulator, whatever else is configured" },
  { flags: "--remote", description: "use the platform API (the logged-in profile, or YOURSPACE_API_URL)" },
  { flags: "--api-url <url>", description: "platform API to use (env: YOURSPACE_API_URL)" },
  { flags: "--token <token>", description: "API token (env: YOURSPACE_TOKEN); never printed" },
  { flags: "--site <site>", description: "site to act on (env: YOURSPACE_SITE)", values: "sites" },
];

/** The whole command tree: what the parser, --help and the shell completions are built from. */
export const COMMANDS: CommandSpec = {
  name: "yourspace",
  summary: "Command line for yourspace Edge KV",
  commands: [
    ...AUTH_COMMANDS,
    DEV_COMMAND,
    {
      name: "kv",
      summary: "Manage a site's key-value data",
      commands: [...KV_COMMANDS, EMULATOR_COMMAND, NAMESPACE_COMMAND],
    },
  ],
};

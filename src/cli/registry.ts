import { DEFAULT_NAMESPACE, LIMITS } from "../core/limits.js";
import type { Handler } from "../commands/context.js";

/**
 * Every command, declared once. The parser, `--help` and the shell completions are all built from
 * this table, so they cannot drift apart. Handlers are imported only when their command runs.
 */
export interface ArgSpec {
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

/** Values shell completion offers: from the target's store, the user's profiles, or the file system. */
export type ValueSource = "keys" | "namespaces" | "profiles" | "regions" | "sites" | "files";

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

const namespace: OptionSpec = { flags: "-n, --namespace <name>", description: "namespace to use", default: DEFAULT_NAMESPACE, values: "namespaces" };
const region: OptionSpec = { flags: "-r, --region <id>", description: "region the command runs in (env: YOURSPACE_REGION; default: the home region)", values: "regions" };
const consistency: OptionSpec = {
  flags: "-c, --consistency <level>",
  description: "strong reads home; eventual reads what the region's edge serves now",
  default: "strong",
  choices: ["strong", "eventual"],
};

const replace: OptionSpec = { flags: "--force", description: "replace a file that exists without asking (it keeps its mode)" };

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

export const COMMANDS: CommandSpec = {
  name: "yourspace",
  summary: "Command line for yourspace Edge KV",
  commands: [
    {
      name: "login",
      summary: "Store a token for the platform API (hidden prompt, --token, or stdin)",
      options: [{ flags: "--profile <name>", description: "store it under this profile (default: the current one)", values: "profiles" }],
      examples: [
        ["yourspace login", "asks for the token at a hidden prompt"],
        ["echo \"$TOKEN\" | yourspace login --api-url http://127.0.0.1:8787", "in CI, from stdin"],
        ["yourspace login --profile staging --token \"$STAGING_TOKEN\"", "a second, named profile"],
      ],
      load: async () => (await import("../commands/auth.js")).login,
    },
    {
      name: "logout",
      summary: "Remove a profile and its token",
      options: [{ flags: "--profile <name>", description: "the profile to remove (default: the current one)", values: "profiles" }],
      examples: [["yourspace logout", "forget the current profile's token"]],
      load: async () => (await import("../commands/auth.js")).logout,
    },
    {
      name: "whoami",
      summary: "Show which target commands use, and as whom",
      examples: [
        ["yourspace whoami", "the target, site and token kind (never the token)"],
        ["YOURSPACE_PROFILE=staging yourspace whoami --json", "another profile, as JSON"],
      ],
      load: async () => (await import("../commands/auth.js")).whoami,
    },
    {
      name: "profile",
      summary: "List profiles and choose the current one",
      commands: [
        {
          name: "ls",
          aliases: ["list"],
          summary: "List stored profiles",
          examples: [["yourspace profile ls", "the current one is starred"]],
          load: async () => (await import("../commands/auth.js")).listProfiles,
        },
        {
          name: "use",
          summary: "Make a profile the current one",
          args: [{ name: "name", description: "a profile created by login --profile", required: true, values: "profiles" }],
          examples: [["yourspace profile use staging", "later commands use staging"]],
          load: async () => (await import("../commands/auth.js")).useProfile,
        },
      ],
    },
    {
      name: "kv",
      summary: "Manage a site's key-value data",
      commands: [
        {
          name: "set",
          aliases: ["put"],
          summary: "Write a value to a key",
          args: [
            { name: "key", description: "the key (1 to 512 bytes of UTF-8)", required: true, values: "keys" },
            { name: "value", description: 'the value; "-" or nothing reads stdin when it is not a terminal' },
          ],
          options: [
            namespace,
            region,
            { flags: "--file <path>", description: "read the value from a file, byte for byte", values: "files" },
            { flags: "--ttl <duration>", description: `expire after a time: 90s, 10m, 7d, or plain seconds (at least ${LIMITS.minTtlSeconds}s)` },
            { flags: "--expires-at <time>", description: "expire at an ISO 8601 time or epoch seconds" },
            { flags: "--metadata <json>", description: "attach a JSON object of at most 1 KiB" },
          ],
          examples: [
            ["yourspace kv set flags/homepage-v2 on", "turn a flag on"],
            ["yourspace kv set sessions/abc --file session.bin --ttl 7d", "store a file's bytes for a week"],
            ["echo '{\"theme\":\"dark\"}' | yourspace kv set prefs/u1", "read the value from stdin"],
            ["yourspace kv set flags/beta off --metadata '{\"owner\":\"web\"}'", "attach metadata"],
          ],
          load: async () => (await import("../commands/set.js")).run,
        },
        {
          name: "get",
          summary: "Print a key's value",
          args: [{ name: "key", description: "the key to read", required: true, values: "keys" }],
          options: [
            namespace,
            region,
            consistency,
            { flags: "--cache-ttl <duration>", description: "emulator cache profiles: how long the edge may serve its cached copy for this read (default: the profile's; cloudflare's least is 30s)" },
            { flags: "-o, --output <file>", description: 'write the value to a file (whole or not at all); "-" is stdout, even a terminal', values: "files" },
            replace,
          ],
          examples: [
            ["yourspace kv get flags/homepage-v2", "print the raw value"],
            ["yourspace kv get images/logo --output logo.png", "save a binary value to a file"],
            ["yourspace kv get flags/homepage-v2 --json", "value, metadata, expiry and version as JSON"],
            ["yourspace kv get flags/homepage-v2 --region sin --consistency eventual", "what an edge function in sin reads now"],
          ],
          load: async () => (await import("../commands/get.js")).run,
        },
        {
          name: "ls",
          aliases: ["list"],
          summary: "List keys, optionally under a prefix",
          args: [{ name: "prefix", description: "only keys that start with this", values: "keys" }],
          options: [
            namespace,
            region,
            consistency,
            { flags: "--limit <n>", description: `keys per page, 1 to ${LIMITS.maxListLimit}`, default: String(LIMITS.maxListLimit) },
            { flags: "--cursor <cursor>", description: "continue from where a previous page stopped" },
            { flags: "--all", description: "walk every page" },
          ],
          examples: [
            ["yourspace kv ls", "list keys in the default namespace"],
            ["yourspace kv ls flags/ --all", "every key under flags/"],
            ["yourspace kv ls --json --limit 100", "one page as JSON, with a cursor for the next"],
          ],
          load: async () => (await import("../commands/ls.js")).run,
        },
        {
          name: "rm",
          aliases: ["delete"],
          summary: "Remove keys",
          args: [{ name: "keys", description: "keys to remove", variadic: true, values: "keys" }],
          options: [
            namespace,
            region,
            { flags: "--prefix <prefix>", description: "remove every key under a prefix (asks first)", values: "keys" },
            { flags: "-y, --yes", description: "do not ask for confirmation" },
            { flags: "--dry-run", description: "list what would be removed and change nothing" },
            { flags: "-f, --force", description: "ignore keys that do not exist" },
          ],
          examples: [
            ["yourspace kv rm flags/old", "remove one key"],
            ["yourspace kv rm flags/a flags/b", "remove several keys at once (all or nothing)"],
            ["yourspace kv rm --prefix tmp/ --dry-run", "see what a prefix removal would do"],
            ["yourspace kv rm --prefix tmp/ --yes", "remove a prefix in a script"],
          ],
          load: async () => (await import("../commands/rm.js")).run,
        },
        {
          name: "import",
          summary: "Write many entries from NDJSON, a JSON array or a flat JSON object",
          args: [{ name: "file", description: 'the file; "-" or nothing reads stdin', values: "files" }],
          options: [
            namespace,
            region,
            { flags: "--format <format>", description: "ndjson, json (an array) or object (flat); detected when left out", choices: ["ndjson", "json", "object"] },
            { flags: "--dry-run", description: "show what would be added, changed and removed; write nothing" },
            { flags: "--prune", description: "also remove keys under --prefix that the file does not have (needs --prefix; '' is the whole namespace)" },
            { flags: "--prefix <prefix>", description: "the part of the namespace the file covers (entries must be under it)" },
            { flags: "-y, --yes", description: "do not ask before pruning" },
            { flags: "--batch-size <n>", description: "entries per atomic batch (1..1000)", default: "1000" },
            { flags: "--concurrency <n>", description: "batches in flight at once (platform API)", default: "4" },
            { flags: "--report <file>", description: "write the outcome of every entry as NDJSON", values: "files" },
            replace,
          ],
          examples: [
            ["yourspace kv import flags.json", "seed flags from a file (format detected)"],
            ["yourspace kv import flags.json --dry-run", "see the diff first"],
            ["yourspace kv import flags.ndjson --prefix flags/ --prune --yes", "make flags/ exactly the file"],
            ["yourspace kv export | yourspace kv import -n backup -", "copy a namespace"],
          ],
          load: async () => (await import("../commands/import.js")).run,
        },
        {
          name: "export",
          summary: "Stream entries out as NDJSON or a JSON array",
          args: [{ name: "file", description: 'where to write; "-" or nothing is stdout', values: "files" }],
          options: [
            namespace,
            { flags: "--prefix <prefix>", description: "only keys under this prefix" },
            { flags: "--format <format>", description: "ndjson or json (an array)", default: "ndjson", choices: ["ndjson", "json"] },
            replace,
          ],
          examples: [
            ["yourspace kv export > backup.ndjson", "back up the default namespace"],
            ["yourspace kv export flags.json --prefix flags/ --format json", "a wrangler-compatible bulk file"],
          ],
          load: async () => (await import("../commands/export.js")).run,
        },
        {
          name: "bind",
          summary: "Bind a namespace to a route's function (recorded in yourspace.jsonc)",
          args: [{ name: "namespace", description: "the namespace to bind (asked for on a terminal)", values: "namespaces" }],
          options: [
            { flags: "--route <pattern>", description: "the route whose function gets the binding (asked for on a terminal)" },
            { flags: "--access <access>", description: "read-only or read-write (default read-write)", choices: ["read-only", "read-write"] },
            { flags: "--as <VARIABLE>", description: "the variable the function reads it as (default: the namespace, upper-cased)" },
          ],
          examples: [
            ["yourspace kv bind flags --route '/admin/*' --access read-only", "the admin function can read flags, never write them"],
            ["yourspace kv bind sessions --route '/api/*' --as SESSIONS", "read-write, as SESSIONS"],
          ],
          load: async () => (await import("../commands/site.js")).bind,
        },
        {
          name: "unbind",
          summary: "Remove a route's binding",
          args: [{ name: "namespace", description: "the bound namespace (or give --as)", values: "namespaces" }],
          options: [
            { flags: "--route <pattern>", description: "the route" },
            { flags: "--as <VARIABLE>", description: "the binding's variable" },
          ],
          examples: [["yourspace kv unbind flags --route '/admin/*'", "the admin function loses flags"]],
          load: async () => (await import("../commands/site.js")).unbind,
        },
        {
          name: "bindings",
          summary: "List route bindings",
          examples: [["yourspace kv bindings --json", "as JSON"]],
          load: async () => (await import("../commands/site.js")).bindings,
        },
        {
          name: "audit",
          summary: "Who read or wrote which key (names only, never values)",
          options: [
            { flags: "--key <key>", description: "only this key", values: "keys" },
            { flags: "--since <duration>", description: "only the last 1h, 7d, …" },
            { flags: "--actor <actor>", description: "only this actor: token:<id>, route:<pattern> or local:<user>" },
            { flags: "--limit <n>", description: "newest records to show, 1 to 1000", default: "100" },
          ],
          examples: [
            ["yourspace kv audit --since 1h", "the last hour"],
            ["yourspace kv audit --key flags/homepage-v2 --json", "one key's history, as JSON"],
          ],
          load: async () => (await import("../commands/site.js")).audit,
        },
        {
          name: "usage",
          summary: "Reads, writes, storage and egress against the site's tier",
          examples: [["yourspace kv usage --json", "for scripts"]],
          load: async () => (await import("../commands/site.js")).usage,
        },
        {
          name: "site",
          summary: "Show or change the site's tier and audit retention",
          options: [
            { flags: "--tier <tier>", description: "free, indie, team, enterprise or preview", choices: ["free", "indie", "team", "enterprise", "preview"] },
            { flags: "--audit-retention <duration>", description: "how long audit records are kept, in days: 30d" },
          ],
          examples: [
            ["yourspace kv site", "tier and retention"],
            ["yourspace kv site --tier indie", "move to indie: keys and namespaces stay, ceilings change"],
          ],
          load: async () => (await import("../commands/site.js")).site,
        },
        {
          name: "inspect",
          summary: "Show what each region serves for a key, and when it catches up",
          args: [{ name: "key", description: "the key to inspect", required: true, values: "keys" }],
          options: [namespace],
          examples: [
            ["yourspace kv inspect flags/homepage-v2", "version and value per region, and who is behind home"],
            ["yourspace kv inspect flags/homepage-v2 --json", "the same for scripts"],
          ],
          load: async () => (await import("../commands/inspect.js")).run,
        },
        {
          name: "emulator",
          summary: "Control the embedded emulator: regions, clock, faults, history",
          commands: [
            {
              name: "config",
              summary: "Show or change the profile, regions and propagation delays",
              options: [
                { flags: "--profile <name>", description: "yourspace, strong, cloudflare, edgeone or esa", choices: ["yourspace", "strong", "cloudflare", "edgeone", "esa"] },
                { flags: "--regions <list>", description: "regions, home marked with *: iad*,fra,sin" },
                { flags: "--delay <duration>", description: "fixed propagation delay (plain numbers are ms)" },
                { flags: "--jitter <duration>", description: "random extra delay, up to this much (plain numbers are ms)" },
                { flags: "--cache-ttl <duration>", description: "cache profiles: how long edges cache a key" },
                { flags: "--seed <n>", description: "seed of the delay hash" },
              ],
              examples: [
                ["yourspace kv emulator config", "show the settings"],
                ["yourspace kv emulator config --profile yourspace --regions iad*,fra,sin --delay 100ms --jitter 200ms", "the platform's defaults"],
                ["yourspace kv emulator config --profile cloudflare", "behave like a 60 s edge cache"],
              ],
              load: async () => (await import("../commands/emulator.js")).config,
            },
            {
              name: "clock",
              summary: "Use a manual clock (moved by advance) or real time",
              args: [{ name: "mode", description: "manual or real", required: true, choices: ["manual", "real"] }],
              examples: [["yourspace kv emulator clock manual", "stop time; step it with advance"]],
              load: async () => (await import("../commands/emulator.js")).clock,
            },
            {
              name: "advance",
              summary: "Move the manual clock forward",
              args: [{ name: "duration", description: "300ms, 2s, 5m, 1h (plain numbers are ms)", required: true }],
              examples: [["yourspace kv emulator advance 300ms", "let a default-profile write reach every region"]],
              load: async () => (await import("../commands/emulator.js")).advance,
            },
            {
              name: "settle",
              summary: "Deliver every pending write now, except those a fault holds",
              examples: [["yourspace kv emulator settle", "make every region match home"]],
              load: async () => (await import("../commands/emulator.js")).settle,
            },
            ...(["partition", "heal", "pause", "resume"] as const).map((command) => ({
              name: command,
              summary: {
                partition: "Cut an edge off from home (writes there fail)",
                heal: "Reconnect a partitioned edge",
                pause: "Hold writes on their way to an edge",
                resume: "Release writes held for a paused edge",
              }[command],
              args: [{ name: "region", description: "an edge region (partition and heal also take home: every edge)", required: true, values: "regions" as const }],
              examples: [[`yourspace kv emulator ${command} sin`, { partition: "writes from sin now exit 5", heal: "sin converges within Δ", pause: "sin serves stale reads until resumed", resume: "sin catches up within Δ" }[command]] as const],
              load: async () => (await import("../commands/emulator.js")).fault(command),
            })),
            {
              name: "start",
              summary: "Serve the platform API from this data directory",
              options: [
                { flags: "--port <n>", description: "port to listen on; 0 picks a free one", default: "8787" },
                { flags: "--host <host>", description: "address to listen on (anything but loopback is reachable by others)", default: "127.0.0.1" },
                { flags: "--allow-remote", description: "allow a --host other machines can reach (refused without it)" },
              ],
              examples: [
                ["yourspace kv emulator start", "print YOURSPACE_API_URL and YOURSPACE_TOKEN, serve until Ctrl-C"],
                ["yourspace kv emulator start --port 0 --json", "any free port; the URL and token as JSON"],
                ["yourspace kv emulator start --token dev-token", "accept a token of your choosing (global --token)"],
              ],
              load: async () => (await import("../commands/serve.js")).start,
            },
            {
              name: "token",
              summary: "Create tokens for the emulator's sites",
              commands: [
                {
                  name: "create",
                  summary: "Create a token for a site (--site, default local), created if needed",
                  options: [
                    { flags: "--namespace <ns...>", description: "limit the token to these namespaces", values: "namespaces" },
                    { flags: "--read-only", description: "the token can read but not write" },
                    { flags: "--expires-in <duration>", description: "the token stops working after this long: 1h, 7d" },
                    { flags: "--route <pattern>", description: "a route token: it reaches what the route is bound to, and nothing else" },
                  ],
                  examples: [
                    ["yourspace kv emulator token create --site shop", "a site token for site shop"],
                    ["yourspace kv emulator token create --namespace flags --read-only --expires-in 1d", "a narrow, short-lived token"],
                    ["yourspace kv emulator token create --route '/admin/*'", "the token the /admin/* function uses"],
                  ],
                  load: async () => (await import("../commands/serve.js")).createToken,
                },
              ],
            },
            {
              name: "status",
              summary: "Show regions, profile, clock, pending writes and lag",
              examples: [["yourspace kv emulator status --json", "for scripts"]],
              load: async () => (await import("../commands/emulator.js")).status,
            },
            {
              name: "record",
              summary: "Append every operation to a JSONL history (off stops)",
              args: [{ name: "file", description: "a .jsonl file, or off", required: true, values: "files" }],
              examples: [
                ["yourspace kv emulator record history.jsonl", "record every process's operations"],
                ["yourspace kv emulator record off", "stop recording"],
              ],
              load: async () => (await import("../commands/emulator.js")).record,
            },
          ],
        },
        {
          name: "namespace",
          aliases: ["ns"],
          summary: "Create, list and remove namespaces",
          commands: [
            {
              name: "create",
              summary: "Create a namespace",
              args: [{ name: "name", description: "1 to 63 of a-z, 0-9, '-' and '_'", required: true }],
              examples: [["yourspace kv namespace create staging", "a namespace isolated from default"]],
              load: async () => (await import("../commands/namespace.js")).create,
            },
            {
              name: "ls",
              aliases: ["list"],
              summary: "List namespaces with their key counts",
              examples: [["yourspace kv namespace ls --json", "namespaces as JSON"]],
              load: async () => (await import("../commands/namespace.js")).list,
            },
            {
              name: "rm",
              aliases: ["remove"],
              summary: "Remove a namespace and every key in it",
              args: [{ name: "name", description: "the namespace to remove", required: true, values: "namespaces" }],
              options: [
                { flags: "-y, --yes", description: "do not ask for confirmation" },
              ],
              examples: [["yourspace kv namespace rm staging --yes", "remove without asking"]],
              load: async () => (await import("../commands/namespace.js")).remove,
            },
          ],
        },
      ],
    },
  ],
};

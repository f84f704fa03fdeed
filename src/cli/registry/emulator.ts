import type { CommandSpec } from "./spec.js";

/** `kv emulator`: the embedded emulator's consistency model, clock, faults, history and server. */
export const EMULATOR_COMMAND: CommandSpec = {
  name: "emulator",
  summary: "Control the embedded emulator: regions, clock, faults, history",
  commands: [
    {
      name: "config",
      summary: "Show or change the profile, regions and propagation delays",
      options: [
        {
          flags: "--profile <name>",
          description: "yourspace, strong, cloudflare, edgeone or esa",
          choices: ["yourspace", "strong", "cloudflare", "edgeone", "esa"],
        },
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
      load: async () => (await import("../../commands/emulator/config.js")).config,
    },
    {
      name: "clock",
      summary: "Use a manual clock (moved by advance) or real time",
      args: [{ name: "mode", description: "manual or real", required: true, choices: ["manual", "real"] }],
      examples: [["yourspace kv emulator clock manual", "stop time; step it with advance"]],
      load: async () => (await import("../../commands/emulator/clock.js")).clock,
    },
    {
      name: "advance",
      summary: "Move the manual clock forward",
      args: [{ name: "duration", description: "300ms, 2s, 5m, 1h (plain numbers are ms)", required: true }],
      examples: [["yourspace kv emulator advance 300ms", "let a default-profile write reach every region"]],
      load: async () => (await import("../../commands/emulator/advance.js")).advance,
    },
    {
      name: "settle",
      summary: "Deliver every pending write now, except those a fault holds",
      examples: [["yourspace kv emulator settle", "make every region match home"]],
      load: async () => (await import("../../commands/emulator/settle.js")).settle,
    },
    ...(["partition", "heal", "pause", "resume"] as const).map((command) => ({
      name: command,
      summary: {
        partition: "Cut an edge off from home (writes there fail)",
        heal: "Reconnect a partitioned edge",
        pause: "Hold writes on their way to an edge",
        resume: "Release writes held for a paused edge",
      }[command],
      args: [{ name: "region", description: "an edge region (not home)", required: true, values: "edges" as const }],
      examples: [
        [
          `yourspace kv emulator ${command} sin`,
          {
            partition: "writes from sin now exit 5",
            heal: "sin converges within Δ",
            pause: "sin serves stale reads until resumed",
            resume: "sin catches up within Δ",
          }[command],
        ] as const,
      ],
      load: async () => (await import("../../commands/emulator/fault.js")).fault(command),
    })),
    {
      name: "start",
      summary: "Serve the platform API from this data directory",
      options: [
        { flags: "--port <n>", description: "port to listen on; 0 picks a free one", default: "8787" },
        { flags: "--host <host>", description: "address to listen on (anything but loopback is reachable by others)", default: "127.0.0.1" },
        { flags: "--allow-remote", description: "allow a --host other machines can reach (refused without it)" },
        { flags: "--no-browser", description: "do not serve the KV browser (it listens on a loopback port of its own)" },
      ],
      examples: [
        ["yourspace kv emulator start", "print YOURSPACE_API_URL and YOURSPACE_TOKEN and the KV browser's URL, serve until Ctrl-C"],
        ["yourspace kv emulator start --port 0 --json", "any free port; the URL and token as JSON"],
        ["yourspace kv emulator start --token dev-token", "accept a token of your choosing (global --token)"],
      ],
      load: async () => (await import("../../commands/emulator/start.js")).start,
    },
    {
      name: "token",
      summary: "Create tokens for the emulator's sites",
      commands: [
        {
          name: "create",
          summary: "Create a token for a site (--site; default: local), created if needed",
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
          load: async () => (await import("../../commands/emulator/token-create.js")).createToken,
        },
      ],
    },
    {
      name: "status",
      summary: "Show regions, profile, clock, pending writes and lag",
      examples: [["yourspace kv emulator status --json", "for scripts"]],
      load: async () => (await import("../../commands/emulator/status.js")).status,
    },
    {
      name: "record",
      summary: "Append every operation to a JSONL history (off stops)",
      args: [{ name: "file", description: "a .jsonl file, or off", required: true, values: "files", choices: ["off"] }],
      examples: [
        ["yourspace kv emulator record history.jsonl", "record every process's operations"],
        ["yourspace kv emulator record off", "stop recording"],
      ],
      load: async () => (await import("../../commands/emulator/record.js")).record,
    },
  ],
};

import type { CommandSpec } from "./spec.js";

/** Logging in to the platform API, and the profiles that hold its tokens. */
export const AUTH_COMMANDS: readonly CommandSpec[] = [
  {
    name: "login",
    summary: "Store a token for the platform API (hidden prompt, --token, or stdin)",
    options: [{ flags: "--profile <name>", description: "store it under this profile (default: the current one)", values: "profiles" }],
    examples: [
      ["yourspace login", "asks for the token at a hidden prompt"],
      ['echo "$TOKEN" | yourspace login --api-url http://127.0.0.1:8787', "in CI, from stdin"],
      ['yourspace login --profile staging --token "$STAGING_TOKEN"', "a second, named profile"],
    ],
    load: async () => (await import("../../commands/auth/login.js")).login,
  },
  {
    name: "logout",
    summary: "Remove a profile and its token",
    options: [{ flags: "--profile <name>", description: "the profile to remove (default: the current one)", values: "profiles" }],
    examples: [["yourspace logout", "forget the current profile's token"]],
    load: async () => (await import("../../commands/auth/logout.js")).logout,
  },
  {
    name: "whoami",
    summary: "Show which target commands use, and as whom",
    examples: [
      ["yourspace whoami", "the target, site and token kind (never the token)"],
      ["YOURSPACE_PROFILE=staging yourspace whoami --json", "another profile, as JSON"],
    ],
    load: async () => (await import("../../commands/auth/whoami.js")).whoami,
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
        load: async () => (await import("../../commands/auth/profiles.js")).listProfiles,
      },
      {
        name: "use",
        summary: "Make a profile the current one",
        args: [{ name: "name", description: "a profile created by login --profile", required: true, values: "profiles" }],
        examples: [["yourspace profile use staging", "later commands use staging"]],
        load: async () => (await import("../../commands/auth/profiles.js")).useProfile,
      },
    ],
  },
];

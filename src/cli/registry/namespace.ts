import type { CommandSpec } from "./spec.js";

/** `kv namespace`: creating, listing and removing namespaces. */
export const NAMESPACE_COMMAND: CommandSpec = {
  name: "namespace",
  aliases: ["ns"],
  summary: "Create, list and remove namespaces",
  commands: [
    {
      name: "create",
      summary: "Create a namespace",
      args: [{ name: "name", description: "1 to 63 of a-z, 0-9, '-' and '_'", required: true }],
      examples: [["yourspace kv namespace create staging", "a namespace isolated from default"]],
      load: async () => (await import("../../commands/namespace/create.js")).create,
    },
    {
      name: "ls",
      aliases: ["list"],
      summary: "List namespaces with their key counts",
      examples: [["yourspace kv namespace ls --json", "namespaces as JSON"]],
      load: async () => (await import("../../commands/namespace/ls.js")).list,
    },
    {
      name: "rm",
      aliases: ["remove"],
      summary: "Remove a namespace and every key in it",
      args: [{ name: "name", description: "the namespace to remove", required: true, values: "namespaces" }],
      options: [{ flags: "-y, --yes", description: "do not ask for confirmation" }],
      examples: [["yourspace kv namespace rm staging --yes", "remove without asking"]],
      load: async () => (await import("../../commands/namespace/rm.js")).remove,
    },
  ],
};

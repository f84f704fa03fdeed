import type { CommandSpec } from "./spec.js";

/** `yourspace dev`: the project's edge functions, served offline against the embedded emulator. */
export const DEV_COMMAND: CommandSpec = {
  name: "dev",
  summary: "Serve the project's routes and edge functions against the emulator",
  options: [
    { flags: "--port <n>", description: "port on 127.0.0.1; 0 picks a free one", default: "8788" },
    { flags: "--region <id>", description: "region requests are served in (default: home; a request's x-yourspace-region overrides)", values: "regions" },
    { flags: "--origin <url>", description: "where requests no route or file serves are sent" },
    { flags: "--public <dir>", description: "static files served after the routes (default: public/ beside yourspace.jsonc)", values: "files" },
    { flags: "--no-browser", description: "do not serve the KV browser (it listens on a loopback port of its own)" },
  ],
  examples: [
    ["yourspace dev", "serve on http://127.0.0.1:8788; saving a function reloads it"],
    ["yourspace dev --region sin", "serve every request in sin: reads are sin's, stale as the model says"],
    ["yourspace dev --port 0 --json", "any free port; the first stdout line is JSON with url and dataDir"],
  ],
  load: async () => (await import("../../commands/dev.js")).dev,
};

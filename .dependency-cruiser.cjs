// The dependency rules of src/ (docs/architecture.md explains them). `npm run lint` checks them.
//   core ← contract ← {client, server}      core ← emulator ← {server, commands}
//   core ← terminal, project ← commands ← cli ← main
//   core ← edge ← dev ← commands (the edge SDK, and the runtime of `yourspace dev`)
//   core ← contract ← browser ← commands (the KV browser: its host, and its page)
const folder = (name) => `^src/${name}/`;

/** What each folder may import, besides itself and node's modules and packages. */
const allowed = {
  core: [],
  contract: ["core"],
  client: ["core", "contract"],
  emulator: ["core"],
  server: ["core", "contract", "emulator"],
  terminal: ["core"],
  project: ["core", "terminal"],
  edge: ["core"],
  dev: ["core", "contract", "emulator", "edge", "project", "terminal"],
  browser: ["core", "contract"],
  commands: ["core", "terminal", "project", "emulator", "client", "server", "dev", "browser"],
  cli: ["core", "terminal", "project", "commands", "emulator", "client"],
  // The KV browser's page runs in a browser: it reaches the platform only over HTTP, through the contract.
  "browser/page": ["core", "contract"],
};

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Modules import each other in one direction only.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...Object.entries(allowed).map(([name, may]) => ({
      name: `${name}-imports`,
      comment: `src/${name}/ imports only ${may.length ? may.map((m) => `src/${m}/`).join(", ") : "nothing of src/ outside itself"}.`,
      severity: "error",
      from: { path: folder(name) },
      to: { path: "^src/", pathNot: [folder(name), ...may.map(folder)] },
    })),
    {
      name: "emulator-facade",
      comment: "Outside src/emulator/, the emulator is used through its facade, src/emulator/index.ts.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/emulator/" },
      // peek.ts, the read-only look shell completion takes, is the one exception: importing the
      // facade would load the engine and better-sqlite3's wrapper on every Tab, which must answer in
      // a few ms (docs/benchmarks.md, shell completion).
      to: { path: "^src/emulator/", pathNot: ["^src/emulator/index\\.ts$", "^src/emulator/peek\\.ts$"] },
    },
    {
      name: "entries-are-not-imported",
      comment: "src/main.ts and src/complete.ts are process entries: nothing imports them.",
      severity: "error",
      from: {},
      to: { path: "^src/(main|complete)\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".tsx", ".js"] },
  },
};

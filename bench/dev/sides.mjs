// The three servers bench/dev.mjs compares, each answering GET with the value of one key
// (bench/small = "hello-world") read from its local store:
//   wrangler: `wrangler dev` (Miniflare, workerd) serving a Cloudflare handler, `env.KV.get(key)`;
//   floor:    bench/server/floor.mjs, node:http reading the row with better-sqlite3, nothing else;
//   yourspace: `yourspace dev` serving the same handler written for `yourspace:edge`, `kv.get(key)`.
// Each side: prepare(dir) makes its project and seeds the value; start(project, cpus) runs it until
// it says it is ready; path is what the load asks for; rewrite(project, body) saves new code that
// answers `body` (wrangler and yourspace only); reloadEvent(line) recognises the server's own report
// of a reload, {"event": "reload", "ok": …} on stderr under --json (yourspace only: wrangler's log
// says when a reload starts, not when it is done).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startGroup } from "./processes.mjs";

export const KEY = "bench/small";
export const VALUE = "hello-world";

const ANSI = /\u001b\[[0-9;]*m/g;

/** @param {{root: string, peers: string}} where the checkout (bin/yourspace, bench/) and the peers' install */
export function sides({ root, peers }) {
  const wranglerBin = join(peers, "node_modules", "wrangler", "bin", "wrangler.js");
  const wranglerEnv = { WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" };
  const yourspaceBin = join(root, "bin", "yourspace");

  const wrangler = {
    name: "wrangler dev",
    path: "/",
    prepare(dir) {
      mkdirSync(join(dir, "src"), { recursive: true });
      writeFileSync(
        join(dir, "wrangler.toml"),
        ['name = "bench"', 'main = "src/index.js"', 'compatibility_date = "2024-09-01"', 'kv_namespaces = [{ binding = "KV", id = "bench" }]', ""].join("\n"),
      );
      writeCloudflareHandler(dir, 'await env.KV.get("bench/small")');
      execFileSync(process.execPath, [wranglerBin, "kv", "key", "put", "--local", "--binding", "KV", "--persist-to", "state", KEY, VALUE], {
        cwd: dir,
        env: { ...process.env, ...wranglerEnv },
        stdio: "ignore",
      });
      return dir;
    },
    async start(dir, cpus) {
      const [port, inspector] = [await freePort(), await freePort()];
      const args = [wranglerBin, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)];
      args.push("--persist-to", "state", "--show-interactive-dev-session=false");
      return startGroup({
        command: process.execPath,
        args,
        cwd: dir,
        env: wranglerEnv,
        cpus,
        ready: (line) => /Ready on (http:\/\/\S+)/.exec(line.replace(ANSI, ""))?.[1],
      });
    },
    rewrite(dir, body) {
      writeCloudflareHandler(dir, JSON.stringify(body));
    },
  };

  const floor = {
    name: "floor (node:http + better-sqlite3)",
    path: `/values/${encodeURIComponent(KEY)}`,
    async prepare(dir) {
      const server = await floor.start(dir);
      const answer = await fetch(`${server.ready}${floor.path}`, { method: "PUT", body: VALUE });
      if (!answer.ok) throw new Error(`the floor refused the seed value: ${answer.status}`);
      await server.stop();
      return dir;
    },
    start(dir, cpus) {
      return startGroup({ command: process.execPath, args: [join(root, "bench/server/floor.mjs"), dir], cpus, ready: jsonUrl });
    },
  };

  const yourspace = {
    name: "yourspace dev",
    path: "/",
    prepare(dir) {
      mkdirSync(join(dir, "functions"), { recursive: true });
      // The project's own store: without it the CLI takes the nearest .yourspace above the project,
      // which in the temporary directory may be another run's, written to while this one measures.
      mkdirSync(join(dir, ".yourspace"), { recursive: true });
      writeFileSync(join(dir, "yourspace.jsonc"), JSON.stringify({ routes: [{ pattern: "/*", function: "functions/read.js", kv: "read-only" }] }, null, 2));
      writeEdgeHandler(dir, `await kv.get(${JSON.stringify(KEY)})`);
      execFileSync(process.execPath, [yourspaceBin, "kv", "set", KEY, VALUE], { cwd: dir, stdio: "ignore" });
      return dir;
    },
    start(dir, cpus) {
      return startGroup({ command: process.execPath, args: [yourspaceBin, "dev", "--port", "0", "--json"], cwd: dir, cpus, ready: jsonUrl });
    },
    rewrite(dir, body) {
      writeEdgeHandler(dir, JSON.stringify(body));
    },
    reloadEvent: (line) => {
      const event = parseJson(line);
      return event?.event === "reload" ? event : undefined;
    },
  };

  // The same, without the KV browser that dev starts once it serves: what the browser costs dev.
  const noBrowser = {
    ...yourspace,
    name: "yourspace dev --no-browser",
    start(dir, cpus) {
      return startGroup({ command: process.execPath, args: [yourspaceBin, "dev", "--port", "0", "--json", "--no-browser"], cwd: dir, cpus, ready: jsonUrl });
    },
  };

  return { wrangler, floor, yourspace, "no-browser": noBrowser };
}

function writeCloudflareHandler(dir, expression) {
  const code = `export default {\n  async fetch(request, env, ctx) {\n    return new Response(${expression});\n  },\n};\n`;
  writeFileSync(join(dir, "src", "index.js"), code);
}

function writeEdgeHandler(dir, expression) {
  const code = `import { kv } from "yourspace:edge";\n\nexport default async function handler(req, ctx) {\n  return new Response(${expression});\n}\n`;
  writeFileSync(join(dir, "functions", "read.js"), code);
}

function parseJson(line) {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The URL from a server's first JSON line ({"url": …}), as the floor and `yourspace dev --json` print it. */
function jsonUrl(line) {
  return parseJson(line)?.url;
}

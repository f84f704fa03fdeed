#!/usr/bin/env bash
# Startup time of `yourspace kv get` on the embedded store, against `node -e 0` in the same run (and
# beside bench/startup-floor.cjs, the least a read of a SQLite store does: open, read, record, close), and
# of `kv get` against the API (an emulator server on a loopback port), against a Node process that
# makes the same GET with node:http.
# Besides wall time it prints CPU time (user + system, hyperfine's means), which other load on the
# machine disturbs far less: on a busy machine, judge by that ratio.
# Needs hyperfine (apt-get install hyperfine). Usage: bash bench/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install hyperfine" >&2; exit 1; }
[ -f dist/cli.cjs ] || npm run build >/dev/null
runs=${1:-50}
dir=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT
export YOURSPACE_DATA_DIR="$dir/data"
bin/yourspace kv set flags/homepage-v2 on --quiet
# The SQLite floor, bundled with better-sqlite3's JavaScript as the CLI is (its addon is loaded by path).
node --input-type=module -e '
  import { build } from "esbuild";
  await build({ entryPoints: ["bench/startup-floor.cjs"], outfile: process.argv[1], bundle: true, platform: "node", format: "cjs", minify: true, external: ["bindings"], logLevel: "warning" });
' "$dir/startup-floor.cjs"
addon=$(node -p 'require.resolve("better-sqlite3/build/Release/better_sqlite3.node")')
sqlite_floor="node $dir/startup-floor.cjs $dir/floor.db $addon"
$sqlite_floor >/dev/null
# The API: a server over a store of its own, ready once it prints its address.
mkfifo "$dir/ready"
bin/yourspace --data-dir "$dir/server-data" kv emulator start --port 0 --json >"$dir/ready" &
server=$!
read -r started <"$dir/ready"
api_url=$(node -e 'console.log(JSON.parse(process.argv[1]).apiUrl)' "$started")
api_token=$(node -e 'console.log(JSON.parse(process.argv[1]).token)' "$started")
remote="env YOURSPACE_API_URL=$api_url YOURSPACE_TOKEN=$api_token YOURSPACE_CONFIG_DIR=$dir/config"
YOURSPACE_API_URL=$api_url YOURSPACE_TOKEN=$api_token YOURSPACE_CONFIG_DIR=$dir/config bin/yourspace kv set flags/homepage-v2 on --quiet
http_get="node -e 'require(\"node:http\").get(process.argv[1], { headers: { authorization: \"Bearer $api_token\" } }, (r) => r.resume())' $api_url/v1/sites/local/namespaces/default/values/flags/homepage-v2"
hyperfine -N --warmup 5 --runs "$runs" --export-json "$dir/startup.json" \
  -n 'node -e 0' 'node -e 0' \
  -n 'SQLite read floor' "$sqlite_floor" \
  -n 'yourspace kv get' 'bin/yourspace kv get flags/homepage-v2 --quiet' \
  -n 'yourspace kv set' 'bin/yourspace kv set flags/homepage-v2 on --quiet' \
  -n 'yourspace kv ls' 'bin/yourspace kv ls --quiet' \
  -n 'yourspace --version' 'bin/yourspace --version' \
  -n 'node:http GET' "$http_get" \
  -n 'yourspace kv get (API)' "$remote bin/yourspace kv get flags/homepage-v2 --quiet"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const cpu = (x) => x.user + x.system;
  // Each command beside its floor: the API command beside node:http making the same GET, the others beside node -e 0.
  const floorOf = (x) => r.find((f) => f.command === (x.command.endsWith("(API)") ? "node:http GET" : "node -e 0"));
  const sqlite = r.find((f) => f.command === "SQLite read floor");
  for (const x of r) {
    const f = floorOf(x);
    console.log(
      `${x.command.padEnd(24)} median ${(x.median * 1000).toFixed(1)} ms  ${(x.median / f.median).toFixed(2)}x ${f.command};` +
        `  CPU ${(cpu(x) * 1000).toFixed(1)} ms  ${(cpu(x) / cpu(f)).toFixed(2)}x` +
        (x.command.endsWith("(API)") || x === f || x === sqlite ? "" : `;  ${(x.median / sqlite.median).toFixed(2)}x the SQLite read floor`),
    );
  }
  console.log(`load average ${require("fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
' "$dir/startup.json"

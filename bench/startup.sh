#!/usr/bin/env bash
# Startup time of `yourspace kv get` on the embedded store, against `node -e 0` in the same run.
# Besides wall time it prints CPU time (user + system, hyperfine's means), which other load on the
# machine disturbs far less: on a busy machine, judge by that ratio.
# Needs hyperfine (apt-get install hyperfine). Usage: bash bench/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install hyperfine" >&2; exit 1; }
[ -f dist/cli.cjs ] || npm run build >/dev/null
runs=${1:-50}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export YOURSPACE_DATA_DIR="$dir/data"
bin/yourspace kv set flags/homepage-v2 on --quiet
hyperfine -N --warmup 5 --runs "$runs" --export-json "$dir/startup.json" \
  -n 'node -e 0' 'node -e 0' \
  -n 'yourspace kv get' 'bin/yourspace kv get flags/homepage-v2 --quiet' \
  -n 'yourspace kv set' 'bin/yourspace kv set flags/homepage-v2 on --quiet' \
  -n 'yourspace kv ls' 'bin/yourspace kv ls --quiet' \
  -n 'yourspace --version' 'bin/yourspace --version'
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const floor = r[0].median;
  const cpu = (x) => x.user + x.system;
  for (const x of r)
    console.log(
      `${x.command.padEnd(22)} median ${(x.median * 1000).toFixed(1)} ms  ${(x.median / floor).toFixed(2)}x node -e 0;` +
        `  CPU ${(cpu(x) * 1000).toFixed(1)} ms  ${(cpu(x) / cpu(r[0])).toFixed(2)}x`,
    );
  console.log(`load average ${require("fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
' "$dir/startup.json"

#!/usr/bin/env bash
# Two builds of the emulator's API server side by side: both started from their own checkout, both on
# CPU 1, loaded at the same moment from CPU 0 with the same GET (or PUT) as bench/server.sh. Whatever
# else the machine is doing hits both alike, so the ratio of their CPU time per request shows a change
# of a few per cent that req/s between separate runs would hide.
#
# Usage: bash bench/server-ab.sh <checkout A> <checkout B> [seconds per run, default 5] [runs, default 3]
#   Each checkout must be built (npm install, or node scripts/build.mjs) and have node_modules.
#   A checkout of an older commit: git worktree add /tmp/a <commit>, then build it there.
# Environment: METHOD=GET|PUT|POST (default GET; POST: an increment of one counter); WARMUP=3; AUTOCANNON=…/node_modules/autocannon as in
# bench/server.sh (otherwise autocannon@8 is installed into a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bash bench/server-ab.sh <checkout A> <checkout B> [seconds] [runs]" >&2; exit 2; }
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
DURATION=${3:-5}
RUNS=${4:-3}
WARMUP=${WARMUP:-3}
METHOD=${METHOD:-GET}
for d in "$A" "$B"; do [ -f "$d/dist/cli.cjs" ] || { echo "bench/server-ab.sh: $d is not built (no dist/cli.cjs)" >&2; exit 1; }; done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "${AUTOCANNON:-}" ]; then
  ac=$(cd "$AUTOCANNON" && pwd)
else
  npm install --prefix "$tmp/ac" --no-save --no-audit --no-fund --loglevel=error autocannon@8 >"$tmp/ac.log" 2>&1 || { cat "$tmp/ac.log" >&2; exit 1; }
  ac=$tmp/ac/node_modules/autocannon
fi

field() { node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]' "$1" "$2"; }
# start <name> <checkout>: the built binary of that checkout, in a private data directory and HOME
start() {
  env -u YOURSPACE_API_URL -u YOURSPACE_TOKEN -u YOURSPACE_DATA_DIR -u YOURSPACE_SITE -u YOURSPACE_REGION HOME="$tmp/home-$1" \
    taskset -c 1 node "$2/bin/yourspace" kv emulator start --port 0 --json --data-dir "$tmp/data-$1" >"$tmp/$1.json" 2>"$tmp/$1.log" &
  pids+=("$!")
  eval "pid_$1=$!"
  local i
  for i in $(seq 1 150); do [ -s "$tmp/$1.json" ] && break; sleep 0.1; done
  [ -s "$tmp/$1.json" ] || { cat "$tmp/$1.log" >&2; echo "bench/server-ab.sh: the server of $2 did not start" >&2; exit 1; }
  # POST: an increment of one counter, as bench/server.sh's incr case.
  if [ "$METHOD" = POST ]; then path=counters/bench%2Fcounter; else path=values/bench%2Fsmall; fi
  eval "url_$1=\$(field \"\$tmp/\$1.json\" apiUrl)/v1/sites/local/namespaces/default/$path"
  eval "token_$1=\$(field \"\$tmp/\$1.json\" token)"
  HOME="$tmp/home-$1" node "$2/bin/yourspace" kv set bench/small hello-world --api-url "$(field "$tmp/$1.json" apiUrl)" --token "$(field "$tmp/$1.json" token)" --quiet
}
start a "$A"
start b "$B"
load() { # load <a|b> <seconds>
  local url token
  eval "url=\$url_$1 token=\$token_$1"
  taskset -c 0 node bench/server/load.mjs "$ac" "{\"url\":\"$url\",\"connections\":10,\"duration\":$2,\"method\":\"$METHOD\",\"token\":\"$token\",\"idempotencyKey\":false}"
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
both() { # both <seconds> <out prefix>
  load a "$1" >"$2.a.json" & local la=$!
  load b "$1" >"$2.b.json" & local lb=$!
  wait "$la" && wait "$lb"
}
echo "A: $A ($(git -C "$A" rev-parse --short HEAD 2>/dev/null || echo '?')), B: $B ($(git -C "$B" rev-parse --short HEAD 2>/dev/null || echo '?')); $METHOD, 10 connections each, ${WARMUP} s warmup + ${DURATION} s per run, node $(node --version)"
both "$WARMUP" "$tmp/warm"
for run in $(seq 1 "$RUNS"); do
  a0=$(ticks "$pid_a"); b0=$(ticks "$pid_b")
  both "$DURATION" "$tmp/run$run"
  a1=$(ticks "$pid_a"); b1=$(ticks "$pid_b")
  node -e '
    const fs = require("fs");
    const [prefix, ta, tb, hz] = process.argv.slice(1);
    const [a, b] = ["a", "b"].map((s) => JSON.parse(fs.readFileSync(`${prefix}.${s}.json`, "utf8")));
    const bad = [a, b].some((r) => r.non2xx + r.errors + r.timeouts > 0);
    const us = (ticks, r) => (ticks / hz) * 1e6 / r.requests.total;
    const [ua, ub] = [us(+ta, a), us(+tb, b)];
    console.log(`run ${prefix.replace(/.*run/, "")}: A ${Math.round(a.requests.average)} req/s ${ua.toFixed(1)} µs/request, B ${Math.round(b.requests.average)} req/s ${ub.toFixed(1)} µs/request: B/A CPU per request ${(ub / ua).toFixed(3)}${bad ? "  (some requests FAILED)" : ""}`);
    if (bad) process.exit(1);
  ' "$tmp/run$run" "$((a1 - a0))" "$((b1 - b0))" "$(getconf CLK_TCK)"
done

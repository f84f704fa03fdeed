#!/usr/bin/env bash
# Throughput and p99 latency of the emulator's platform API server (bin/yourspace kv emulator start),
# against a floor in the same run: a bare node:http + better-sqlite3 server (bench/server/floor.mjs)
# answering the same paths with no auth, no router and no validation. Loopback, 10 connections,
# autocannon 8 (installed into a temporary directory, never into package.json).
#
# Usage: bash bench/server.sh [seconds per run, default 10] [rounds, default 2]
# Environment:
#   WARMUP=3        seconds of discarded load before every measured run
#   PIN=1           on a machine with 2+ cores, pin the servers to CPU 1 and autocannon to CPU 0
#                   (taskset), so each side has one core to itself; PIN=0 lets the scheduler decide
#   AUTOCANNON=...  an autocannon package directory (…/node_modules/autocannon) to use instead of
#                   installing autocannon@8
#   KEEP=1          keep the temporary directory (results JSON, server logs)
#   FIRST=put-idem  one run of that case (get, put, put-idem, put-if-absent or incr) against the emulator before the rounds;
#                   unset, the first load the emulator sees is round 1's GET
#   EMULATOR_NODE_FLAGS="--no-memory-reducer"
#                   Node/V8 flags for the emulator's process (a diagnostic: docs/benchmarks.md); unset,
#                   the built binary runs as a user runs it. Its server thread's young generation is
#                   sized by the binary itself (src/server/server-thread.ts), whatever is given here
#   SIDE=2          rounds of the side-by-side runs after the others (both servers loaded at once;
#                   GET and PUT); SIDE=0 leaves them out
#   STORE=<dir>     run the emulator on a copy of this data directory instead of a new one, and
#   FLOOR_DB=<file> the floor on a copy of this SQLite file (a table kv with a key and a value column):
#                   with bench/scale.sh's seeded store and floor table, both servers answer from
#                   millions of rows (the copies are made in the temporary directory, so the
#                   originals are never written)
#
# Cases: GET of one 11-byte value; PUT of a 64-byte value, different on every request, to the same
# key (Content-Type application/octet-stream); and, for the emulator only, the same PUT with a fresh
# Idempotency-Key on every request, as the CLI's HTTP client sends; a conditional PUT (If-None-Match: *)
# creating a new key on every request; and an increment of one counter (POST …/counters/{key}, no
# body). The floor has neither condition nor counter: those two are judged against its plain PUT,
# the work a conditional write or an increment must still do at least. Floor and emulator runs alternate
# and swap order every round. Besides req/s and latency, the summary gives each server's CPU time
# per request (from /proc), which other load on the machine disturbs far less than req/s.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-10}
ROUNDS=${2:-2}
WARMUP=${WARMUP:-3}
PIN=${PIN:-1}
CONNECTIONS=10
KEY='bench/small'
KEY_PATH='bench%2Fsmall' # keys are percent-encoded into the last path segment, '/' included
VALUE='hello-world'

die() {
  echo "bench/server.sh: $*" >&2
  exit 1
}
command -v curl >/dev/null || die "curl is not installed"
command -v node >/dev/null || die "node is not installed"

tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- autocannon -------------------------------------------------------------------------------
# Driven through its API by bench/server/load.mjs (a new body on every PUT needs it).
if [ -n "${AUTOCANNON:-}" ]; then
  ac=$AUTOCANNON
else
  echo "installing autocannon@8 into a temporary directory..." >&2
  if ! npm install --prefix "$tmp/ac" --no-save --no-audit --no-fund --loglevel=error autocannon@8 >"$tmp/ac-install.log" 2>&1; then
    cat "$tmp/ac-install.log" >&2
    die "could not install autocannon@8 (is the npm registry reachable?). Install it elsewhere and pass AUTOCANNON=/path/to/node_modules/autocannon."
  fi
  ac=$tmp/ac/node_modules/autocannon
fi
[ -f "$ac/package.json" ] || die "no autocannon package at $ac"
ac=$(cd "$ac" && pwd)
ac_version=$(node -p 'require(process.argv[1]).version' "$ac/package.json")
case "$ac_version" in 8.*) ;; *) die "autocannon $ac_version at $ac; this script needs autocannon 8" ;; esac

server_cpu=()
client_cpu=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 1)
  client_cpu=(taskset -c 0)
fi

# --- build and start both servers -------------------------------------------------------------
# The source the figures belong to, as it is when the emulator is built and started.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  tree="commit $(git rev-parse --short HEAD)"
  git diff --quiet HEAD -- src || tree="$tree + uncommitted src changes (diff $(git diff HEAD -- src | sha1sum | cut -c1-8))"
else
  tree="not a git checkout"
fi
# Build when dist/ is missing or older than src/ (BUILD=1 forces it, BUILD=0 skips it).
if [ "${BUILD:-}" = 1 ] || { [ "${BUILD:-}" != 0 ] && { [ ! -f dist/cli.cjs ] || [ -n "$(find src -newer dist/cli.cjs -print -quit)" ]; }; }; then
  node scripts/build.mjs || die "the build failed"
fi

# Waits until a server has printed one line of JSON with field $2, or fails if it exits first.
wait_json() {
  local file=$1 field=$2 pid=$3 log=$4 i
  for i in $(seq 1 150); do
    if [ -s "$file" ] && node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!j[process.argv[2]]) process.exit(1)' "$file" "$field" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server exited before it was ready"; }
    sleep 0.1
  done
  cat "$log" >&2
  die "the server did not print its address within 15 s"
}
field() { node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]' "$1" "$2"; }

# Polls until GET $1 answers $2 (with the curl arguments that follow).
wait_status() {
  local url=$1 want=$2 i got=
  shift 2
  for i in $(seq 1 100); do
    got=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" || true)
    [ "$got" = "$want" ] && return 0
    sleep 0.1
  done
  die "GET $url answered ${got:-nothing}, not $want"
}

# The emulator, from the built binary, in a private data directory and HOME (no user config, no env).
# A restart reuses the data directory and the token.
mkdir -p "$tmp/home"
if [ -n "${STORE:-}" ]; then
  [ -f "$STORE/kv.sqlite" ] || die "STORE=$STORE holds no store (kv.sqlite)"
  echo "copying the store $STORE …" >&2
  cp -r "$STORE" "$tmp/ours"
fi
if [ -n "${FLOOR_DB:-}" ]; then
  [ -f "$FLOOR_DB" ] || die "FLOOR_DB=$FLOOR_DB does not exist"
  echo "copying the floor's table $FLOOR_DB …" >&2
  mkdir -p "$tmp/floor"
  cp "$FLOOR_DB" "$tmp/floor/floor.sqlite"
fi
token=
start_ours() {
  : >"$tmp/ours.json"
  env -u YOURSPACE_API_URL -u YOURSPACE_TOKEN -u YOURSPACE_DATA_DIR -u YOURSPACE_SITE -u YOURSPACE_REGION HOME="$tmp/home" \
    "${server_cpu[@]}" ${EMULATOR_NODE_FLAGS:+node $EMULATOR_NODE_FLAGS} bin/yourspace kv emulator start --port 0 --json --data-dir "$tmp/ours" ${token:+--token "$token"} >"$tmp/ours.json" 2>>"$tmp/ours.log" &
  ours_pid=$!
  pids+=("$ours_pid")
  wait_json "$tmp/ours.json" apiUrl "$ours_pid" "$tmp/ours.log"
  ours=$(field "$tmp/ours.json" apiUrl)
  token=$(field "$tmp/ours.json" token)
  ours_url="$ours/v1/sites/local/namespaces/default/values/$KEY_PATH"
  ours_new_url="$ours/v1/sites/local/namespaces/default/values/bench%2Fnew"
  ours_counter_url="$ours/v1/sites/local/namespaces/default/counters/bench%2Fcounter"
  wait_status "$ours/v1/whoami" 200 -H "authorization: Bearer $token"
}
start_ours
# The conditional PUT creates a key per request, and a STORE may be full already: no tier's key
# ceiling may end a run.
HOME="$tmp/home" bin/yourspace kv site --tier enterprise --api-url "$ours" --token "$token" --quiet ||
  die "could not move the emulator's site to the enterprise tier"
# Seed with the CLI, through the API.
HOME="$tmp/home" bin/yourspace kv set "$KEY" "$VALUE" --api-url "$ours" --token "$token" --quiet ||
  die "could not seed $KEY through the emulator's API"
[ "$(curl -s -H "authorization: Bearer $token" "$ours_url")" = "$VALUE" ] || die "GET $ours_url did not return the seeded value"

start_floor() {
  : >"$tmp/floor.json"
  "${server_cpu[@]}" node bench/server/floor.mjs "$tmp/floor" >"$tmp/floor.json" 2>>"$tmp/floor.log" &
  floor_pid=$!
  pids+=("$floor_pid")
  wait_json "$tmp/floor.json" url "$floor_pid" "$tmp/floor.log"
  floor=$(field "$tmp/floor.json" url)
  floor_url="$floor/v1/sites/local/namespaces/default/values/$KEY_PATH"
}
start_floor
curl -sf -X PUT --data-binary "$VALUE" "$floor_url" >/dev/null || die "could not seed the floor"
wait_status "$floor_url" 200

# --- load -------------------------------------------------------------------------------------
mkdir -p "$tmp/results"
pid_of() { if [ "$1" = floor ]; then echo "$floor_pid"; else echo "$ours_pid"; fi; }
alive() { kill -0 "$(pid_of "$1")" 2>/dev/null; }
# CPU time a process has used, user + system, in clock ticks (noise-robust: it does not count time
# the server spent waiting for the CPU or for autocannon).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# load <seconds> <server> <case>: one autocannon run against the server, JSON on stdout
load() {
  local url method=GET auth="" idem=false absent=false
  if [ "$2" = floor ]; then url=$floor_url; else url=$ours_url auth=$token; fi
  [ "$3" = get ] || method=PUT
  [ "$3" = put-idem ] && idem=true
  [ "$3" = put-if-absent ] && absent=true url=$ours_new_url
  [ "$3" = incr ] && method=POST url=$ours_counter_url
  "${client_cpu[@]}" node bench/server/load.mjs "$ac" \
    "{\"url\":\"$url\",\"connections\":$CONNECTIONS,\"duration\":$1,\"method\":\"$method\",\"token\":\"$auth\",\"idempotencyKey\":$idem,\"ifAbsent\":$absent}"
}

# A server that exits mid-run is restarted and the run repeated, at most this many times in all
# (while this was written, on a shared machine, something outside sent the emulator SIGTERM twice).
RESTARTS=3
# run <case> <server> <round>: a warmup, then a measured run, with the server's CPU time around it
run() {
  local name=$1 server=$2 round=$3 pid before after ok
  local out="$tmp/results/$name.$server.$round"
  while :; do
    ok=1
    load "$WARMUP" "$server" "$name" >/dev/null 2>"$out.err" || ok=0
    if [ "$ok" = 1 ] && alive "$server"; then
      pid=$(pid_of "$server")
      before=$(cpu_ticks "$pid" 2>/dev/null) || ok=0
      load "$DURATION" "$server" "$name" >"$out.json" 2>"$out.err" || ok=0
      after=$(cpu_ticks "$pid" 2>/dev/null) || ok=0
    fi
    alive "$server" && [ "$ok" = 1 ] && break
    if alive "$server"; then
      cat "$out.err" >&2
      die "autocannon failed ($name against $server)"
    fi
    [ "$RESTARTS" -gt 0 ] || { tail -5 "$tmp/$server.log" >&2; die "the $server server exited during a run, too many times (its log is above)"; }
    RESTARTS=$((RESTARTS - 1))
    echo "  ($server server exited during $name round $round; restarting it and repeating the run)" >&2
    if [ "$server" = floor ]; then start_floor; else start_ours; fi
  done
  echo "$((after - before))" >"$out.cpu"
  node bench/server/summary.mjs line "$out" "$name" "$server" "$round" >&2 || die "requests failed during $name against $server: see $out.json"
}

[ -n "${STORE:-}${FLOOR_DB:-}" ] && echo "emulator on a copy of ${STORE:-a new data directory}, floor on a copy of ${FLOOR_DB:-a new table}" >&2
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; $CONNECTIONS connections, ${WARMUP} s warmup + ${DURATION} s measured per run, $ROUNDS rounds, autocannon $ac_version${server_cpu:+, servers on CPU 1 and autocannon on CPU 0}" >&2
# A diagnostic (docs/benchmarks.md): one run of a case against the emulator before the rounds, so GET
# is not the first load it sees.
if [ -n "${FIRST:-}" ]; then
  case "$FIRST" in get | put | put-idem | put-if-absent | incr) ;; *) die "FIRST must be get, put, put-idem, put-if-absent or incr, not $FIRST" ;; esac
  echo "first: one run of $FIRST against the emulator" >&2
  run "$FIRST" ours first
fi
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="floor ours"; else order="ours floor"; fi
  for s in $order; do run get "$s" "$round"; done
  for s in $order; do run put "$s" "$round"; done
  # As the CLI's HTTP client writes: a fresh Idempotency-Key on every request.
  run put-idem ours "$round"
  # Conditions and counters, decided at home inside the write's transaction (emulator only).
  run put-if-absent ours "$round"
  run incr ours "$round"
done

# --- side by side -----------------------------------------------------------------------------
# Both servers under the same load at the same moment, sharing CPU 1 (and the two autocannons CPU 0):
# whatever else the machine is doing hits both alike, so their CPU time per request compares closely
# even when req/s drifts between runs. No verdict: the targets are judged on the runs above.
side() { # side <case> <round>
  local name=$1 round=$2 out="$tmp/results/side.$1.$2" po pf o0 f0 o1 f1
  load "$WARMUP" ours "$name" >/dev/null & po=$!
  load "$WARMUP" floor "$name" >/dev/null & pf=$!
  wait "$po" && wait "$pf" || die "autocannon failed (side by side, $name)"
  o0=$(cpu_ticks "$ours_pid") && f0=$(cpu_ticks "$floor_pid") || die "a server exited (side by side, $name)"
  load "$DURATION" ours "$name" >"$out.ours.json" & po=$!
  load "$DURATION" floor "$name" >"$out.floor.json" & pf=$!
  wait "$po" && wait "$pf" || die "autocannon failed (side by side, $name)"
  o1=$(cpu_ticks "$ours_pid") && f1=$(cpu_ticks "$floor_pid") || die "a server exited (side by side, $name)"
  echo "$((o1 - o0)) $((f1 - f0))" >"$out.cpu"
}
SIDE_ROUNDS=${SIDE:-2}
if [ "$SIDE_ROUNDS" -gt 0 ]; then
  echo "side by side: both servers loaded at once, $SIDE_ROUNDS rounds" >&2
  for round in $(seq 1 "$SIDE_ROUNDS"); do
    side get "$round"
    side put "$round"
  done
fi

# --- summary ----------------------------------------------------------------------------------
echo
echo "node $(node --version), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || echo unknown CPU)), autocannon $ac_version, $tree${STORE:+, emulator on a copy of $STORE}${FLOOR_DB:+, floor on a copy of $FLOOR_DB}, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
node bench/server/summary.mjs summary "$tmp/results" "$ROUNDS" "$(getconf CLK_TCK)"
[ "$SIDE_ROUNDS" -gt 0 ] && node bench/server/summary.mjs side "$tmp/results" "$SIDE_ROUNDS" "$(getconf CLK_TCK)"

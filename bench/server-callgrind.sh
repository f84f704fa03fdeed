#!/usr/bin/env bash
# Instructions per request of the emulator's API server, counted by callgrind: a figure that other
# load on the machine does not move, unlike req/s or CPU time. The built binary of a checkout runs
# under valgrind; after a warm-up (so the JIT has compiled the hot path), the counts are zeroed, a
# fixed number of requests is sent over 10 keep-alive connections (bench/server/drive.mjs) and the
# counts dumped. Reported: the server's JavaScript thread (the worker thread that serves, the one
# with the most instructions), and all threads (V8's compiler and GC threads included).
#
# Usage: bash bench/server-callgrind.sh <checkout> <put|incr|cond> [warm-up requests, default 4000] [requests, default 3000]
#   The checkout must be built (node scripts/build.mjs). Takes several minutes: valgrind runs Node
#   about 50 times slower. Runs of two checkouts may go at once: the counts do not depend on the load.
# Environment: NODE_FLAGS="--single-threaded" (V8 compiles and collects on the JavaScript thread, so
#   when the JIT finishes a function depends less on how the threads were scheduled)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bash bench/server-callgrind.sh <checkout> <put|incr|cond> [warm-up] [requests]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/server-callgrind.sh: valgrind is not installed" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$1" && pwd)
kind=$2
WARM=${3:-4000}
N=${4:-3000}
[ -f "$checkout/dist/cli.cjs" ] || { echo "bench/server-callgrind.sh: $checkout is not built (no dist/cli.cjs)" >&2; exit 1; }

. "$here/lib/callgrind.sh"
mkdir -p "$tmp/home"
start_under_callgrind "bench/server-callgrind.sh: the server" env -u YOURSPACE_API_URL -u YOURSPACE_TOKEN -u YOURSPACE_DATA_DIR -u YOURSPACE_SITE -u YOURSPACE_REGION HOME="$tmp/home" \
  -- kv emulator start --port 0 --json --data-dir "$tmp/data"
field() { node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]' "$1" "$2"; }
api=$(field "$tmp/server.json" apiUrl)
token=$(field "$tmp/server.json" token)
# As bench/server.sh: the enterprise tier, so new keys meet no ceiling.
curl -sf -X PATCH -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{"tier":"enterprise"}' "$api/v1/sites/local" >/dev/null
case $kind in
  incr) url=$api/v1/sites/local/namespaces/default/counters/bench%2Fcounter ;;
  put | cond) url=$api/v1/sites/local/namespaces/default/values/bench%2Fsmall ;;
  *) echo "bench/server-callgrind.sh: the case is put, incr or cond, not $kind" >&2; exit 2 ;;
esac
count_instructions "$url" "$token" "$kind"
echo "$checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?')), $kind, $N requests after $WARM: $js_per_request instructions per request on the server's JavaScript thread, $all_per_request on all threads"

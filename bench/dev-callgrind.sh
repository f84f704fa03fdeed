#!/usr/bin/env bash
# Instructions per request of `yourspace dev` serving bench/dev.mjs's handler (one KV read of an
# 11-byte value, answered as text), counted by callgrind: a figure that other load on the machine
# does not move, unlike req/s or CPU time (the kernel's share, the write of each answer, is not in
# it). The built binary of a checkout runs under valgrind; after a warm-up (so the JIT has compiled
# the hot path), the counts are zeroed, a fixed number of GETs is sent over 10 keep-alive
# connections (bench/server/drive.mjs) and the counts dumped. Reported: the JavaScript thread, and all
# threads (V8's compiler and GC threads included).
#
# Usage: bash bench/dev-callgrind.sh <checkout> [warm-up requests, default 3000] [requests, default 3000]
#   The checkout must be built (node scripts/build.mjs). Takes a minute or two: valgrind runs Node
#   about 50 times slower. Runs of two checkouts may go at once: the counts do not depend on the load.
# Environment: NODE_FLAGS="--single-threaded" (V8 compiles and collects on the JavaScript thread, so
#   when the JIT finishes a function depends less on how the threads were scheduled)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bash bench/dev-callgrind.sh <checkout> [warm-up] [requests]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/dev-callgrind.sh: valgrind is not installed" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$1" && pwd)
WARM=${2:-3000}
N=${3:-3000}
[ -f "$checkout/dist/cli.cjs" ] || { echo "bench/dev-callgrind.sh: $checkout is not built (no dist/cli.cjs)" >&2; exit 1; }

. "$here/lib/callgrind.sh"
mkdir -p "$tmp/home" "$tmp/project/functions"
# The project bench/dev.mjs serves (bench/dev/sides.mjs).
echo '{ "routes": [{ "pattern": "/*", "function": "functions/read.js", "kv": "read-only" }] }' >"$tmp/project/yourspace.jsonc"
printf 'import { kv } from "yourspace:edge";\n\nexport default async function handler(req, ctx) {\n  return new Response(await kv.get("bench/small"));\n}\n' >"$tmp/project/functions/read.js"
cd "$tmp/project"
# The store in the project's own data directory, whatever the environment says.
environment=(env -u YOURSPACE_API_URL -u YOURSPACE_TOKEN -u YOURSPACE_SITE -u YOURSPACE_REGION HOME="$tmp/home" YOURSPACE_DATA_DIR="$tmp/data")
"${environment[@]}" node "$checkout/bin/yourspace" kv set bench/small hello-world >/dev/null 2>&1
start_under_callgrind "bench/dev-callgrind.sh: yourspace dev" "${environment[@]}" -- dev --port 0 --json --no-browser
url=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).url' "$tmp/server.json")
count_instructions "$url/" - get
echo "$checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?')), $N requests after $WARM: $js_per_request instructions per request on the JavaScript thread, $all_per_request on all threads"

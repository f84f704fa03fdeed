#!/usr/bin/env bash
# What a checkout's grouped writes cost in SQLite statements, counted by callgrind: the instructions
# spent inside better-sqlite3's run() (binding, stepping, the V8 API) and inside sqlite3_step alone,
# per write, for groups of 5 writes in process (bench/group-callgrind-drive.mjs, no HTTP). Native code
# compiled ahead of time, so, unlike a whole request's count (bench/server-callgrind.sh, where V8's
# compiler moves the figure by ±10% between runs), two runs of one checkout give the same figure.
# The setup (opening the store, migrations) is counted too, the same for every checkout.
#
# Usage: bash bench/group-callgrind.sh <checkout> <hot|new|incr> [groups, default 1000]
#   Takes a few minutes: valgrind runs Node about 50 times slower.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bash bench/group-callgrind.sh <checkout> <hot|new|incr> [groups]" >&2; exit 2; }
for tool in valgrind callgrind_annotate; do command -v "$tool" >/dev/null || { echo "bench/group-callgrind.sh: $tool is not installed" >&2; exit 1; }; done
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$1" && pwd)
COUNT=${3:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" --dump-instr=no \
  node --single-threaded "$here/group-callgrind-drive.mjs" "$checkout" "$COUNT" "$2" >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
# Node's own process, the largest profile (bundling the source starts esbuild, another process).
callgrind_annotate --inclusive=yes --threshold=100 "$(ls -S "$tmp"/cg.* | head -1)" >"$tmp/annotated"
# The first line naming it (the whole of a function, not a recursive call's): its count, without commas.
inclusive() { awk -v name="$1" 'index($0, name) { gsub(",", "", $1); print $1; exit }' "$tmp/annotated"; }
writes=$((COUNT * 5))
echo "$checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?')), $2, $writes writes in groups of 5: per write, $(($(inclusive 'Statement::JS_run') / writes)) instructions in run(), $(($(inclusive 'sqlite3_step [') / writes)) in sqlite3_step; $(($(inclusive 'PROGRAM TOTALS') / writes)) in all (V8's compiler included)"

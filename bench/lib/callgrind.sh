# The part bench/server-callgrind.sh and bench/dev-callgrind.sh share, sourced by both: a server of
# a built checkout run under callgrind, warmed up, its counts zeroed, a fixed number of requests sent
# (bench/server/drive.mjs) and its instructions per request reported.
# The sourcing script sets `checkout`, `WARM` and `N` first.

tmp=$(mktemp -d)
vpid=
cleanup() {
  [ -n "$vpid" ] && kill -INT "$vpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_under_callgrind <what it is> <env and its settings…> -- <arguments of bin/yourspace…>: runs
# the checkout's binary under valgrind in that environment, its ready line into $tmp/server.json.
start_under_callgrind() {
  local what=$1
  shift
  local environment=()
  while [ "$1" != "--" ]; do environment+=("$1"); shift; done
  shift
  "${environment[@]}" valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$tmp/cg.%p" --dump-instr=no \
    node ${NODE_FLAGS:-} "$checkout/bin/yourspace" "$@" >"$tmp/server.json" 2>"$tmp/server.log" &
  vpid=$!
  for _ in $(seq 1 1500); do [ -s "$tmp/server.json" ] && break; sleep 0.2; done
  [ -s "$tmp/server.json" ] || { cat "$tmp/server.log" >&2; echo "$what did not start" >&2; exit 1; }
}

# count_instructions <drive.mjs arguments but the count…>: WARM requests, the counts zeroed, N
# requests, the counts dumped and the server stopped (waited for, so its files are whole); sets
# js_per_request (the thread that serves) and all_per_request (every thread, V8's own included).
count_instructions() {
  node "$(dirname "${BASH_SOURCE[0]}")/../server/drive.mjs" "$@" "$WARM"
  callgrind_control -z "$vpid" >/dev/null 2>&1
  node "$(dirname "${BASH_SOURCE[0]}")/../server/drive.mjs" "$@" "$N"
  callgrind_control -d "$vpid" >/dev/null 2>&1
  kill -INT "$vpid"
  wait "$vpid" || true
  vpid=
  # The thread that ran the most instructions is the one that serves.
  local totals
  totals=$(for f in "$tmp"/cg.*.1-*; do grep -h '^totals:\|^summary:' "$f" | head -1 | awk '{print $2}'; done | sort -n)
  js_per_request=$(($(echo "$totals" | tail -1) / N))
  all_per_request=$(($(echo "$totals" | awk '{ s += $1 } END { print s }') / N))
}

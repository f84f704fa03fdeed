#!/usr/bin/env bash
# Import and export throughput and peak memory, in one run, each into a fresh embedded store:
#   - import of 100,000 entries (keys in key order, as `kv export` writes them), and of the same shuffled;
#   - import of 1,000,000 entries;
#   - export of those 1,000,000 keys to /dev/null;
#   - `wrangler kv bulk put --local` of the same 100,000 entries (as a JSON array), for the ratio.
# Files come from bench/make-import-file.mjs. Wall time, CPU time (user + sys: what a shared machine
# leaves comparable) and peak RSS from /usr/bin/time -v (one run each).
# wrangler is installed on the fly into a temporary directory (never as a project dependency); set
# WRANGLER_BIN to use one already installed, or BENCH_WRANGLER=0 to skip it. If it cannot be installed or
# run, the documented figure (223 s for 100k keys, ../shared/design/anchors.md) is used instead, and said so.
# Usage: bash bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "GNU time is not installed: apt-get install time" >&2; exit 1; }
[ -f dist/cli.cjs ] || node scripts/build.mjs

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export YOURSPACE_CONFIG_DIR="$dir/config"
ys="$PWD/bin/yourspace"
WRANGLER_REFERENCE_S=223

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
echo "Generating files in $dir …" >&2
node bench/make-import-file.mjs 100000 "$dir/100k.ndjson"
node bench/make-import-file.mjs 100000 "$dir/100k-shuffled.ndjson" ndjson --shuffled
node bench/make-import-file.mjs 100000 "$dir/100k.json" json
node bench/make-import-file.mjs 1000000 "$dir/1m.ndjson"

# measure <name> <stdout file> <command…>: runs once under /usr/bin/time -v, records seconds and MB.
declare -A wall cpu rss rss_kb
measure() {
  local name=$1 out=$2
  shift 2
  echo "Running $name …" >&2
  if ! /usr/bin/time -v -o "$dir/$name.time" "$@" >"$out" 2>"$dir/$name.err"; then
    echo "$name failed:" >&2
    tail -5 "$dir/$name.err" >&2
    return 1
  fi
  wall[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$dir/$name.time")
  cpu[$name]=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.2f", s }' "$dir/$name.time")
  rss_kb[$name]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/$name.time")
  rss[$name]=$(awk -v k="${rss_kb[$name]}" 'BEGIN { printf "%.1f", k / 1024 }')
}

# expect_created <json summary> <n>: the import really wrote n new entries.
expect_created() {
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (s.created !== Number(process.argv[2]) || s.failed !== 0) { console.error("unexpected summary:", s); process.exit(1); }' "$1" "$2"
}

# Fresh stores. 100k fits the free tier (100,000 keys, 50 MB) as is; 1M needs a larger tier
# (enterprise: no ceilings, so no ceiling pass either).
measure "import 100k" "$dir/i100k.json" "$ys" --data-dir "$dir/s100k" kv import "$dir/100k.ndjson" --json
expect_created "$dir/i100k.json" 100000
measure "import 100k shuffled" "$dir/i100ks.json" "$ys" --data-dir "$dir/s100ks" kv import "$dir/100k-shuffled.ndjson" --json
expect_created "$dir/i100ks.json" 100000
"$ys" --data-dir "$dir/s1m" kv site --tier enterprise --quiet >/dev/null
measure "import 1M" "$dir/i1m.json" "$ys" --data-dir "$dir/s1m" kv import "$dir/1m.ndjson" --json
expect_created "$dir/i1m.json" 1000000
measure "export 1M" /dev/null "$ys" --data-dir "$dir/s1m" kv export
# The export really held every key (a second export, counted, outside the measurement).
lines=$("$ys" --data-dir "$dir/s1m" kv export --quiet | wc -l)
[ "$lines" -eq 1000000 ] || { echo "export 1M wrote $lines lines, not 1,000,000" >&2; exit 1; }

# wrangler kv bulk put --local, on the same 100k entries as a JSON array.
wrangler_note=""
wrangler_s=""
if [ "${BENCH_WRANGLER:-1}" = "0" ]; then
  wrangler_note="skipped (BENCH_WRANGLER=0)"
else
  wrangler=${WRANGLER_BIN:-}
  if [ -z "$wrangler" ]; then
    echo "Installing wrangler into $dir/wrangler (not a project dependency) …" >&2
    if npm install --prefix "$dir/wrangler" wrangler --no-audit --no-fund --loglevel=error >"$dir/wrangler-install.log" 2>&1; then
      wrangler="$dir/wrangler/node_modules/.bin/wrangler"
    else
      wrangler_note="skipped: npm install wrangler failed ($(tail -1 "$dir/wrangler-install.log"))"
    fi
  fi
  if [ -n "$wrangler" ]; then
    mkdir -p "$dir/wproj"
    printf '{ "name": "bench", "main": "index.js", "compatibility_date": "2025-01-01", "kv_namespaces": [{ "binding": "KV", "id": "bench" }] }\n' >"$dir/wproj/wrangler.jsonc"
    printf 'export default { fetch() { return new Response(""); } };\n' >"$dir/wproj/index.js"
    wrangler_version=$("$wrangler" --version 2>/dev/null | tail -1 || true)
    pushd "$dir/wproj" >/dev/null
    export WRANGLER_SEND_METRICS=false CI=1
    if measure "wrangler 100k" "$dir/w100k.out" timeout "${BENCH_WRANGLER_TIMEOUT:-1200}" "$wrangler" kv bulk put "$dir/100k.json" --binding KV --local; then
      wrangler_s=${wall["wrangler 100k"]}
    else
      wrangler_note="skipped: wrangler kv bulk put --local did not complete ($(tail -1 "$dir/wrangler 100k.err" 2>/dev/null))"
    fi
    popd >/dev/null
  fi
fi
if [ -z "$wrangler_s" ]; then
  echo "wrangler: $wrangler_note; using the documented reference of ${WRANGLER_REFERENCE_S} s for 100k keys (../shared/design/anchors.md)." >&2
fi

# The table.
row() { # name target_s target_mb
  local met="yes"
  awk -v w="${wall[$1]}" -v t="$2" 'BEGIN { exit !(w <= t) }' || met="NO"
  [ "${rss_kb[$1]}" -le $(($3 * 1024)) ] || met="NO"
  printf '| %-28s | %8s s | %8s s | %7s MiB | ≤ %2s s, ≤ %3s MiB | %-3s |\n' "$1" "${wall[$1]}" "${cpu[$1]}" "${rss[$1]}" "$2" "$3" "$met"
}
echo
echo "$(nproc) CPUs, node $(node --version), commit $commit (dist/ as built then); load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "| run                          |       wall |  CPU (u+s) |    peak RSS | target            | met |"
echo "|------------------------------|------------|------------|-------------|-------------------|-----|"
row "import 100k" 3 150
printf '| %-28s | %8s s | %8s s | %7s MiB | %-17s |     |\n' "import 100k shuffled" "${wall["import 100k shuffled"]}" "${cpu["import 100k shuffled"]}" "${rss["import 100k shuffled"]}" "(for honesty)"
row "import 1M" 20 200
row "export 1M" 6 150
if [ -n "$wrangler_s" ]; then
  printf '| %-28s | %8s s | %8s s | %7s MiB | %-17s |     |\n' "wrangler $wrangler_version 100k" "$wrangler_s" "${cpu["wrangler 100k"]}" "${rss["wrangler 100k"]}" "(reference)"
  ref=$wrangler_s
  src="measured in this run"
else
  ref=$WRANGLER_REFERENCE_S
  src="documented reference, not measured here: $wrangler_note"
fi
echo
awk -v r="$ref" -v o="${wall["import 100k"]}" -v s="$src" 'BEGIN {
  x = r / o
  printf "100k import vs wrangler kv bulk put --local (%s): %.1f s / %.2f s = %.0fx (target >= 50x: %s)\n", s, r, o, x, (x >= 50 ? "met" : "NOT met")
}'

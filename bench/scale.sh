#!/usr/bin/env bash
# The emulator at the platform's limit: one store on the Team tier holding SCALE_KEYS keys (5,000,000
# unless set) in the namespace `mirror`, each operation against its floor in the same run:
#   - `kv import` of them (wall, peak RSS), against raw better-sqlite3 inserting the same rows;
#   - `kv get` of a random key, `kv ls --limit 1000` of a prefix in the middle and of the first page,
#     `kv usage`, `kv site` (hyperfine, new processes), against the same commands on a 1,000-key store;
#   - a list page in process (bench/scale/list-pages.mjs), against the target of 5 ms;
#   - `kv ls --all --json` of the 2% prefix (100,000 keys at 5M), against a raw scan of those rows;
#   - `kv export` of every key, against a raw scan of every row;
#   - `kv rm --prefix` of the 20% prefix (1,000,000 keys at 5M) and `kv namespace rm` of everything,
#     each on a copy of the store, while another process reads and takes the write lock every 20 ms
#     (bench/scale/lock-probe.mjs: its longest wait is the longest lock the command held);
#   - the store's size on disk against the bytes of keys, values and metadata it holds;
#   - an eventual read in an edge of keys with 10 pending versions each, against a home read of the
#     same keys, on a copy of the store (bench/scale/edge-reads.mjs); then, on that copy, every key
#     with a TTL expired: list pages before and after they are reclaimed (bench/scale/expired.mjs).
# Data: bench/scale/make-data.mjs (keys of 20–60 bytes under 302 prefixes, values 10 B–4 KiB, 10% with
# a TTL, 5% with metadata). The file, the seeded store and the floor's table are kept in
# ${TMPDIR:-/tmp}/yourspace-scale-<keys>-<layout>/ so a rerun skips the import; the layout is a hash
# of the store's schema and opening code, so a change to either seeds again. SCALE_RESEED=1 seeds
# again anyway; SCALE_SEED_ONLY=1 seeds and stops; SCALE_ONLY=removals runs the removals alone,
# SCALE_ONLY=edge the edge reads and the expired keys alone. Needs hyperfine (apt-get install hyperfine) and GNU time.
# Usage: bash bench/scale.sh            SCALE_KEYS=1000000 bash bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install -y hyperfine" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed: apt-get install time" >&2; exit 1; }
[ -f dist/cli.cjs ] || node scripts/build.mjs

N=${SCALE_KEYS:-5000000}
RUNS=${SCALE_RUNS:-15}
ys="$PWD/bin/yourspace"
. bench/scale/seeded-store.sh
cache=$(scale_cache "$N")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export YOURSPACE_CONFIG_DIR="$work/config"
ns=mirror
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')

# timed <name> <stdout> <command…>: one run under /usr/bin/time -v; sets wall[name] and cpu[name]
# (user + system), in s, and rss[name] (MiB).
declare -A wall cpu rss
timed() {
  local name=$1 out=$2
  shift 2
  echo "Running $name …" >&2
  /usr/bin/time -v -o "$work/time" "$@" >"$out" 2>"$work/err" || { echo "$name failed:" >&2; tail -5 "$work/err" >&2; exit 1; }
  cpu[$name]=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$work/time")
  wall[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$work/time")
  rss[$name]=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time")
}

# ---- Seeding, once per size and layout -------------------------------------------------------------
if [ "${SCALE_RESEED:-0}" = "1" ]; then rm -rf "$cache"; fi
if [ ! -f "$cache/seeded" ]; then
  rm -rf "$cache/store" "$cache/small" "$cache"/floor.sqlite*
  mkdir -p "$cache"
  echo "Seeding $cache (the import is measured now and kept for reruns) …" >&2
  [ -f "$cache/data.ndjson" ] || node bench/scale/make-data.mjs "$N" "$cache/data.ndjson.part"
  [ -f "$cache/data.ndjson" ] || mv "$cache/data.ndjson.part" "$cache/data.ndjson"
  "$ys" --data-dir "$cache/store" kv site --tier team --quiet
  "$ys" --data-dir "$cache/store" kv namespace create "$ns" --quiet
  timed import "$cache/import.json" "$ys" --data-dir "$cache/store" kv import -n "$ns" "$cache/data.ndjson" --json
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (s.created !== Number(process.argv[2]) || s.failed !== 0) { console.error("unexpected summary:", s); process.exit(1); }' "$cache/import.json" "$N"
  timed "floor import" /dev/null node bench/scale/floor.mjs load "$cache/data.ndjson" "$cache/floor.sqlite"
  # The 1,000-key store: the first 1,000 keys of the 20% prefix, so its pages are as full as the big one's.
  grep -m 1000 '^{"key":"sessions/' "$cache/data.ndjson" >"$cache/small.ndjson"
  "$ys" --data-dir "$cache/small" kv namespace create "$ns" --quiet
  "$ys" --data-dir "$cache/small" kv import -n "$ns" "$cache/small.ndjson" --quiet
  printf '%s %s %s %s %s %s\n' "${wall[import]}" "${rss[import]}" "${wall["floor import"]}" "${rss["floor import"]}" "${cpu[import]}" "${cpu["floor import"]}" >"$cache/import.figures"
  touch "$cache/seeded"
else
  echo "Using the store seeded in $cache (SCALE_RESEED=1 to seed again)" >&2
fi
[ "${SCALE_SEED_ONLY:-0}" = "1" ] && exit 0
read -r import_s import_mb floor_s floor_mb import_cpu floor_cpu <"$cache/import.figures"
wall[import]=$import_s rss[import]=$import_mb wall["floor import"]=$floor_s rss["floor import"]=$floor_mb cpu[import]=$import_cpu cpu["floor import"]=$floor_cpu
big="$cache/store"
small="$cache/small"

# A random key (fixed per run of the same data), a prefix in the middle of the store, and the scan prefix.
key=$(sed -n "$((N / 2 + 7919))p" "$cache/data.ndjson" | node -e 'process.stdin.on("data", (d) => process.stdout.write(JSON.parse(d).key))')
small_key=$(sed -n '500p' "$cache/small.ndjson" | node -e 'process.stdin.on("data", (d) => process.stdout.write(JSON.parse(d).key))')
middle=sessions/
scan=orders/2026/

only=${SCALE_ONLY:-}
if [ -z "$only" ]; then
# ---- New processes: the big store against the 1,000-key one -----------------------------------------
# RUNS runs each in one hyperfine run: wall medians, and CPU (user + system, means), on which the
# verdict rests: on a machine other work shares, wall time is mostly the wait for a core.
hf() { # name, big command, small command → "wall wall ratio cpu cpu ratio" (ms)
  echo "Timing $1 …" >&2
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/hf.json" "$2" "$3" >/dev/null 2>&1
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results; const m = (x) => x.median * 1000; const c = (x) => (x.user + x.system) * 1000;
    console.log(`${m(r[0]).toFixed(1)} ${m(r[1]).toFixed(1)} ${(m(r[0]) / m(r[1])).toFixed(2)} ${c(r[0]).toFixed(1)} ${c(r[1]).toFixed(1)} ${(c(r[0]) / c(r[1])).toFixed(2)}`)' "$work/hf.json"
}
declare -A cli
cli[get]=$(hf "kv get" "$ys --data-dir $big kv get -n $ns $key" "$ys --data-dir $small kv get -n $ns $small_key")
cli[ls middle]=$(hf "kv ls middle" "$ys --data-dir $big kv ls -n $ns $middle --limit 1000" "$ys --data-dir $small kv ls -n $ns $middle --limit 1000")
cli[ls first]=$(hf "kv ls first page" "$ys --data-dir $big kv ls -n $ns --limit 1000" "$ys --data-dir $small kv ls -n $ns --limit 1000")
cli[usage]=$(hf "kv usage" "$ys --data-dir $big kv usage" "$ys --data-dir $small kv usage")
cli[site]=$(hf "kv site" "$ys --data-dir $big kv site" "$ys --data-dir $small kv site")

# ---- In process, scans and export ------------------------------------------------------------------
echo "Timing list pages in process …" >&2
pages=$(node bench/scale/list-pages.mjs "$big" "$ns" "" "$middle" "$scan" cache/page/0020/ users/0042/ flags/0001/ profiles/0030/)
timed "ls --all" "$work/ls.json" "$ys" --data-dir "$big" kv ls -n "$ns" "$scan" --all --json
timed "floor scan" "$work/scan.ndjson" node bench/scale/floor.mjs scan "$cache/floor.sqlite" "$scan"
listed=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).keys?.length ?? "?")' "$work/ls.json" 2>/dev/null || echo "?")
scanned=$(wc -l <"$work/scan.ndjson")
timed export /dev/null "$ys" --data-dir "$big" kv export -n "$ns"
timed "floor scan all" /dev/null node bench/scale/floor.mjs scan "$cache/floor.sqlite" ""

# ---- Size on disk ------------------------------------------------------------------------------------
"$ys" --data-dir "$big" kv usage --json >"$work/usage.json"
held=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).storage.bytes)' "$work/usage.json")
on_disk=$(du -cb "$big"/kv.sqlite* | tail -1 | cut -f1)

fi

# ---- Eventual reads in an edge with pending versions, on a copy -------------------------------------
if [ -z "$only" ] || [ "$only" = edge ]; then
  rm -rf "$work/copy"
  echo "Copying the store for the edge reads …" >&2
  cp -r "$big" "$work/copy"
  sync
  echo "Timing edge reads …" >&2
  edge_reads=$(node bench/scale/edge-reads.mjs "$work/copy" "$ns" 10000 10)
  echo "Expiring the keys with a TTL, then reclaiming them …" >&2
  expired_run=$(node bench/scale/expired.mjs "$work/copy" "$ns")
  rm -rf "$work/copy"
fi

# ---- Removals, each on a copy, with another process on the store -----------------------------------
removal() { # name, command…
  local name=$1
  shift
  rm -rf "$work/copy"
  echo "Copying the store for $name …" >&2
  cp -r "$big" "$work/copy"
  # The copy leaves gigabytes of dirty pages that the kernel writes back for the next minute; a
  # removal's own writes would queue behind them and hold the lock for that, which is the bench's
  # doing, not the command's.
  sync
  node bench/scale/lock-probe.mjs "$work/copy" "$ns" "$key" >"$work/probe.out" &
  local probe=$!
  until grep -q ready "$work/probe.out" 2>/dev/null; do sleep 0.1; done
  timed "$name" "$work/$name.out" "$@"
  kill -TERM "$probe"
  wait "$probe"
  probed[$name]=$(tail -1 "$work/probe.out")
}
declare -A probed
if [ -z "$only" ] || [ "$only" = removals ]; then
removal "rm --prefix" "$ys" --data-dir "$work/copy" kv rm -n "$ns" --prefix "$middle" --yes --json
removed_prefix=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).removed)' "$work/rm --prefix.out")
removal "namespace rm" "$ys" --data-dir "$work/copy" kv namespace rm "$ns" --yes --json
rm -rf "$work/copy"
fi

# ---- The table ---------------------------------------------------------------------------------------
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "**no**") }'; }
ratio_row() { # label, "wall wall ratio cpu cpu ratio", target ratio
  read -r b s r bc sc rc <<<"$2"
  printf '| %s | %s ms wall, %s ms CPU | %s ms, %s ms CPU (1,000 keys) | %s× wall, **%s× CPU** | ≤ %s× | %s |\n' "$1" "$b" "$bc" "$s" "$sc" "$r" "$rc" "$3" "$(verdict "$rc" "$3")"
}
echo
echo "$N keys in $cache; $(nproc) CPUs, node $(node --version), commit $commit; load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "| operation | at $N keys | floor | ratio | target | met |"
echo "|---|---|---|---|---|---|"
# against <name> <floor> <label of the floor>: "time, memory | floor's | CPU ratio".
against() {
  printf '%s s wall, %s s CPU, %s MiB | %s %s s wall, %s s CPU, %s MiB | %s× CPU' "${wall[$1]}" "${cpu[$1]}" "${rss[$1]}" "$3" "${wall[$2]}" "${cpu[$2]}" "${rss[$2]}" \
    "$(awk -v a="${cpu[$1]}" -v b="${cpu[$2]}" 'BEGIN { printf "%.2f", a / b }')"
}
# within <name> <s> <MiB>: whether its wall time and peak RSS are within the target.
within() { awk -v w="${wall[$1]}" -v m="${rss[$1]}" -v tw="$2" -v tm="$3" 'BEGIN { print (w <= tw && m <= tm ? "yes" : "**no**") }'; }
if [ -z "$only" ]; then
printf '| kv import | %s | ≤ 90 s, ≤ 250 MiB | %s |\n' "$(against import "floor import" "raw insert")" "$(within import 90 250)"
ratio_row "kv get (median)" "${cli[get]}" 1.1
ratio_row "kv ls --limit 1000 $middle" "${cli[ls middle]}" 1.2
ratio_row "kv ls --limit 1000 (first page)" "${cli[ls first]}" 1.2
ratio_row "kv usage" "${cli[usage]}" 1.1
ratio_row "kv site" "${cli[site]}" 1.1
page_cpu=$(node -e 'console.log(JSON.parse(process.argv[1]).cpuMs.median)' "$pages")
printf '| list page in process (pages of 1,000) | %s | | | ≤ 5 ms | %s |\n' "$pages" "$(verdict "$page_cpu" 5) (median CPU ${page_cpu} ms)"
printf '| kv ls --all --json %s (%s keys; raw: %s rows) | %s | ≤ 2× | %s |\n' "$scan" "$listed" "$scanned" "$(against "ls --all" "floor scan" "raw scan")" \
  "$(awk -v a="${cpu["ls --all"]}" -v b="${cpu["floor scan"]}" 'BEGIN { print (a <= 2 * b ? "yes (CPU)" : "**no**") }')"
printf '| kv export (all) | %s | ≤ 30 s, ≤ 150 MiB | %s |\n' "$(against export "floor scan all" "raw scan")" "$(within export 30 150)"
fi
if [ -z "$only" ] || [ "$only" = edge ]; then
  read -r edge_cpu edge_cell home_cell < <(node -e 'const r = JSON.parse(process.argv[1]);
    console.log(r.ratio.cpu, `${r.edgeUs.cpu}_µs_CPU,_${r.edgeUs.wall}_µs_wall_(${r.edgeRegion},_${r.keys}_keys_×_${r.versions}_versions)`, `${r.homeUs.cpu}_µs_CPU,_${r.homeUs.wall}_µs_wall_(${r.homeRegion})`)' "$edge_reads")
  printf '| eventual edge read, pending versions | %s | home read of the same keys: %s | %s× CPU | ≤ 1.5× | %s |\n' "${edge_cell//_/ }" "${home_cell//_/ }" "$edge_cpu" "$(verdict "$edge_cpu" 1.5)"
  printf '| list pages with every TTL key expired, then reclaimed | %s | | | pages ≤ 5 ms, expired keys reclaimed | %s |\n' "$expired_run" \
    "$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.left === 0 && r.listBefore.cpuMs.median <= 5 && r.listAfter.cpuMs.median <= 5 ? "yes (median CPU)" : "**no**")' "$expired_run")"
fi
if [ -z "$only" ] || [ "$only" = removals ]; then
for name in "rm --prefix" "namespace rm"; do
  lock=$(node -e 'console.log(JSON.parse(process.argv[1]).writeLock.maxMs)' "${probed[$name]}")
  extra=""
  [ "$name" = "rm --prefix" ] && extra=" ($removed_prefix keys)"
  printf '| kv %s%s | %s s wall, %s s CPU, %s MiB | another process: %s | | ≤ 60 s, lock ≤ 200 ms | %s |\n' "$name" "$extra" "${wall[$name]}" "${cpu[$name]}" "${rss[$name]}" "${probed[$name]}" \
    "$(awk -v w="${wall[$name]}" -v l="$lock" 'BEGIN { print (w <= 60 && l <= 200 ? "yes" : "**no**") }')"
done
fi
if [ -z "$only" ]; then
  printf '| store size on disk | %s bytes | %s bytes held | %s× | ≤ 1.6× | %s |\n' "$on_disk" "$held" \
    "$(awk -v a="$on_disk" -v b="$held" 'BEGIN { printf "%.2f", a / b }')" "$(awk -v a="$on_disk" -v b="$held" 'BEGIN { print (a <= 1.6 * b ? "yes" : "**no**") }')"
fi

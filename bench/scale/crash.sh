#!/usr/bin/env bash
# kill -9 at full size, outside `npm test` (test/e2e/scale-crash.test.ts runs the small versions):
# for each of `kv import` of the whole file into a new store, `kv rm --prefix sessions/` and
# `kv namespace rm mirror` (each on a copy of the store bench/scale.sh seeded), and a compaction
# (an import that supersedes three versions of each of COMPACTION_KEYS keys, default 1,000,000),
# starts the command, kills it with SIGKILL after KILL_AFTER seconds (default 20; the compaction
# COMPACTION_KILL_AFTER, default 5), then checks that the store opens (`kv usage`), passes `PRAGMA
# integrity_check`, counts in its usage exactly the keys it holds, and that the same command run
# again completes. CASES="import rm-prefix namespace-rm compaction" (the default) chooses which.
# Usage: bash bench/scale.sh first (it seeds the store; the compaction needs none), then
#        bash bench/scale/crash.sh            SCALE_KEYS=1000000 KILL_AFTER=5 bash bench/scale/crash.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${SCALE_KEYS:-5000000}
KILL_AFTER=${KILL_AFTER:-20}
. bench/scale/seeded-store.sh
cache=$(scale_cache "$N")
ys="$PWD/bin/yourspace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export YOURSPACE_CONFIG_DIR="$work/config"

# check <data dir>: "integrity, live keys, usage keys"
check() {
  node -e '
    const Database = require("better-sqlite3");
    const db = new Database(process.argv[1] + "/kv.sqlite", { readonly: true });
    const integrity = db.pragma("integrity_check", { simple: true });
    const live = db.prepare("SELECT count(*) FROM entries WHERE tombstone = 0").pluck().get();
    const usage = db.prepare("SELECT keys FROM usage").pluck().get();
    console.log(`integrity ${integrity}, ${live} keys held, usage counts ${usage}${live === usage ? "" : " (MISMATCH)"}`);
    process.exit(integrity === "ok" && live === usage ? 0 : 1);
  ' "$1"
}

crash() { # name, data dir, command…
  local name=$1 dir=$2
  shift 2
  echo "== $name: killed after ${KILL_AFTER} s"
  "$@" >/dev/null 2>"$work/err" &
  local pid=$!
  sleep "$KILL_AFTER"
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; else echo "   (it finished first: raise KILL_AFTER)"; fi
  wait "$pid" 2>/dev/null || true
  "$ys" --data-dir "$dir" kv usage --quiet >/dev/null && echo "   opens"
  echo "   after the kill: $(check "$dir")"
  if [ -n "${AFTER_KILL:-}" ]; then echo "   after the kill: $("$AFTER_KILL" "$dir")"; fi
  local t=$SECONDS
  "$@" >/dev/null 2>"$work/err" || { echo "   the re-run failed:" && tail -3 "$work/err"; return 1; }
  echo "   re-run completed in $((SECONDS - t)) s: $(check "$dir")"
}

CASES=${CASES:-import rm-prefix namespace-rm compaction}
chosen() { [[ " $CASES " == *" $1 "* ]]; }
if chosen import || chosen rm-prefix || chosen namespace-rm; then require_seeded "$cache" "$N"; fi

if chosen import; then
  "$ys" --data-dir "$work/import" kv site --tier team --quiet
  "$ys" --data-dir "$work/import" kv namespace create mirror --quiet
  crash "kv import of $N keys" "$work/import" "$ys" --data-dir "$work/import" kv import -n mirror "$cache/data.ndjson" --quiet
  rm -rf "$work/import"
fi

if chosen rm-prefix; then
  cp -r "$cache/store" "$work/copy"
  crash "kv rm --prefix sessions/" "$work/copy" "$ys" --data-dir "$work/copy" kv rm -n mirror --prefix sessions/ --yes --quiet
  rm -rf "$work/copy"
fi

if chosen namespace-rm; then
  cp -r "$cache/store" "$work/copy"
  crash "kv namespace rm mirror" "$work/copy" "$ys" --data-dir "$work/copy" kv namespace rm mirror --yes --quiet
  rm -rf "$work/copy"
fi

# histories <data dir>: each key's head and how many versions it keeps, as "head versions keys" groups
histories() {
  node -e '
    const db = new (require("better-sqlite3"))(process.argv[1] + "/kv.sqlite", { readonly: true });
    const rows = db.prepare("SELECT CAST(e.value AS TEXT) AS head, (SELECT count(*) FROM versions v WHERE v.ns = e.ns AND v.key = e.key) AS versions, count(*) AS keys FROM entries e GROUP BY 1, 2 ORDER BY 1, 2").all();
    console.log(rows.map((r) => `${r.head} ${r.versions} ${r.keys}`).join(", "));
  ' "$1"
}

if chosen compaction; then
  # As in scale-crash: each key written three times on a stopped clock holds three versions no edge
  # has; once the clock has moved past their delivery, each write of a fourth value drops the two
  # every edge has, in that write's transaction.
  K=${COMPACTION_KEYS:-1000000}
  dir="$work/compaction"
  "$ys" --data-dir "$dir" kv site --tier team --quiet
  "$ys" --data-dir "$dir" kv emulator clock manual --quiet
  for v in v1 v2 v3 v4; do
    node -e 'const [n, v] = process.argv.slice(1); let s = ""; for (let i = 0; i < +n; i++) s += `{"key":"h/${String(i).padStart(7, "0")}","value":"${v}"}\n`; process.stdout.write(s)' "$K" "$v" >"$work/$v.ndjson"
  done
  for v in v1 v2 v3; do "$ys" --data-dir "$dir" kv import "$work/$v.ndjson" --quiet; done
  "$ys" --data-dir "$dir" kv emulator advance 10s --quiet
  echo "   before: $(histories "$dir") (head, versions, keys)"
  KILL_AFTER=${COMPACTION_KILL_AFTER:-5} AFTER_KILL=histories crash "a compaction of $K keys' histories" "$dir" "$ys" --data-dir "$dir" kv import "$work/v4.ndjson" --quiet
  echo "   histories at the end: $(histories "$dir")"
  [ "$(histories "$dir")" = "v4 2 $K" ] || { echo "   FAILED: every key should hold v4 and 2 versions" >&2; exit 1; }
fi

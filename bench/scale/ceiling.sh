#!/usr/bin/env bash
# The Team tier's key ceiling at full size, outside `npm test` (test/e2e/scale-crash.test.ts races
# the free tier's 100,000 keys): on a copy of the store bench/scale.sh seeded (5,000,000 keys, the
# Team tier's ceiling), removes 30 keys, then races for those 30 places an import of 20 new keys in
# batches of 5 and three processes setting 5 keys each: 35 keys for 30 places. (An import is refused
# whole when its file does not fit as it starts, so it takes part in the race only when it starts
# with room for all its keys; the sets then meet its batches.) Then checks that the store holds at most
# 5,000,000 keys and that its usage counts exactly what it holds, fills what the race left, and
# checks that the store then holds exactly 5,000,000 and refuses one more key (exit 6).
# Usage: bash bench/scale.sh first (it seeds the store), then bash bench/scale/ceiling.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N=5000000
ROOM=30
. bench/scale/seeded-store.sh
cache=$(scale_cache "$N")
require_seeded "$cache" "$N"
ys="$PWD/bin/yourspace"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export YOURSPACE_CONFIG_DIR="$work/config"
dir="$work/copy"
kv() { "$ys" --data-dir "$dir" kv "$@"; }

# held: "<keys held> <keys usage counts>"
held() {
  node -e '
    const db = new (require("better-sqlite3"))(process.argv[1] + "/kv.sqlite", { readonly: true });
    const live = db.prepare("SELECT count(*) FROM entries WHERE tombstone = 0").pluck().get();
    console.log(live, db.prepare("SELECT keys FROM usage").pluck().get());
  ' "$dir"
}

echo "copying the seeded store…"
cp -r "$cache/store" "$dir"
read -r live usage < <(held)
[ "$live" = "$N" ] && [ "$usage" = "$N" ] || { echo "the seeded store holds $live keys (usage $usage), not $N" >&2; exit 1; }
mapfile -t room < <(kv ls -n mirror --limit "$ROOM" --json | node -e 'for (const k of JSON.parse(require("fs").readFileSync(0, "utf8")).keys) console.log(k.key)')
kv rm -n mirror "${room[@]}" --quiet
read -r live usage < <(held)
echo "room made: $live keys held, usage counts $usage"

for i in $(seq 1 20); do echo "{\"key\":\"extra/$i\",\"value\":\"v\"}"; done >"$work/extra.ndjson"
setter() { # p: five sets, each its own process; prints each outcome
  local p=$1 i
  for i in $(seq 1 5); do
    if kv set -n mirror "set/$p/$i" v --json >/dev/null 2>"$work/set-$p-$i.err"; then echo ok; else grep -o '"code":"[A-Z_]*"' "$work/set-$p-$i.err" || echo "failed: $(cat "$work/set-$p-$i.err")"; fi
  done
}
echo "racing: an import of 20 new keys in batches of 5, and 3 processes × 5 sets, for $ROOM places"
kv import -n mirror "$work/extra.ndjson" --batch-size 5 --json >"$work/import.out" 2>"$work/import.err" &
importer=$!
setter 1 >"$work/s1" &
s1=$!
setter 2 >"$work/s2" &
s2=$!
setter 3 >"$work/s3" &
s3=$!
wait "$s1" "$s2" "$s3"
wait "$importer" || true
created=$(node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).created ?? 0) } catch { console.log(0) }' "$work/import.out")
sets_ok=$(cat "$work/s1" "$work/s2" "$work/s3" | grep -c '^ok$' || true)
others=$(cat "$work/s1" "$work/s2" "$work/s3" | { grep -v '^ok$' || true; } | sort | uniq -c | tr '\n' ' ')
echo "import created $created$(grep -o '"code":"[A-Z_]*"' "$work/import.err" | head -1 | sed 's/^/, then /'); sets: $sets_ok ok, the others: ${others:-none}"
read -r live usage < <(held)
echo "after the race: $live keys held, usage counts $usage"
fail=0
[ "$live" -le "$N" ] || { echo "FAIL: more than $N keys" >&2; fail=1; }
[ "$live" = "$usage" ] || { echo "FAIL: usage counts $usage for $live keys" >&2; fail=1; }
[ "$live" = $((N - ROOM + created + sets_ok)) ] || { echo "FAIL: $live keys held, where the writes that succeeded make $((N - ROOM + created + sets_ok))" >&2; fail=1; }
if [ -n "$(cat "$work/s1" "$work/s2" "$work/s3" | grep -v '^ok$' | grep -v QUOTA_EXCEEDED)" ]; then echo "FAIL: a set failed for another reason" >&2; fail=1; fi

for i in $(seq "$live" $((N - 1))); do kv set -n mirror "fill/$i" v --quiet; done
if kv set -n mirror one-more v --json >/dev/null 2>"$work/one-more.err"; then
  echo "FAIL: the key past the ceiling was written" >&2
  fail=1
else
  code=$?
  echo "one more key: exit $code, $(grep -o '"code":"[A-Z_]*"' "$work/one-more.err")"
  [ "$code" = 6 ] || fail=1
fi
read -r live usage < <(held)
echo "at the end: $live keys held, usage counts $usage"
[ "$live" = "$N" ] && [ "$usage" = "$N" ] || fail=1
[ "$fail" = 0 ] && echo "the ceiling held" || { echo "FAILED" >&2; exit 1; }

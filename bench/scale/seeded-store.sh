# Sourced by bench/scale.sh and the scripts beside this file, from the repository's root: where the
# store seeded with N keys is kept. Its name holds a hash of what shapes the store (the schema, the
# store's opening code and the data generator), so a change to any of them seeds a new one.

# scale_cache <N>: the directory of the seeded store and its files
scale_cache() {
  local layout
  layout=$(cat src/emulator/store/schema.ts src/emulator/store/store.ts bench/scale/make-data.mjs | sha256sum | cut -c1-10)
  echo "${TMPDIR:-/tmp}/yourspace-scale-$1-$layout"
}

# require_seeded <cache> <N>: exits unless bench/scale.sh has seeded that store
require_seeded() {
  [ -f "$1/seeded" ] || {
    echo "No seeded store in $1: run SCALE_KEYS=$2 bash bench/scale.sh first." >&2
    exit 1
  }
}

#!/usr/bin/env bash
# Regenerates the seed corpus fuzz/corpus/<target>/ from the shared vectors (../shared/vectors,
# next to this repository) and the recorded interop traffic (fuzz/seeds/interop, refreshed with
# fuzz/tools/record_interop.py), then minimizes each target's corpus (libFuzzer -merge, edges only).
# Usage: fuzz/seed.sh [--no-cmin]
set -euo pipefail
cd "$(dirname "$0")"
vectors=../../shared/vectors/txt
[ -d "$vectors" ] || { echo "seed.sh: $vectors not found (shared/ must sit next to the repository)" >&2; exit 1; }
cargo +nightly run --quiet --release --example seed -- corpus "$vectors" seeds/interop ../ipmi-core/src/cmd/app/testdata
if [ "${1:-}" != "--no-cmin" ]; then
  # Minimize on edge coverage only (-use_counters=0): hit-count buckets would keep thousands of
  # session scripts. Also the way to fold a long campaign's finds into corpus/ (copy them in first).
  cargo +nightly fuzz build -a -s none >/dev/null
  bin=target/x86_64-unknown-linux-gnu/release
  for t in $(cargo +nightly fuzz list); do
    rm -rf "corpus/$t.min" && mkdir "corpus/$t.min"
    "$bin/$t" -merge=1 -use_counters=0 "corpus/$t.min" "corpus/$t" >/dev/null 2>&1 \
      || { echo "minimizing $t failed" >&2; exit 1; }
    rm -rf "corpus/$t" && mv "corpus/$t.min" "corpus/$t"
  done
fi
du -sh corpus

#!/usr/bin/env bash
# Regenerates the seed corpus fuzz/corpus/<target>/ from the shared vectors (../shared/vectors,
# next to this repository) and the recorded interop traffic (fuzz/seeds/interop, refreshed with
# fuzz/tools/record_interop.py), then minimizes each target's corpus with `cargo fuzz cmin`.
# Usage: fuzz/seed.sh [--no-cmin]
set -euo pipefail
cd "$(dirname "$0")"
vectors=../../shared/vectors/txt
[ -d "$vectors" ] || { echo "seed.sh: $vectors not found (shared/ must sit next to the repository)" >&2; exit 1; }
cargo +nightly run --quiet --release --example seed -- corpus "$vectors" seeds/interop ../ipmi-core/src/cmd/app/testdata
if [ "${1:-}" != "--no-cmin" ]; then
  cargo +nightly fuzz build -a -s none >/dev/null
  for t in $(cargo +nightly fuzz list); do
    cargo +nightly fuzz cmin -a -s none "$t" "corpus/$t" >/dev/null 2>&1 || { echo "cmin $t failed" >&2; exit 1; }
  done
fi
du -sh corpus

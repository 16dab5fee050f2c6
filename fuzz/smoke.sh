#!/usr/bin/env bash
# Smoke run of every fuzz target (the fuzz stage of scripts/test.sh): build all targets once, replay
# the saved crash inputs of fuzz/regressions/<target>/, then fuzz every target for FUZZ_SECONDS
# (default 30) from its committed corpus, FUZZ_JOBS targets at a time (default: one per core).
# Fails (non-zero, naming the crashing input) on any crash, panic, allocation in the code under
# test, timeout (> 10 s for one input) or OOM (> 2 GiB RSS). Prints target / runs / exec/s.
#
# Built with debug assertions and overflow checks (-a), without ASan (-s none) and with 16 codegen
# units (a quicker build for a 30 s run; long campaigns use the default 1): ipmi-core and
# rmcp forbid unsafe code, and the counting allocator already fails any allocation (so any leak)
# in the code under test. New inputs go to a temporary directory: the committed corpus is never
# modified. Crash inputs are kept in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc)}
start=$(date +%s)

echo "fuzz: building every target (debug assertions, overflow checks, no sanitizer)"
cargo +nightly fuzz build -a -s none --codegen-units 16
# Where cargo put the binaries: CARGO_TARGET_DIR when the caller set one, else fuzz/target.
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin=${CARGO_TARGET_DIR:-target}/$host/release
mapfile -t targets < <(cargo +nightly fuzz list)
built=$(date +%s)
echo "fuzz: ${#targets[@]} targets built in $((built - start)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
  local t=$1 rc=0
  mkdir -p "$work/$t" "artifacts/$t"
  # Saved crash inputs first: each must pass with the full checks of the fuzz build.
  if [ -d "regressions/$t" ] && [ -n "$(ls -A "regressions/$t")" ]; then
    "$bin/$t" regressions/"$t"/* >"$work/$t.log" 2>&1 || rc=$?
  fi
  if [ "$rc" = 0 ]; then
    "$bin/$t" "$work/$t" "corpus/$t" -dict=ipmi.dict -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
      >>"$work/$t.log" 2>&1 || rc=$?
  fi
  echo "$rc" >"$work/$t.rc"
}
export -f run_one
export work bin secs

printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

failed=0
printf '\n%-36s %12s %10s\n' target runs exec/s
for t in "${targets[@]}"; do
  rc=$(cat "$work/$t.rc" 2>/dev/null || echo "no result")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -1)
  printf '%-36s %12s %10s\n' "$t" "${runs:--}" "${eps:--}"
  if [ "$rc" != 0 ]; then
    failed=1
    echo "FUZZ FAILURE in $t (exit $rc):" >&2
    grep -E -A2 'panicked|ERROR: libFuzzer|Test unit written to|Running:' "$work/$t.log" | grep -v '^ *[0-9]*: \|^ *at ' | head -30 >&2 || true
    ls "artifacts/$t/" 2>/dev/null | sed "s|^|  crashing input: fuzz/artifacts/$t/|" >&2 || true
  fi
done
end=$(date +%s)
echo "fuzz: build $((built - start)) s, fuzzing $((end - built)) s, total $((end - start)) s"
if [ "$failed" != 0 ]; then
  echo "FUZZ SMOKE RUN FAILED (see above); reproduce: cargo +nightly fuzz run -a -s none TARGET fuzz/artifacts/TARGET/FILE" >&2
  exit 1
fi
echo "fuzz: every target ran ${secs} s without a failure"

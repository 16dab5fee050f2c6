#!/usr/bin/env bash
# Installs what the tests need and runs every test of the project: the README's test command.
# Usage: scripts/test.sh            (everything)
#        scripts/test.sh STAGE...   (some of: deps lint host no_std firmware fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(deps lint host no_std firmware fuzz)

say() { printf '\n==== %s ====\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

deps() {
  say "installing test dependencies"
  local need=()
  command -v ipmitool >/dev/null || need+=(ipmitool)
  command -v ipmipower >/dev/null || need+=(freeipmi-tools)
  command -v ipmiutil >/dev/null || need+=(ipmiutil)
  # fence_ipmilan (Pacemaker / oVirt fencing agent); Debian 12 ships it in fence-agents.
  { command -v fence_ipmilan || [ -x /usr/sbin/fence_ipmilan ]; } >/dev/null || need+=(fence-agents)
  command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
  command -v ipmi_sim >/dev/null || need+=(openipmi)
  command -v cc >/dev/null || need+=(build-essential)
  command -v curl >/dev/null || need+=(curl ca-certificates)
  if [ ${#need[@]} -gt 0 ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
  # fence_ipmilan (host-sim/tests/lockout.rs): its own package on newer Debian, in fence-agents before.
  if ! command -v fence_ipmilan >/dev/null && [ ! -x /usr/sbin/fence_ipmilan ]; then
    as_root apt-get update -qq
    local fence=fence-agents
    apt-cache show fence-agents-ipmilan >/dev/null 2>&1 && fence=fence-agents-ipmilan
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$fence"
  fi
  if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  rustup component add rustfmt clippy llvm-tools >/dev/null 2>&1 || true
  rustup target add thumbv7em-none-eabihf >/dev/null
  # The decoder of the QEMU firmware's defmt logs (firmware/qemu.sh, firmware/test-qemu.sh).
  if [ -d firmware ]; then
    command -v defmt-print >/dev/null || cargo install defmt-print --locked
  fi
  if [ -d fuzz ]; then
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
  fi
}

lint() {
  say "cargo fmt --check"
  cargo fmt --all -- --check
  say "cargo clippy --all-targets -- -D warnings"
  cargo clippy --locked --workspace --all-targets -- -D warnings
  say "cargo doc -D warnings (ipmi-core, rmcp, host-sim)"
  RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -q -p ipmi-core -p rmcp -p host-sim
}

host() {
  say "cargo test (workspace: unit, vector KATs, real ipmitool/freeipmi against the endpoint and host-sim)"
  cargo test --locked --workspace
}

no_std() {
  say "no_std, no alloc: ipmi-core and rmcp for thumbv7em-none-eabihf"
  cargo build --locked --release --target thumbv7em-none-eabihf -p ipmi-core -p rmcp
}

firmware() {
  if [ ! -f firmware/test-qemu.sh ]; then
    echo "firmware/test-qemu.sh is missing" >&2
    return 1
  fi
  say "firmware: build both boards, boot the QEMU image, drive it with ipmitool and freeipmi"
  bash firmware/test-qemu.sh
}

fuzz() {
  if [ ! -f fuzz/smoke.sh ]; then
    echo "fuzz/smoke.sh is missing" >&2
    return 1
  fi
  say "fuzz: smoke run of every target (30 s each)"
  # 34 targets x 30 s must fit in the 10-minute stage with the cold build (~75-100 s): three
  # targets at a time on two cores (each still runs its full 30 s, on two thirds of a core).
  FUZZ_JOBS=${FUZZ_JOBS:-$(( $(nproc) * 3 / 2 ))} bash fuzz/smoke.sh
}

for s in "${stages[@]}"; do
  case "$s" in
    deps|lint|host|no_std|firmware|fuzz) "$s" ;;
    *) echo "unknown stage: $s (stages: deps lint host no_std firmware fuzz)" >&2; exit 2 ;;
  esac
done
say "all stages passed: ${stages[*]}"

#!/usr/bin/env bash
# Boots the qemu-mps2-an386 BMC image (firmware/qemu.sh) on a free UDP port and drives it with
# the real clients: ipmitool lanplus with cipher suites 3 and 17 (power status/on/off, chassis
# bootdev pxe, bootparam get 5, mc info), freeipmi's ipmipower --stat, then checks that a wrong
# password and cipher suite 0 are refused. Output is checked, not only exit codes (freeipmi can
# exit 0 on errors). QEMU is stopped by its pid at the end. Exits non-zero on any failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
passed=0
failed=0
log=$(mktemp -t bmc-qemu-XXXXXX.log)
qemu_pid=

cleanup() {
    if [[ -n "$qemu_pid" ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
}
trap cleanup EXIT

die() {
    echo "test-qemu: FATAL: $*" >&2
    echo "--- QEMU log ($log) ---" >&2
    tail -n 40 "$log" >&2
    echo "0 passed, 1 failed"
    exit 1
}

for tool in qemu-system-arm ipmitool ipmipower python3; do
    command -v "$tool" >/dev/null || die "$tool not installed (apt-get install qemu-system-arm ipmitool freeipmi-tools)"
done

# A free UDP port on loopback, chosen by the kernel.
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Build first (its own step, so a slow compile never counts against the boot time-out).
export QEMU_TARGET_DIR="${QEMU_TARGET_DIR:-$here/target/qemu}"
echo "test-qemu: building the QEMU image (release, test credentials)"
(cd "$here" && CARGO_TARGET_DIR="$QEMU_TARGET_DIR" BMC_CONFIG="$here/boards/qemu-mps2-an386/test-bmc.toml" \
    cargo build --release -p qemu-mps2-an386) || die "build failed"

"$here/qemu.sh" "$port" >"$log" 2>&1 &
qemu_pid=$!
echo "test-qemu: QEMU pid $qemu_pid, BMC at udp://127.0.0.1:$port"

lanplus=(ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 2)

# Wait until the BMC answers (boot is well under a second; allow 30 s on a loaded machine).
up=
for _ in $(seq 1 30); do
    kill -0 "$qemu_pid" 2>/dev/null || die "QEMU exited during boot"
    if out=$(timeout 5 "${lanplus[@]}" -C 17 power status 2>&1) && [[ "$out" == "Chassis Power is "* ]]; then
        up=1
        break
    fi
    sleep 1
done
[[ -n "$up" ]] || die "BMC did not answer ipmitool within 30 s"
grep -q "bmc: listening on UDP port 623" "$log" || die "boot log lacks the listening line"

# check NAME EXPECTED-REGEX COMMAND...: runs the command (20 s cap), matches its output.
check() {
    local name=$1 want=$2
    shift 2
    local out rc
    out=$(timeout 20 "$@" 2>&1)
    rc=$?
    if [[ $rc -eq 0 ]] && grep -Eq -- "$want" <<<"$out"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name (exit $rc); wanted /$want/, got:"
        sed 's/^/     | /' <<<"$out"
    fi
}

# refused NAME EXPECTED-REGEX MAX-SECONDS COMMAND...: must fail, print the reason, and be quick.
refused() {
    local name=$1 want=$2 max=$3
    shift 3
    local out rc start end
    start=$(date +%s%N)
    out=$(timeout 30 "$@" 2>&1)
    rc=$?
    end=$(date +%s%N)
    local ms=$(((end - start) / 1000000))
    if grep -Eq -- "$want" <<<"$out" && [[ $ms -le $((max * 1000)) ]] && ! grep -q "Chassis Power is" <<<"$out"; then
        passed=$((passed + 1))
        echo "ok   $name (refused in ${ms} ms)"
    else
        failed=$((failed + 1))
        echo "FAIL $name (exit $rc, ${ms} ms, limit ${max} s); wanted /$want/, got:"
        sed 's/^/     | /' <<<"$out"
    fi
}

for suite in 3 17; do
    c=("${lanplus[@]}" -C "$suite")
    check "C$suite power off (setup)" "Chassis Power Control: Down/Off" "${c[@]}" power off
    check "C$suite power status is off" "^Chassis Power is off$" "${c[@]}" power status
    check "C$suite power on" "Chassis Power Control: Up/On" "${c[@]}" power on
    check "C$suite power status is on" "^Chassis Power is on$" "${c[@]}" power status
    check "C$suite power off" "Chassis Power Control: Down/Off" "${c[@]}" power off
    check "C$suite power status is off again" "^Chassis Power is off$" "${c[@]}" power status
    check "C$suite chassis bootdev pxe" "Set Boot Device to pxe" "${c[@]}" chassis bootdev pxe
    check "C$suite chassis bootparam get 5" "Boot Device Selector : Force PXE" "${c[@]}" chassis bootparam get 5
    check "C$suite mc info" "IPMI Version +: 2.0" "${c[@]}" mc info
done

ipmipower_cmd=(ipmipower -D LAN_2_0 -h "127.0.0.1:$port" -u admin -p password --session-timeout=5000)
check "ipmipower --on" ": ok$" "${ipmipower_cmd[@]}" --on
check "ipmipower --stat (on)" ": on$" "${ipmipower_cmd[@]}" --stat
check "ipmipower --off" ": ok$" "${ipmipower_cmd[@]}" --off
check "ipmipower --stat (off)" ": off$" "${ipmipower_cmd[@]}" --stat

# Refusals last: failed logins count towards the user's lockout.
refused "wrong password refused (ipmitool -C 17)" "Unable to establish|RAKP|unauthorized" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -P wrong-password -N 1 -R 1 -C 17 power status
refused "wrong password refused (ipmipower)" "password invalid" 5 \
    ipmipower -D LAN_2_0 -h "127.0.0.1:$port" -u admin -p wrong-password --session-timeout=5000 --stat
refused "cipher suite 0 refused" "Unable to establish|no matching cipher suite|Invalid|unavailable" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 1 -C 0 power status

kill -0 "$qemu_pid" 2>/dev/null || { failed=$((failed + 1)); echo "FAIL QEMU died during the tests"; }
cleanup
qemu_pid=
echo "test-qemu: QEMU stopped"
if [[ $failed -ne 0 ]]; then
    echo "--- QEMU log ($log) ---"
    tail -n 40 "$log"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

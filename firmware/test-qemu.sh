#!/usr/bin/env bash
# Boots the qemu-mps2-an386 BMC image (firmware/qemu.sh) on a free UDP port and drives it with
# the real clients: ipmitool lanplus with cipher suites 3 and 17 (power status/on/off, chassis
# bootdev pxe, bootparam get 5, mc info), freeipmi's ipmipower (--on/--off/--stat, and --stat
# with every other standard suite), ipmitool -I lan (IPMI 1.5), then checks that a wrong
# password and cipher suite 0 are refused. Output is checked, not only exit codes (freeipmi can
# exit 0 on errors). Then boots an image built with no config file and checks that nobody can
# log in. QEMU is stopped by its pid each time. Before that, unless FIRMWARE_QEMU_ONLY=1: rustfmt
# and clippy of the firmware workspace, and both boards built in release with their sizes.
# Exits non-zero on any failure; the last line is "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
passed=0
failed=0
log=/dev/null
logs=()
port=
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
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
}

for tool in qemu-system-arm ipmitool ipmipower python3; do
    command -v "$tool" >/dev/null || die "$tool not installed (apt-get install qemu-system-arm ipmitool freeipmi-tools)"
done

# ok/fail bookkeeping for steps that are not client checks.
step() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
    fi
}

if [[ "${FIRMWARE_QEMU_ONLY:-0}" != 1 ]]; then
    echo "test-qemu: lint and release builds of both boards"
    step "cargo fmt --check (firmware)" bash -c "cd '$here' && cargo fmt --check"
    for board in qemu-mps2-an386 nucleo-f767zi; do
        step "clippy -D warnings ($board)" bash -c "cd '$here' && cargo clippy --release -q -p $board -- -D warnings"
        step "release build ($board)" bash -c "cd '$here' && cargo build --release -q -p $board"
    done
    step "size report" bash "$here/size.sh"
fi

# boot NAME CONFIG TARGET-DIR: builds (its own step, so a slow compile never counts against the
# boot time-out) and starts QEMU on a fresh free port; sets port, qemu_pid, log.
boot() {
    local name=$1 config=$2
    export QEMU_TARGET_DIR=$3
    echo "test-qemu: building the QEMU image ($name)"
    (cd "$here" && CARGO_TARGET_DIR="$QEMU_TARGET_DIR" BMC_CONFIG="$config" \
        cargo build --release -q -p qemu-mps2-an386) || die "build of the $name image failed"
    # A free UDP port on loopback, chosen by the kernel.
    port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    log=$(mktemp -t bmc-qemu-XXXXXX.log)
    logs+=("$log")
    BMC_CONFIG="$config" "$here/qemu.sh" "$port" >"$log" 2>&1 &
    qemu_pid=$!
    echo "test-qemu: QEMU pid $qemu_pid, BMC at udp://127.0.0.1:$port, log $log"
    local _
    for _ in $(seq 1 100); do
        grep -q "bmc: listening on UDP port 623" "$log" && return 0
        kill -0 "$qemu_pid" 2>/dev/null || die "QEMU exited during boot"
        sleep 0.3
    done
    die "the $name image did not come up within 30 s"
}

boot "test credentials" "$here/boards/qemu-mps2-an386/test-bmc.toml" "$here/target/qemu"

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

# Every other standard suite through freeipmi (the oracle for 11 and 12), and IPMI 1.5 (MD5).
for suite in 1 2 6 7 8 11 12 15 16; do
    check "ipmipower -I $suite --stat" ": (on|off)$" "${ipmipower_cmd[@]}" -I "$suite" --stat
done
check "ipmitool -I lan (IPMI 1.5) power status" "^Chassis Power is (on|off)$" \
    ipmitool -I lan -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 2 power status

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

# An image built without a config file: no user at all, and it says so.
boot "no config" none "$here/target/qemu-noconfig"
step "no-config image logs that no user is enabled" grep -q "NO USER IS ENABLED" "$log"
refused "no-config image refuses admin/password" "Unable to establish|RAKP|unauthorized" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 1 -C 17 power status
refused "no-config image refuses the null user" "Unable to establish|RAKP|unauthorized|password invalid|username invalid" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U "" -P "" -N 1 -R 1 -C 17 power status
refused "no-config image refuses ipmipower admin/password" "invalid|failed" 5 \
    ipmipower -D LAN_2_0 -h "127.0.0.1:$port" -u admin -p password --session-timeout=5000 --stat
kill -0 "$qemu_pid" 2>/dev/null || { failed=$((failed + 1)); echo "FAIL QEMU (no config) died during the tests"; }
cleanup
qemu_pid=
echo "test-qemu: QEMU stopped"

if [[ $failed -ne 0 ]]; then
    echo "--- last QEMU log ($log) ---"
    tail -n 40 "$log"
fi
[[ $failed -eq 0 ]] && rm -f "${logs[@]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

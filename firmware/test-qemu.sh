#!/usr/bin/env bash
# Boots the qemu-mps2-an386 BMC image (firmware/qemu.sh) on a free UDP port and drives it with
# the real clients: ipmitool lanplus with cipher suites 3 and 17 (power status/on/off, chassis
# bootdev pxe, bootparam get 5, mc info), freeipmi's ipmipower (--on/--off/--stat, and --stat
# with every other standard suite), ipmitool -I lan (IPMI 1.5), then checks that a wrong
# password and cipher suite 0 are refused. The board's chassis lines (UART1) are on a socket that
# lines-harness.py serves (it models the mainboard and logs every edge with the host's time): the
# test sets power good and reads what power status says, and checks that power on pulses the
# power button, power off holds it for the hard-off time (and is answered while it is held),
# identify blinks the LED (force: steady, 0: off), power reset and diag pulse RESET and NMI. Output is checked, not only exit codes (freeipmi can
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

harness_pid=
rundir=$(mktemp -d -t bmc-qemu-run-XXXXXX)

cleanup() {
    if [[ -n "$qemu_pid" ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
    if [[ -n "$harness_pid" ]] && kill -0 "$harness_pid" 2>/dev/null; then
        kill "$harness_pid" 2>/dev/null
        wait "$harness_pid" 2>/dev/null
    fi
    harness_pid=
}
trap 'cleanup; rm -rf "$rundir"' EXIT

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
    # The store (torn writes never lose the last snapshot) and the blob parser, on the host.
    step "unit tests: store and provisioning (host)" bash -c "cd '$here' && cargo test -q -p bmc-fw --target $(rustc -vV | sed -n 's/^host: //p') --lib"
fi

# boot NAME CONFIG TARGET-DIR: builds (its own step, so a slow compile never counts against the
# boot time-out) and starts QEMU on a fresh free port; sets port, qemu_pid, log.
boot() {
    local name=$1 config=$2 extra=${4:-}
    export QEMU_TARGET_DIR=$3
    echo "test-qemu: building the QEMU image ($name)"
    (cd "$here" && CARGO_TARGET_DIR="$QEMU_TARGET_DIR" BMC_CONFIG="$config" \
        cargo build --release -q -p qemu-mps2-an386) || die "build of the $name image failed"
    # A free UDP port on loopback, chosen by the kernel.
    port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    log=$(mktemp -t bmc-qemu-XXXXXX.log)
    logs+=("$log")
    # UART1 (the chassis lines) on a socket for lines-harness.py; the monitor on another.
    lines_sock=$rundir/$name-lines.sock
    monitor_sock=$rundir/$name-monitor.sock
    events=$rundir/$name-lines.log
    control=$rundir/$name-lines.ctl
    rm -f "$lines_sock" "$monitor_sock" "$control"
    : >"$events"
    mkfifo "$control"
    BMC_CONFIG="$config" QEMU_ARGS="-serial mon:stdio -chardev socket,id=lines,path=$lines_sock,server=on,wait=off -serial chardev:lines -monitor unix:$monitor_sock,server=on,wait=off $extra" \
        "$here/qemu.sh" "$port" >"$log" 2>&1 &
    qemu_pid=$!
    echo "test-qemu: QEMU pid $qemu_pid, BMC at udp://127.0.0.1:$port, log $log"
    python3 "$here/lines-harness.py" "$lines_sock" "$events" "$control" >>"$log" 2>&1 &
    harness_pid=$!
    local _
    for _ in $(seq 1 100); do
        grep -q "bmc: listening on UDP port 623" "$log" && return 0
        kill -0 "$qemu_pid" 2>/dev/null || die "QEMU exited during boot"
        sleep 0.3
    done
    die "the $name image did not come up within 30 s"
}

boot test-credentials "$here/boards/qemu-mps2-an386/test-bmc.toml" "$here/target/qemu"

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

# eventually NAME EXPECTED-REGEX SECONDS COMMAND...: like check, retried until it matches (a
# state that follows an action: power good changes when the mainboard has acted).
eventually() {
    local name=$1 want=$2 secs=$3
    shift 3
    local out rc end=$((SECONDS + secs))
    while :; do
        out=$(timeout 20 "$@" 2>&1)
        rc=$?
        if [[ $rc -eq 0 ]] && grep -Eq -- "$want" <<<"$out"; then
            passed=$((passed + 1))
            echo "ok   $name"
            return
        fi
        ((SECONDS < end)) || break
        sleep 0.5
    done
    failed=$((failed + 1))
    echo "FAIL $name (exit $rc, ${secs} s); wanted /$want/, got:"
    sed 's/^/     | /' <<<"$out"
}

# The chassis lines, as lines-harness.py logs them: ctl sends it a command; mark remembers
# how many edges were logged; edge_after REGEX SECONDS waits for a new matching line, prints it.
ctl() { echo "$*" >"$control"; }
mark() { mark=$(wc -l <"$events"); }
edge_after() {
    local end=$((SECONDS + $2)) line
    while :; do
        line=$(tail -n +"$((mark + 1))" "$events" | grep -E -m1 -- "$1")
        [[ -n "$line" ]] && { echo "$line"; return 0; }
        ((SECONDS < end)) || return 1
        sleep 0.2
    done
}
# held_between NAME EDGE MIN-MS MAX-MS: the line's release after the mark was held that long.
held_between() {
    local name=$1 line held
    line=$(edge_after "^[0-9.]+ $2 0 held=" 12) || { echo "FAIL $name: no '$2 0' edge; lines:"; sed 's/^/     | /' <(tail -n +"$((mark + 1))" "$events"); failed=$((failed + 1)); return; }
    held=${line##*held=}
    if ((held >= $3 && held <= $4)); then
        passed=$((passed + 1))
        echo "ok   $name (held $held ms)"
    else
        failed=$((failed + 1))
        echo "FAIL $name: held $held ms, wanted $3..$4 ms"
    fi
}

# Hard off holds the button 4 s on this board (lines.rs TIMINGS); status follows the mainboard.
for suite in 3 17; do
    c=("${lanplus[@]}" -C "$suite")
    check "C$suite power off (setup)" "Chassis Power Control: Down/Off" "${c[@]}" power off
    eventually "C$suite power status is off" "^Chassis Power is off$" 8 "${c[@]}" power status
    check "C$suite power on" "Chassis Power Control: Up/On" "${c[@]}" power on
    eventually "C$suite power status is on" "^Chassis Power is on$" 3 "${c[@]}" power status
    check "C$suite power off" "Chassis Power Control: Down/Off" "${c[@]}" power off
    eventually "C$suite power status is off again" "^Chassis Power is off$" 8 "${c[@]}" power status
    check "C$suite chassis bootdev pxe" "Set Boot Device to pxe" "${c[@]}" chassis bootdev pxe
    check "C$suite chassis bootparam get 5" "Boot Device Selector : Force PXE" "${c[@]}" chassis bootparam get 5
    check "C$suite mc info" "IPMI Version +: 2.0" "${c[@]}" mc info
done

# The lines themselves, seen by the test (lines-harness.py logs each edge with the host's time).
c=("${lanplus[@]}" -C 17)
ctl model off
ctl pg 1
eventually "power good set by the test: power status is on" "^Chassis Power is on$" 3 "${c[@]}" power status
ctl pg 0
eventually "power good cleared by the test: power status is off" "^Chassis Power is off$" 3 "${c[@]}" power status
ctl model on
mark
check "lines: power on (power good off)" "Chassis Power Control: Up/On" "${c[@]}" power on
held_between "lines: power on pulses the power button" POWER 150 1000
eventually "lines: power good follows the press" "^Chassis Power is on$" 3 "${c[@]}" power status
mark
start_ms=$(date +%s%3N)
check "lines: power off (power good on)" "Chassis Power Control: Down/Off" "${c[@]}" power off
answer_ms=$(($(date +%s%3N) - start_ms))
step "lines: power off answered while the button is held (${answer_ms} ms < 4000)" test "$answer_ms" -lt 4000
held_between "lines: power off holds the power button for the hard-off time (4 s)" POWER 3950 6500
mark
check "lines: chassis identify 3" "identify interval: 3 seconds" "${c[@]}" chassis identify 3
sleep 4
blinks=$(tail -n +"$((mark + 1))" "$events" | grep -c " LED 1$")
last_led=$(tail -n +"$((mark + 1))" "$events" | grep " LED " | tail -n 1)
step "lines: identify blinks the LED for 3 s ($blinks flashes, ends '${last_led#* }')" \
    bash -c "[[ $blinks -ge 2 && $blinks -le 4 && '$last_led' == *'LED 0 held='* ]]"
mark
check "lines: chassis identify force" "Chassis identify interval: indefinite" "${c[@]}" chassis identify force
sleep 1.5
step "lines: forced identify lights the LED steadily" \
    bash -c "[[ \$(tail -n +$((mark + 1)) '$events' | grep -c ' LED ') -eq 1 ]] && tail -n +$((mark + 1)) '$events' | grep -q ' LED 1$'"
mark
check "lines: chassis identify 0" "identify interval: 0 seconds|Chassis identify interval: off" "${c[@]}" chassis identify 0
step "lines: identify 0 turns the LED off" bash -c "sleep 0.5; tail -n +$((mark + 1)) '$events' | grep -q ' LED 0 held='"
mark
check "lines: power reset" "Chassis Power Control: Reset" "${c[@]}" power reset
held_between "lines: power reset pulses the reset line" RESET 150 1000
mark
check "lines: power diag" "Chassis Power Control: Diag" "${c[@]}" power diag
held_between "lines: power diag pulses the NMI line" NMI 50 1000

ipmipower_cmd=(ipmipower -D LAN_2_0 -h "127.0.0.1:$port" -u admin -p password --session-timeout=5000)
check "ipmipower --on" ": ok$" "${ipmipower_cmd[@]}" --on
eventually "ipmipower --stat (on)" ": on$" 3 "${ipmipower_cmd[@]}" --stat
check "ipmipower --off" ": ok$" "${ipmipower_cmd[@]}" --off
eventually "ipmipower --stat (off)" ": off$" 8 "${ipmipower_cmd[@]}" --stat

# Every other standard suite through freeipmi (the oracle for 11 and 12), and IPMI 1.5 (MD5).
for suite in 1 2 6 7 8 11 12 15 16; do
    check "ipmipower -I $suite --stat" ": (on|off)$" "${ipmipower_cmd[@]}" -I "$suite" --stat
done
check "ipmitool -I lan (IPMI 1.5) power status" "^Chassis Power is (on|off)$" \
    ipmitool -I lan -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 2 power status

# monitor CMD: one QEMU monitor command (system_reset...).
monitor() {
    python3 - "$monitor_sock" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(0.2)
s.recv(65536)
s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(0.3)
PY
}
# reset_and_wait NAME: system_reset, then wait for the second (third...) boot's listening line.
reset_and_wait() {
    local before after _
    before=$(grep -c "bmc: listening on UDP port 623" "$log")
    monitor system_reset
    for _ in $(seq 1 50); do
        after=$(grep -c "bmc: listening on UDP port 623" "$log")
        ((after > before)) && { passed=$((passed + 1)); echo "ok   $1"; return 0; }
        sleep 0.2
    done
    failed=$((failed + 1))
    echo "FAIL $1: no new boot within 10 s"
}

# State changed over LAN is in the store (emulated flash) and survives a reset of the board.
c=("${lanplus[@]}" -C 17)
check "LAN: user set name 3 bob" "^$" "${c[@]}" user set name 3 bob
check "LAN: user set password 3" "successful" "${c[@]}" user set password 3 bobpass123
check "LAN: user enable 3" "^$" "${c[@]}" user enable 3
check "LAN: channel setaccess 1 3 ipmi=on privilege=4" "successful" "${c[@]}" channel setaccess 1 3 ipmi=on privilege=4
bob=(ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U bob -P bobpass123 -N 1 -R 2 -C 17)
check "LAN: new user bob logs in" "^Chassis Power is (on|off)$" "${bob[@]}" power status
check "LAN: chassis policy always-on" "always-on" "${c[@]}" chassis policy always-on
step "store: the changes were saved" grep -q "store: snapshot [0-9]* saved" "$log"
reset_and_wait "system_reset of the emulated board (QEMU monitor)"
step "store: the snapshot is loaded after the reset" bash -c "grep -A3 'BMC image .* booting' '$log' | tail -n 4 | grep -q 'store: snapshot [0-9]* loaded'"
eventually "after reset: bob still logs in" "^Chassis Power is (on|off)$" 10 "${bob[@]}" power status
check "after reset: admin still logs in" "^Chassis Power is (on|off)$" "${c[@]}" power status
check "after reset: bob is still an administrator" "Privilege Level +: ADMINISTRATOR" "${c[@]}" channel getaccess 1 3
check "after reset: boot flags kept (Force PXE)" "Boot Device Selector : Force PXE" "${c[@]}" chassis bootparam get 5
check "after reset: power restore policy kept" "Power Restore Policy +: always-on" "${c[@]}" chassis status
ctl pg 0

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
boot no-config none "$here/target/qemu-noconfig"
step "no-config image logs that no user is enabled" grep -q "NO USER IS ENABLED" "$log"
refused "no-config image refuses admin/password" "Unable to establish|RAKP|unauthorized" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 1 -C 17 power status
refused "no-config image refuses the null user" "Unable to establish|RAKP|unauthorized|password invalid|username invalid" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U "" -P "" -N 1 -R 1 -C 17 power status
refused "no-config image refuses ipmipower admin/password" "invalid|failed" 5 \
    ipmipower -D LAN_2_0 -h "127.0.0.1:$port" -u admin -p password --session-timeout=5000 --stat
step "no-config image: address by DHCP (QEMU's user-mode DHCP server)" grep -q "config: address by DHCP" "$log"
kill -0 "$qemu_pid" 2>/dev/null || { failed=$((failed + 1)); echo "FAIL QEMU (no config) died during the tests"; }
cleanup
qemu_pid=
echo "test-qemu: QEMU stopped"

# The same no-config image, provisioned by a blob in its flash region (as probe-rs download
# would write it on the Nucleo; here QEMU's loader puts it at 0x2110_0000).
blob=$rundir/provision.txt
cat >"$blob" <<'BLOB'
BMC-PROVISION 1
seq=1
user=carol:carol-secret:administrator
user=dave:dave-secret:operator
address=dhcp
suites=3,17
END
BLOB
boot provisioned none "$here/target/qemu-noconfig" "-device loader,file=$blob,addr=0x21100000,force-raw=on"
step "provisioned: the blob was applied" grep -q "provision: blob 1 applied" "$log"
carol=(ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U carol -P carol-secret -N 1 -R 2)
eventually "provisioned: carol logs in (-C 17)" "^Chassis Power is (on|off)$" 10 "${carol[@]}" -C 17 power status
check "provisioned: dave logs in as operator (-C 3)" "Chassis Power Control: Up/On" \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U dave -P dave-secret -N 1 -R 2 -C 3 -L OPERATOR power on
refused "provisioned: suite 1 is off (blob says 3,17)" "Unable to establish|no matching cipher suite|Invalid|unavailable" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U carol -P carol-secret -N 1 -R 1 -C 1 power status
check "provisioned: carol changes her password over LAN" "successful" "${carol[@]}" -C 17 user set password 2 carol-new-pw
# Set Channel Access: the LAN channel's privilege limit down to operator (non-volatile).
check "provisioned: Set Channel Access (LAN limit operator)" "^ *$" \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U carol -P carol-new-pw -N 1 -R 2 -C 17 raw 0x06 0x40 0x01 0x00 0x43
reset_and_wait "provisioned: system_reset"
step "provisioned: the blob is not applied again after the reset" \
    bash -c "[[ \$(grep -c 'provision: blob 1 applied' '$log') -eq 1 ]] && grep -q 'provision: blob already applied' '$log'"
eventually "provisioned: after reset carol logs in with the new password" "^Chassis Power is (on|off)$" 10 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U carol -P carol-new-pw -N 1 -R 2 -C 17 -L OPERATOR power status
check "provisioned: after reset the channel limit is still operator (Get Channel Access)" "03 *$" \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U carol -P carol-new-pw -N 1 -R 2 -C 17 -L OPERATOR raw 0x06 0x41 0x01 0x40
refused "provisioned: after reset the blob's old password is refused" "Unable to establish|RAKP|unauthorized" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U carol -P carol-secret -N 1 -R 1 -C 17 power status
kill -0 "$qemu_pid" 2>/dev/null || { failed=$((failed + 1)); echo "FAIL QEMU (provisioned) died during the tests"; }
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

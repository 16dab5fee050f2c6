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
# The test's side of the configuration console: console.py SOCKET LINE... sends each line,
# prints everything the console answered.
cat >"$rundir/console.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(0.1)
out = b""
def drain(secs):
    global out
    end = time.time() + secs
    while time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        if not d:
            return
        out += d
drain(0.3)
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\r\n")
    drain(0.6)
drain(0.5)
sys.stdout.write(out.decode(errors="replace"))
PY

# The LAN of the DHCP fallback boot: fallback.py PORT_QEMU PORT_US SECONDS (see its docstring).
cat >"$rundir/fallback.py" <<'PY'
"""The LAN of a BMC booted with `-nic socket` (no DHCP server): fallback.py PORT_QEMU PORT_US SECONDS
receives the guest's Ethernet frames on 127.0.0.1:PORT_US (QEMU's udp= peer), counts its DHCP
discovers, answers its ARP requests for 10.0.2.2, and once it answers ARP for 10.0.2.15 sends
an RMCP presence ping (ASF) from 10.0.2.2 to 10.0.2.15:623; prints what happened, one a line."""
import socket, struct, sys, time

qemu_port, our_port, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
HOST_MAC = bytes.fromhex("525500000202")
HOST_IP, BMC_IP = bytes([10, 0, 2, 2]), bytes([10, 0, 2, 15])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", our_port))
s.settimeout(0.2)
peer = ("127.0.0.1", qemu_port)
print("LAN ready", flush=True)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF

def arp(op, dst_mac, target_mac, target_ip):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + HOST_MAC + HOST_IP + target_mac + target_ip
    return dst_mac + HOST_MAC + b"\x08\x06" + body

def udp_to_bmc(bmc_mac, payload):
    udp = struct.pack("!HHHH", 40623, 623, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, HOST_IP, BMC_IP)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return bmc_mac + HOST_MAC + b"\x08\x00" + ip + udp

discovers, bmc_mac, pinged, end = 0, None, 0.0, time.time() + secs
while time.time() < end:
    try:
        f, _ = s.recvfrom(2048)
    except socket.timeout:
        f = None
    if f and len(f) >= 42:
        kind = f[12:14]
        if kind == b"\x08\x06":
            op, sender_mac, sender_ip, target_ip = struct.unpack("!H", f[20:22])[0], f[22:28], f[28:32], f[38:42]
            if op == 1 and target_ip == HOST_IP:
                print("ARP request for 10.0.2.2 from", ".".join(map(str, sender_ip)), flush=True)
                s.sendto(arp(2, sender_mac, sender_mac, sender_ip), peer)
            elif op == 2 and sender_ip == BMC_IP and bmc_mac is None:
                bmc_mac = sender_mac
                print("ARP reply: 10.0.2.15 is at", bmc_mac.hex(":"), flush=True)
        elif kind == b"\x08\x00" and f[23] == 17:
            ihl = (f[14] & 0x0F) * 4
            sport, dport = struct.unpack("!HH", f[14 + ihl:18 + ihl])
            payload = f[22 + ihl:]
            if dport == 67:
                discovers += 1
                if discovers == 1:
                    print("DHCP discover seen", flush=True)
            elif sport == 623 and payload[:4] == b"\x06\x00\xff\x06" and len(payload) > 8 and payload[8] == 0x40:
                print("RMCP presence pong from 10.0.2.15", flush=True)
                break
    now = time.time()
    if bmc_mac is None and now - pinged > 1.0:
        pinged = now
        s.sendto(arp(1, b"\xff" * 6, b"\0" * 6, BMC_IP), peer)
    elif bmc_mac is not None and now - pinged > 1.0:
        pinged = now
        ping = b"\x06\x00\xff\x06" + b"\x00\x00\x11\xbe" + b"\x80\x07\x00\x00"
        s.sendto(udp_to_bmc(bmc_mac, ping), peer)
print("DHCP discovers:", discovers, flush=True)
PY

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
command -v defmt-print >/dev/null || die "defmt-print not installed (cargo install defmt-print --locked; scripts/test.sh deps does it)"

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
    # The Nucleo's debugging build that prints panic messages (before the plain builds below,
    # so that the size report measures the default image).
    step "release build (nucleo-f767zi --features panic-message)" bash -c "cd '$here' && cargo build --release -q -p nucleo-f767zi --features panic-message"
    for board in qemu-mps2-an386 nucleo-f767zi; do
        step "clippy -D warnings ($board)" bash -c "cd '$here' && cargo clippy --release -q -p $board -- -D warnings"
        step "release build ($board)" bash -c "cd '$here' && cargo build --release -q -p $board"
    done
    # The QEMU board's plain-text logger option (BMC_LOG_TEXT=1 qemu.sh) must keep building.
    step "clippy -D warnings (qemu-mps2-an386, text-log)" bash -c "cd '$here' && cargo clippy --release -q -p qemu-mps2-an386 --no-default-features --features text-log -- -D warnings"
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
    console_sock=$rundir/$name-console.sock
    events=$rundir/$name-lines.log
    control=$rundir/$name-lines.ctl
    rm -f "$lines_sock" "$monitor_sock" "$console_sock" "$control"
    : >"$events"
    mkfifo "$control"
    # UART0 (the configuration console) on a socket too.
    BMC_CONFIG="$config" QEMU_ARGS="-chardev socket,id=console,path=$console_sock,server=on,wait=off -serial chardev:console -chardev socket,id=lines,path=$lines_sock,server=on,wait=off -serial chardev:lines -monitor unix:$monitor_sock,server=on,wait=off $extra" \
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

# The log is defmt, decoded by defmt-print (qemu.sh): timestamp (s.ms since boot) and level.
step "log: defmt decoded, with timestamps and levels (WARN, INFO)" bash -c \
    "grep -Eq '^\[ +[0-9]+\.[0-9]{3} WARN \] rng: EMULATION-ONLY' '$log' && grep -Eq '^\[ +[0-9]+\.[0-9]{3} INFO \] bmc: listening on UDP port 623' '$log'"

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

# Issue 14 on the firmware: MAAS enlistment (user 4 with a random 20-character password and
# Administrator, then freeipmi as that user at suites 3 and 17), LAN parameters, system info,
# ACPI state, a bmc-config checkout-edit-commit round trip; all of it again after the reset.
maas_pw=$(python3 -c 'import secrets; a="abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"; print("".join(secrets.choice(a) for _ in range(20)))')
check "MAAS: user set name 4 maas" "^$" "${c[@]}" user set name 4 maas
check "MAAS: user set password 4 (20 bytes)" "successful" "${c[@]}" user set password 4 "$maas_pw" 20
check "MAAS: user priv 4 4 1" "successful|^$" "${c[@]}" user priv 4 4 1
check "MAAS: user enable 4" "^$" "${c[@]}" user enable 4
check "MAAS: channel setaccess 1 4 callin=on ipmi=on link=on privilege=4" "successful" \
    "${c[@]}" channel setaccess 1 4 callin=on ipmi=on link=on privilege=4
# freeipmi's options for this BMC (the tool, then these, then -u -p -I -l and its own).
fi_at=(-D LAN_2_0 -h "127.0.0.1:$port" --session-timeout=5000)
maas_checks() {
    local suite as
    for suite in 3 17; do
        as=(-u maas -p "$maas_pw" -I "$suite" -l ADMIN)
        check "$1: ipmipower --stat as maas (-I $suite)" ": (on|off)$" ipmipower "${fi_at[@]}" "${as[@]}" --stat
        check "$1: ipmi-chassis-config --commit as maas (-I $suite)" "^$" \
            ipmi-chassis-config "${fi_at[@]}" "${as[@]}" --commit -e Chassis_Boot_Flags:Boot_Device=PXE
        check "$1: ipmi-chassis-config --checkout as maas (-I $suite)" "Boot_Device +PXE" \
            ipmi-chassis-config "${fi_at[@]}" "${as[@]}" --checkout -S Chassis_Boot_Flags
    done
}
maas_checks "MAAS"
check "LAN: lan print 1 shows the board's address" "IP Address +: 10\.0\.2\.15" "${c[@]}" lan print 1
check "LAN: lan print 1 shows a static source" "IP Address Source +: Static Address" "${c[@]}" lan print 1
check "LAN: lan print 1 shows the gateway" "Default Gateway IP +: 10\.0\.2\.2" "${c[@]}" lan print 1
check "LAN: lan set 1 snmp (community string)" "Setting LAN SNMP Community String to fw-community" "${c[@]}" lan set 1 snmp fw-community
check "LAN: mc setsysinfo system_name" "^$" "${c[@]}" mc setsysinfo system_name fw-node-1
check "LAN: Set ACPI Power State (S5/G2, D3)" "^ *$" "${c[@]}" raw 0x06 0x06 0x85 0x83
# A User-privilege user changes nothing: every attempt must fail (D4 where ipmitool shows it).
check "LAN: user set name 5 viewer" "^$" "${c[@]}" user set name 5 viewer
check "LAN: user set password 5" "successful" "${c[@]}" user set password 5 viewer-pw
check "LAN: user priv 5 2 1 (User)" "successful|^$" "${c[@]}" user priv 5 2 1
check "LAN: user enable 5" "^$" "${c[@]}" user enable 5
viewer=(ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U viewer -P viewer-pw -N 1 -R 2 -C 17 -L USER)
check "D4: the User session logs in" "^Chassis Power is (on|off)$" "${viewer[@]}" power status
d4() { # must fail
    local out
    out=$(timeout 20 "${viewer[@]}" "$@" 2>&1) && ! grep -qi "insufficient privilege\|rsp=0xd4" <<<"$out" && {
        failed=$((failed + 1)); echo "FAIL D4: a User session could run $*:"; sed 's/^/     | /' <<<"$out"; return; }
    passed=$((passed + 1)); echo "ok   D4: refused to a User session: $*"
}
d4 user set name 3 evil
d4 user set password 2 hijacked
d4 user priv 2 2 1
d4 user disable 2
d4 channel setaccess 1 2 privilege=2
d4 lan set 1 snmp evil
d4 lan set 1 cipher_privs XuuuXXuuuXXuuXX
d4 chassis policy always-off
d4 chassis bootdev disk
d4 mc setsysinfo system_name evil
for raw in "0x06 0x45 0x06 0x65 0x76 0x69 0x6c" "0x0c 0x01 0x01 0x10 0x65 0x76 0x69 0x6c" "0x06 0x06 0x81 0x80" "0x06 0x43 0x91 0x02 0x02 0x00"; do
    # shellcheck disable=SC2086 # the raw bytes are separate arguments
    check "D4: raw $raw answers 0xd4 to a User session" "rsp=0xd4" bash -c '"$@"; true' _ "${viewer[@]}" raw $raw
done
# bmc-config: checkout, edit, commit, checkout gives the edited file (and again after the reset).
bc_ok() { # bmc-config exits 1 on a checkout with "not supported" keys; nothing on stderr
    local err rc
    err=$(timeout 60 bmc-config "${fi_at[@]}" -u admin -p password -I 17 -l ADMIN "$@" 2>&1 >/dev/null)
    rc=$?
    [[ -z "$err" && ($rc -eq 0 || ($rc -eq 1 && "$*" != *--commit*)) ]] || { echo "bmc-config $* (exit $rc): $err"; return 1; }
}
# set_key FILE SECTION KEY VALUE: bmc-config's file with one key changed.
set_key() {
    python3 - "$@" <<'PY'
import sys
path, section, key, value = sys.argv[1:]
out, inside, found = [], False, False
for line in open(path).read().splitlines():
    t = line.strip()
    if t == "Section " + section:
        inside = True
    elif t == "EndSection":
        inside = False
    if inside and t.split()[:1] == [key]:
        line, found = "\t%-46s%s" % (key, value), True
    out.append(line)
assert found, key
open(path, "w").write("\n".join(out) + "\n")
PY
}
conf1=$rundir/bmc1.conf conf2=$rundir/bmc2.conf conf3=$rundir/bmc3.conf
step "bmc-config --checkout" bc_ok --checkout --filename "$conf1"
step "bmc-config file has user 4 maas" grep -Eq "Username +maas" "$conf1"
cp "$conf1" "$conf2"
edit_conf() {
    set_key "$conf2" Rmcpplus_Conf_Privilege Maximum_Privilege_Cipher_Suite_Id_8 Operator &&
        set_key "$conf2" User5 Lan_Enable_Link_Auth Yes &&
        set_key "$conf2" Lan_Channel Volatile_Enable_Per_Message_Auth No &&
        set_key "$conf2" Lan_Channel Non_Volatile_Enable_Per_Message_Auth No && ! cmp -s "$conf1" "$conf2"
}
# checkout_is_edited FILE: a new checkout into FILE equals the edited file.
checkout_is_edited() { bc_ok --checkout --filename "$1" && diff "$conf2" "$1"; }
step "bmc-config: edit the file" edit_conf
step "bmc-config --commit of the edited file" bc_ok --commit --filename "$conf2"
step "bmc-config --checkout gives the edited file" checkout_is_edited "$conf3"
step "store: the changes were saved" grep -q "store: snapshot [0-9]* saved" "$log"
# Sensors, SDR, SEL, FRU, DCMI (issue 13): a block of their own, test-qemu-sensors.sh.
# shellcheck source=test-qemu-sensors.sh
source "$here/test-qemu-sensors.sh"
sensor_checks
mark
reset_and_wait "system_reset of the emulated board (QEMU monitor)"
step "store: the snapshot is loaded after the reset" bash -c "grep -A3 'BMC image .* booting' '$log' | tail -n 4 | grep -q 'store: snapshot [0-9]* loaded'"
eventually "after reset: bob still logs in" "^Chassis Power is (on|off)$" 10 "${bob[@]}" power status
check "after reset: admin still logs in" "^Chassis Power is (on|off)$" "${c[@]}" power status
check "after reset: bob is still an administrator" "Privilege Level +: ADMINISTRATOR" "${c[@]}" channel getaccess 1 3
check "after reset: boot flags kept (Force PXE)" "Boot Device Selector : Force PXE" "${c[@]}" chassis bootparam get 5
check "after reset: power restore policy kept" "Power Restore Policy +: always-on" "${c[@]}" chassis status
# The host was off at the reset: always-on pressed the power button once the BMC was up.
held_between "after reset: always-on pressed the power button" POWER 150 1000
eventually "after reset: always-on: power is on" "^Chassis Power is on$" 5 "${c[@]}" power status
maas_checks "after reset: MAAS"
check "after reset: lan print 1 keeps the community string" "SNMP Community String +: fw-community" "${c[@]}" lan print 1
check "after reset: lan print 1 shows the address" "IP Address +: 10\.0\.2\.15" "${c[@]}" lan print 1
check "after reset: system name kept" "fw-node-1" "${c[@]}" mc getsysinfo system_name
check "after reset: ACPI power state kept (Get ACPI Power State)" "^ *05 03 *$" "${c[@]}" raw 0x06 0x07
step "after reset: bmc-config --checkout still gives the edited file" checkout_is_edited "$conf3.after"
d4 user set password 4 hijacked-after-reset
sensor_checks_after_reset
# "previous": the host was on when the BMC lost power, and comes back off (the test holds power
# good low across the reset, as an AC loss does): the BMC powers it on again.
check "LAN: chassis policy previous" "previous" "${c[@]}" chassis policy previous
sleep 3 # the BMC samples power good every 2 s: it has seen the host on
monitor stop
ctl model off
ctl pg 0
mark
monitor system_reset
monitor cont
held_between "after reset: previous (host was on) pressed the power button" POWER 150 1000
ctl model on
ctl pg 1
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

# Provisioning from the configuration console on UART0 (a socket here): the same lines as a
# blob, collected until save, which writes the store and restarts the board.
# console LINE...: sends each line to the console (UART0's socket), prints all it answered.
console() { python3 "$rundir/console.py" "$console_sock" "$@"; }
check "console: help lists the settings" "user=NAME:PASSWORD" python3 "$rundir/console.py" "$console_sock" help
check "console: show (nothing provisioned)" "no unsaved changes" python3 "$rundir/console.py" "$console_sock" show
out=$(console "user=erin:erin-console-pw:administrator" "user=frank:frank-console-pw:user" "suites=3,17" "kg=none" "adress=dhcp" "show")
console_accepts() {
    [[ $(grep -Ec '^(> )?ok.?$' <<<"$out") -eq 4 ]] && grep -q 'error: not a valid setting' <<<"$out" &&
        grep -q 'unsaved changes: save or discard' <<<"$out"
}
step "console: settings accepted (ok), a typo refused" console_accepts
step "console: no password is echoed" bash -c "! grep -q console-pw <<<\"\$1\"" _ "$out"
before=$(grep -c "bmc: listening on UDP port 623" "$log")
check "console: save writes the store and restarts" "saved: restarting" python3 "$rundir/console.py" "$console_sock" save
wait_boot() {
    local _
    for _ in $(seq 1 50); do
        (($(grep -c "bmc: listening on UDP port 623" "$log") > before)) && return 0
        sleep 0.2
    done
    return 1
}
step "console: the board restarted" wait_boot
step "console: the store has the console's config" grep -q "console: configuration saved" "$log"
eventually "console: erin logs in (-C 17)" "^Chassis Power is (on|off)$" 10 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U erin -P erin-console-pw -N 1 -R 2 -C 17 power status
check "console: erin logs in with ipmipower (-I 3)" ": (on|off)$" \
    ipmipower -D LAN_2_0 -h "127.0.0.1:$port" -u erin -p erin-console-pw -I 3 --session-timeout=5000 --stat
check "console: frank is a User" "Chassis Power is (on|off)" \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U frank -P frank-console-pw -N 1 -R 2 -C 17 -L USER power status
refused "console: frank cannot log in as administrator" "Unable to establish|RAKP|unauthorized|privilege" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U frank -P frank-console-pw -N 1 -R 1 -C 17 -L ADMINISTRATOR power status
refused "console: suite 1 is off (console said 3,17)" "Unable to establish|no matching cipher suite|Invalid|unavailable" 5 \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U erin -P erin-console-pw -N 1 -R 1 -C 1 power status
check "console: show after the restart lists the users, no password" "user 2 erin administrator enabled" \
    python3 "$rundir/console.py" "$console_sock" show
check "console: lan print 1 shows the DHCP source" "IP Address Source +: DHCP Address" \
    ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U erin -P erin-console-pw -N 1 -R 2 -C 17 lan print 1
sensor_checks_board_default -U erin -P erin-console-pw
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

# The DHCP static fallback: the no-config image on a LAN without a DHCP server (a QEMU socket
# netdev, whose other end is fallback.py; QEMU run directly, since qemu.sh's user-mode network
# always answers DHCP). After 10 s without a lease the BMC must take 10.0.2.15/24 and answer
# ARP and an RMCP presence ping there.
free_udp() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
qemu_side=$(free_udp)
our_side=$(free_udp)
log=$(mktemp -t bmc-qemu-XXXXXX.log)
logs+=("$log")
echo "test-qemu: booting the no-config image on a LAN without DHCP, log $log"
# The LAN side first, so that it sees the first DHCP discover.
python3 "$rundir/fallback.py" "$qemu_side" "$our_side" 40 >"$rundir/fallback.out" &
lan_pid=$!
for _ in $(seq 1 100); do
    grep -q "LAN ready" "$rundir/fallback.out" 2>/dev/null && break
    sleep 0.1
done
# The log is decoded as qemu.sh does it: defmt frames to fd 3, defmt-print onto the log.
elf="$here/target/qemu-noconfig/thumbv7em-none-eabihf/release/qemu-mps2-an386"
qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native -append defmt-log=/dev/fd/3 \
    -nic "socket,model=lan9118,udp=127.0.0.1:$our_side,localaddr=127.0.0.1:$qemu_side" \
    -serial null -serial null -monitor none \
    -kernel "$elf" >"$log" 2>&1 3> >(exec defmt-print -e "$elf" --log-format '[{t:>9} {L:<5}] {s}') &
qemu_pid=$!
wait "$lan_pid"
lan=$(cat "$rundir/fallback.out")
echo "$lan" | sed 's/^/     | /'
step "fallback: the BMC asked for DHCP" grep -q "DHCP discover seen" <<<"$lan"
step "fallback: no lease within 10 s, static fallback taken" grep -q "no DHCP lease within 10 s: static fallback" "$log"
step "fallback: the BMC is at 10.0.2.15/24" grep -q "net: address 10.0.2.15/24" "$log"
step "fallback: it answers ARP at 10.0.2.15" grep -q "ARP reply: 10.0.2.15 is at" <<<"$lan"
step "fallback: it answers an RMCP presence ping at 10.0.2.15:623" grep -q "RMCP presence pong from 10.0.2.15" <<<"$lan"
kill -0 "$qemu_pid" 2>/dev/null || { failed=$((failed + 1)); echo "FAIL QEMU (fallback) died during the tests"; }
cleanup
qemu_pid=
echo "test-qemu: QEMU stopped"

# SOL configuration set over LAN is in the store and survives a reset of the board (the volatile
# bit rate does not, per the spec): ipmitool sol set, freeipmi bmc-config --commit and sol
# payload disable (Set User Payload Access), read back with sol info, bmc-config --checkout and
# sol payload status after a system_reset. Argument: the BMC's port.
sol_store_checks() {
    local s=(ipmitool -I lanplus -H 127.0.0.1 -p "$1" -U admin -P password -N 1 -R 2 -C 17) kv
    local bc=(bmc-config -D LAN_2_0 -h "127.0.0.1:$1" -u admin -p password -l ADMIN -I 17 --session-timeout=5000)
    for kv in "character-accumulate-level 6" "retry-count 5" "retry-interval 30" "non-volatile-bit-rate 57.6" \
        "volatile-bit-rate 9.6" "privilege-level operator" "force-encryption true" "force-authentication true" \
        "enabled false"; do
        # shellcheck disable=SC2086 # key and value are two arguments
        check "SOL store: sol set $kv" "^$" "${s[@]}" sol set $kv
    done
    check "SOL store: bmc-config --commit SOL_Conf:Character_Send_Threshold=80" "^$" \
        "${bc[@]}" --commit -e SOL_Conf:Character_Send_Threshold=80
    check "SOL store: sol payload disable 1 3" "^$" "${s[@]}" sol payload disable 1 3
    check "SOL store: sol info before the reset (volatile bit rate 9.6)" "Volatile Bit Rate \(kbps\) +: 9\.6" \
        "${s[@]}" sol info
    reset_and_wait "SOL store: system_reset of the board"
    eventually "SOL store: the BMC answers after the reset" "^Chassis Power is (on|off)$" 10 "${s[@]}" power status
    # sensors_run / sensors_has: test-qemu-sensors.sh (one check per line wanted).
    sensors_run "${s[@]}" sol info
    sensors_has "SOL store: after the reset, sol info" "^Enabled +: false" "^Force Encryption +: true" \
        "^Force Authentication +: true" "^Privilege Level +: OPERATOR" "^Character Accumulate Level \(ms\) +: 30$" \
        "^Character Send Threshold +: 80$" "^Retry Count +: 5$" "^Retry Interval \(ms\) +: 300$" \
        "^Non-Volatile Bit Rate \(kbps\) +: 57\.6$" "^Volatile Bit Rate \(kbps\) +: 115\.2$" "^Payload Port +: $1$"
    check "SOL store: after the reset SOL stays disabled for user 3" "User 3 on channel 1 is disabled" \
        "${s[@]}" sol payload status 1 3
    # stdout only: bmc-config's progress lines on stderr end without a newline.
    sensors_run bash -c '"$@" 2>/dev/null' _ "${bc[@]}" --checkout -S SOL_Conf
    sensors_has "SOL store: after the reset, bmc-config --checkout -S SOL_Conf" "Enable_SOL +No$" \
        "SOL_Privilege_Level +Operator$" "Character_Accumulate_Interval +6$" "Character_Send_Threshold +80$" \
        "SOL_Retry_Count +5$" "Non_Volatile_Bit_Rate +57600$" "Volatile_Bit_Rate +115200$"
    step "SOL store: the snapshot was loaded after the reset" bash -c \
        "[[ \$(grep -c 'store: snapshot [0-9]* loaded' '$log') -ge 1 ]]"
}
# Serial over LAN (issue 12): the test-credentials image booted once more with its SOL UART
# (UART2, QEMU's third -serial) on a socket where sol-test.py plays the managed machine, and the
# real clients on real pseudo-terminals: sol info / sol set (read back; the bit rate paces the
# line), ipmitool sol activate (replay of what was printed before, a typed line answered by the
# machine, keystroke round trips, 100 KiB byte for byte, a second activation refused, ~.),
# ipmiconsole -I 3 (a line, 100 KiB, &.) and -I 17 (a line), sol deactivate from another session,
# and 32 KiB through a relay that loses every 10th SOL datagram each way. sol-test.py prints
# ok/FAIL lines.
sol_checks() {
    local sol_port sol_sock out rc _ up=
    # ipmiconsole refuses ports above 32767; the relay needs the same port on 127.0.0.2.
    sol_port=$(python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 32767)
    try:
        for host in ("127.0.0.1", "127.0.0.2"):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((host, p)); s.close()
    except OSError:
        continue
    print(p); break')
    sol_sock=$rundir/sol-uart.sock
    monitor_sock=$rundir/sol-monitor.sock
    log=$(mktemp -t bmc-qemu-XXXXXX.log)
    logs+=("$log")
    rm -f "$sol_sock" "$monitor_sock"
    QEMU_TARGET_DIR="$here/target/qemu" BMC_CONFIG="$here/boards/qemu-mps2-an386/test-bmc.toml" \
        QEMU_ARGS="-serial null -serial null -chardev socket,id=sol,path=$sol_sock,server=on,wait=off -serial chardev:sol -monitor unix:$monitor_sock,server=on,wait=off" \
        "$here/qemu.sh" "$sol_port" >"$log" 2>&1 &
    qemu_pid=$!
    echo "test-qemu: SOL: QEMU pid $qemu_pid, BMC at udp://127.0.0.1:$sol_port, SOL UART on $sol_sock, log $log"
    for _ in $(seq 1 60); do
        kill -0 "$qemu_pid" 2>/dev/null || break
        if [[ -S "$sol_sock" ]] && timeout 5 ipmitool -I lanplus -H 127.0.0.1 -p "$sol_port" -U admin -P password \
            -N 1 -R 1 -C 17 power status 2>/dev/null | grep -q "Chassis Power is"; then
            up=1
            break
        fi
        sleep 0.5
    done
    if [[ -z "$up" ]]; then
        failed=$((failed + 1))
        echo "FAIL SOL: the image did not come up within 30 s"
        return
    fi
    local start=$SECONDS fails_before=$failed
    while IFS= read -r out; do
        echo "$out"
        case $out in
            "ok "*) passed=$((passed + 1)) ;;
            "FAIL "*) failed=$((failed + 1)) ;;
            # A crash or time-out of the script itself, without a FAIL line of its own.
            "sol-test.py exit 0") ;;
            "sol-test.py exit "*) ((failed == fails_before)) && failed=$((failed + 1)) ;;
        esac
    done < <(timeout 300 python3 "$here/sol-test.py" "$sol_port" "$sol_sock" 2>&1; echo "sol-test.py exit $?")
    sol_store_checks "$sol_port"
    echo "test-qemu: SOL checks took $((SECONDS - start)) s"
    kill -0 "$qemu_pid" 2>/dev/null || { failed=$((failed + 1)); echo "FAIL QEMU (SOL) died during the tests"; }
    cleanup
    qemu_pid=
    echo "test-qemu: QEMU stopped"
}
command -v ipmiconsole >/dev/null || die "ipmiconsole not installed (apt-get install freeipmi-tools)"
sol_checks

if [[ $failed -ne 0 ]]; then
    echo "--- last QEMU log ($log) ---"
    tail -n 40 "$log"
fi
[[ $failed -eq 0 ]] && rm -f "${logs[@]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

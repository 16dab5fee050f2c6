#!/usr/bin/env bash
# Boots the qemu-mps2-an386 BMC image with user-mode networking, forwarding UDP
# 127.0.0.1:PORT to the board's port 623, in the foreground until killed (Ctrl-A X, or kill).
# The image is built first if needed, with the TEST credentials admin/password
# (boards/qemu-mps2-an386/test-bmc.toml); set BMC_CONFIG to boot another config.
# UART0 is the configuration console (on the terminal by default), UART1 the chassis lines,
# UART2 the managed machine's serial console for Serial over LAN (ipmitool sol activate,
# ipmiconsole): by default a Unix socket, $QEMU_SOL (a QEMU chardev, default
# unix:${TMPDIR:-/tmp}/bmc-sol-PORT.sock,server=on,wait=off) that the machine's side connects
# to, e.g. `socat - UNIX-CONNECT:/tmp/bmc-sol-9623.sock`. The image is told PORT
# (-append sol-port=PORT) so that Activate Payload names the port the clients use.
# The BMC's logs are defmt frames written to fd 3 (semihosting), decoded by defmt-print
# (`cargo install defmt-print --locked`) onto this script's stdout: "[    1.234 INFO ] message".
# Level: DEFMT_LOG at build time (default info; e.g. DEFMT_LOG=info,bmc_fw=debug).
# BMC_LOG_TEXT=1 builds the plain-text logger instead (feature text-log, no decoder; level
# from BMC_LOG).
# QEMU_ARGS (split on spaces) is added to QEMU's command line, e.g. to put the console and the
# chassis lines on sockets and the monitor on another (what test-qemu.sh does):
#   QEMU_ARGS="-chardev socket,id=console,path=/tmp/c.sock,server=on,wait=off -serial chardev:console
#              -chardev socket,id=lines,path=/tmp/l.sock,server=on,wait=off -serial chardev:lines
#              -monitor unix:/tmp/m.sock,server=on,wait=off"
# A QEMU_ARGS with its own -serial options lays out every UART itself (QEMU's first -serial is
# UART0, the second UART1, the third UART2): then $QEMU_SOL is not added, and the SOL UART is the
# third, e.g. "... -serial chardev:lines -chardev socket,id=sol,path=/tmp/s.sock,server=on,wait=off
# -serial chardev:sol".
#
#   firmware/qemu.sh 9623
#   ipmitool -I lanplus -H 127.0.0.1 -p 9623 -U admin -P password -C 17 power status
set -euo pipefail

if [[ $# -ne 1 || ! "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 PORT   (forwards UDP 127.0.0.1:PORT to the emulated BMC's port 623)" >&2
    exit 2
fi
port=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

command -v qemu-system-arm >/dev/null || {
    echo "qemu.sh: qemu-system-arm not found (apt-get install --no-install-recommends qemu-system-arm)" >&2
    exit 1
}

text_log=${BMC_LOG_TEXT:-0}
features=()
if [[ "$text_log" == 1 ]]; then
    features=(--no-default-features --features text-log)
else
    command -v defmt-print >/dev/null || {
        echo "qemu.sh: defmt-print not found (cargo install defmt-print --locked; or BMC_LOG_TEXT=1 for plain-text logs)" >&2
        exit 1
    }
fi

# A target dir of its own, so the test-credential image never mixes with a user's build.
export CARGO_TARGET_DIR="${QEMU_TARGET_DIR:-$here/target/qemu}"
export BMC_CONFIG="${BMC_CONFIG:-$here/boards/qemu-mps2-an386/test-bmc.toml}"
(cd "$here" && cargo build --release --quiet -p qemu-mps2-an386 "${features[@]}") >&2
elf="$CARGO_TARGET_DIR/thumbv7em-none-eabihf/release/qemu-mps2-an386"

# Without -serial options of the caller's, UART0 on the terminal (what -nographic does alone),
# UART1 unconnected, UART2 (SOL) on $QEMU_SOL.
serials=()
if [[ " ${QEMU_ARGS:-} " != *" -serial "* ]]; then
    sol=${QEMU_SOL:-unix:${TMPDIR:-/tmp}/bmc-sol-$port.sock,server=on,wait=off}
    serials=(-serial mon:stdio -serial null -serial "$sol")
    echo "qemu.sh: the machine's serial console (SOL, UART2) is on $sol" >&2
fi

qemu=(qemu-system-arm -M mps2-an386 -nographic
    -nic "user,model=lan9118,hostfwd=udp:127.0.0.1:${port}-:623"
    -kernel "$elf" "${serials[@]}")
# exec: the script's pid is QEMU's, so killing it stops the emulator (and the decoder, at the
# end of its input). The firmware reads the words of its command line (-append, one for all,
# read through semihosting): sol-port= is the port Activate Payload names; defmt-log= the file
# its defmt frames go to (here fd 3, the decoder's pipe), so QEMU's own messages on stderr stay
# readable.
# shellcheck disable=SC2086 # QEMU_ARGS is a list of options
if [[ "$text_log" == 1 ]]; then
    exec "${qemu[@]}" -semihosting-config enable=on,target=native -append "sol-port=$port" ${QEMU_ARGS:-}
fi
exec "${qemu[@]}" -semihosting-config enable=on,target=native -append "sol-port=$port defmt-log=/dev/fd/3" \
    ${QEMU_ARGS:-} 3> >(exec defmt-print -e "$elf" --log-format '[{t:>9} {L:<5}] {s}')

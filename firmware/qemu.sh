#!/usr/bin/env bash
# Boots the qemu-mps2-an386 BMC image with user-mode networking, forwarding UDP
# 127.0.0.1:PORT to the board's port 623, in the foreground until killed (Ctrl-A X, or kill).
# The image is built first if needed, with the TEST credentials admin/password
# (boards/qemu-mps2-an386/test-bmc.toml); set BMC_CONFIG to boot another config.
# UART0 is the configuration console (on the terminal by default), UART1 the chassis lines.
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

qemu=(qemu-system-arm -M mps2-an386 -nographic
    -nic "user,model=lan9118,hostfwd=udp:127.0.0.1:${port}-:623"
    -kernel "$elf")
# exec: the script's pid is QEMU's, so killing it stops the emulator (and the decoder, at the
# end of its input). The firmware writes its defmt frames to the file named by the word
# defmt-log= of its command line (-append, read through semihosting; here fd 3, the decoder's
# pipe), so QEMU's own messages on stderr stay readable.
# shellcheck disable=SC2086 # QEMU_ARGS is a list of options
if [[ "$text_log" == 1 ]]; then
    exec "${qemu[@]}" -semihosting-config enable=on,target=native ${QEMU_ARGS:-}
fi
exec "${qemu[@]}" -semihosting-config enable=on,target=native -append defmt-log=/dev/fd/3 ${QEMU_ARGS:-} \
    3> >(exec defmt-print -e "$elf" --log-format '[{t:>9} {L:<5}] {s}')

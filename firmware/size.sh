#!/usr/bin/env bash
# Prints the flash and static RAM of the release images of both boards (built beforehand with
# `cargo build --release -p <board>`), and the size of the BMC endpoint and its session table
# (read from the debug info). Static RAM is .data + .bss + .uninit: everything but the stack.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=${CARGO_TARGET_DIR:-$here/target}/thumbv7em-none-eabihf/release
sysroot_bin=$(rustc --print sysroot 2>/dev/null)/lib/rustlib/$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')/bin
size=$(command -v llvm-size || command -v rust-size || ls "$sysroot_bin/llvm-size" 2>/dev/null || true)
dwarf=$(command -v llvm-dwarfdump || true)
nm=$(command -v llvm-nm || command -v rust-nm || ls "$sysroot_bin/llvm-nm" 2>/dev/null || true)
[[ -n "$size" ]] || { echo "size.sh: llvm-size not found (rustup component add llvm-tools)" >&2; exit 1; }

byte_size() { # ELF TYPE-NAME: DW_AT_byte_size of the named type, in decimal
    [[ -n "$dwarf" ]] || { echo "?"; return; }
    local hex
    hex=$("$dwarf" --name="$2" --show-children=false "$1" 2>/dev/null | grep -m1 DW_AT_byte_size | sed 's/.*(\(0x[0-9a-f]*\)).*/\1/')
    [[ -n "$hex" ]] && echo $((hex)) || echo "?"
}

echo "| board | flash (bytes) | flash (KiB) | static RAM (bytes) | static RAM (KiB) | endpoint | session table |"
echo "|---|---|---|---|---|---|---|"
for board in nucleo-f767zi qemu-mps2-an386; do
    elf=$target/$board
    [[ -f "$elf" ]] || { echo "size.sh: $elf missing: cargo build --release -p $board" >&2; exit 1; }
    read -r flash ram < <("$size" -A "$elf" | awk '
        $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" || $1 == ".gnu.sgstubs" { flash += $2 }
        $1 == ".data" { flash += $2; ram += $2 }
        $1 == ".bss" || $1 == ".uninit" { ram += $2 }
        END { print flash, ram }')
    sessions=$(grep -o 'pub const SESSIONS: usize = [0-9]*' "$here/bmc-fw/src/bmc.rs" | grep -o '[0-9]*$')
    users=$(grep -o 'pub const USERS: usize = [0-9]*' "$here/bmc-fw/src/bmc.rs" | grep -o '[0-9]*$')
    endpoint=$(byte_size "$elf" "Endpoint<$sessions, $users>")
    table=$(byte_size "$elf" "Table<$sessions>")
    printf '| %s | %d | %.1f | %d | %.1f | %s B (%s sessions, %s user ids) | %s B |\n' \
        "$board" "$flash" "$(awk "BEGIN { print $flash / 1024 }")" "$ram" "$(awk "BEGIN { print $ram / 1024 }")" \
        "$endpoint" "$sessions" "$users" "$table"
    [[ $board == nucleo-f767zi ]] && nucleo=("$flash" "$ram")
done
# The endpoint's own share of flash: functions named rmcp:: or ipmi_core:: and the RustCrypto
# crates they use (code LTO inlined into the BMC task counts as the task's, not here).
if [[ -n "$nm" ]]; then
    echo
    echo "| board | rmcp + ipmi-core (bytes) | RustCrypto (bytes) | endpoint share of flash (KiB) |"
    echo "|---|---|---|---|"
    for board in nucleo-f767zi qemu-mps2-an386; do
        "$nm" -S -C --radix=d "$target/$board" | awk -v board="$board" '
            $3 ~ /^[tTrR]$/ {
                name = $0; sub(/^[^ ]+ +[^ ]+ +[^ ]+ +/, "", name); gsub(/\$u20\$/, " ", name); gsub(/\.\./, "::", name)
                sub(/^_?(\$LT\$)?<*/, "", name)
                if (name ~ /^(rmcp|ipmi_core)::/) own += $2
                else if (name ~ /(^| as )(sha1|sha2|md5|aes|hmac|digest|cbc|cipher|crypto_common|subtle|zeroize)::/) crypto += $2
            }
            END { printf "| %s | %d | %d | %.1f |\n", board, own, crypto, (own + crypto) / 1024 }'
    done
fi
# The Nucleo's budget (this project's own target, issue 16): 128 KiB flash, 64 KiB static RAM.
# Over it the script says so and fails (test-qemu.sh's size step with it).
budget_flash=131072 budget_ram=65536
printf 'nucleo-f767zi budget: %d B flash left of %d, %d B static RAM left of %d\n' \
    $((budget_flash - nucleo[0])) "$budget_flash" $((budget_ram - nucleo[1])) "$budget_ram"
if ((nucleo[0] > budget_flash || nucleo[1] > budget_ram)); then
    echo "size.sh: THE NUCLEO IMAGE IS OVER ITS BUDGET" >&2
    exit 1
fi

#!/usr/bin/env python3
"""The test's side of the QEMU board's chassis lines (boards/qemu-mps2-an386/src/lines.rs).

    lines-harness.py SOCKET EVENTS CONTROL

Connects to QEMU's UART1 chardev (a unix socket, SOCKET), and:
- appends every edge the firmware reports to EVENTS with the host's monotonic time,
  `12.345 POWER 1`, and on each release how long the line was held: `12.545 POWER 0 held=200`;
- models the mainboard: a press of the power button turns power on when off and off when on
  (a short press is an ACPI soft off, a hold a forced off: the OS of this model shuts down at
  once), and sends the power-good level to the firmware (`1` / `0`, resent every 0.5 s so a
  firmware reset picks it up again);
- obeys commands written to the FIFO CONTROL, one a line: `pg 0` / `pg 1` (set power good),
  `model off` / `model on` (stop or resume reacting to the power button),
  `sensor N VALUE` (sensor N reads VALUE in units, `na` for no reading, `-` for the
  configured reading again: sent to the firmware as the line `S N VALUE`).
Runs until the socket closes (QEMU exits) or it is killed.
"""
import os
import selectors
import socket
import sys
import time


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, events_path, control_path = sys.argv[1:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + 30
    while True:
        try:
            sock.connect(path)
            break
        except OSError:
            if time.monotonic() > deadline:
                print(f"lines-harness: cannot connect to {path}", file=sys.stderr)
                return 1
            time.sleep(0.1)
    events = open(events_path, "a", buffering=1)
    # O_RDWR: the FIFO never reports EOF when a writer closes it.
    control = os.open(control_path, os.O_RDWR | os.O_NONBLOCK)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, "uart")
    sel.register(control, selectors.EVENT_READ, "control")

    pg = False
    model = True
    pressed_at = {}
    uart_buf = b""
    control_buf = b""

    def log(text):
        events.write(f"{time.monotonic():.3f} {text}\n")

    def send_pg():
        sock.sendall(b"1" if pg else b"0")

    send_pg()
    last_sent = time.monotonic()
    while True:
        for key, _ in sel.select(timeout=0.1):
            if key.data == "uart":
                data = sock.recv(4096)
                if not data:
                    log("EOF")
                    return 0
                uart_buf += data
                while b"\n" in uart_buf:
                    line, uart_buf = uart_buf.split(b"\n", 1)
                    text = line.decode(errors="replace").strip()
                    parts = text.split()
                    if len(parts) != 2:
                        log(f"NOISE {text!r}")
                        continue
                    name, level = parts
                    now = time.monotonic()
                    if level == "1":
                        pressed_at[name] = now
                        log(text)
                    else:
                        since = pressed_at.pop(name, None)
                        held = "" if since is None else f" held={round((now - since) * 1000)}"
                        log(text + held)
                        if name == "POWER" and since is not None and model:
                            pg = not pg
                            log(f"MODEL pg={int(pg)}")
                            send_pg()
            else:
                control_buf += os.read(control, 4096)
                while b"\n" in control_buf:
                    line, control_buf = control_buf.split(b"\n", 1)
                    cmd = line.decode(errors="replace").split()
                    if cmd == ["pg", "0"] or cmd == ["pg", "1"]:
                        pg = cmd[1] == "1"
                        send_pg()
                        log(f"TEST pg={int(pg)}")
                    elif cmd == ["model", "off"] or cmd == ["model", "on"]:
                        model = cmd[1] == "on"
                        log(f"TEST model={cmd[1]}")
                    elif len(cmd) == 3 and cmd[0] == "sensor":
                        sock.sendall(f"S {cmd[1]} {cmd[2]}\n".encode())
                        log(f"TEST sensor {cmd[1]}={cmd[2]}")
                    elif cmd:
                        log(f"BAD-COMMAND {cmd!r}")
        if time.monotonic() - last_sent >= 0.5:
            send_pg()
            last_sent = time.monotonic()


if __name__ == "__main__":
    sys.exit(main())

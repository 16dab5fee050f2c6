"""Serial over LAN checks against a running BMC image (firmware/qemu.sh) with the real clients.

    python3 sol-test.py PORT UART_SOCKET

PORT is the BMC's UDP port on 127.0.0.1 (at most 32767: ipmiconsole refuses higher ones);
UART_SOCKET the Unix socket QEMU serves the SOL UART (UART2) on. This script plays the managed
machine on that socket (it echoes what it is sent and answers each line), drives `ipmitool -I
lanplus ... sol activate` and freeipmi's `ipmiconsole` through real pseudo-terminals (as a
person would), and runs `sol info`, `sol set`, `sol deactivate`. It prints one line per check,
`ok   NAME` or `FAIL NAME: why`, and `measure: ...` lines; it exits non-zero if a check failed.
Checks look at the clients' output and the UART's bytes only, never at the BMC's log.
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

PORT = int(sys.argv[1])
UART = sys.argv[2]
USER = ["-U", "admin", "-P", "password"]
failures = 0


def ok(name):
    print("ok   " + name, flush=True)


def fail(name, why):
    global failures
    failures += 1
    print("FAIL %s: %s" % (name, why), flush=True)


def check(name, cond, why=""):
    ok(name) if cond else fail(name, why)
    return cond


def tail(b, n=300):
    return repr(bytes(b[-n:]))


class Tty:
    """A client on a real pseudo-terminal: what it prints is collected, what we type goes in."""

    def __init__(self, argv):
        master, slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        self.master = master
        self.out = bytearray()
        self.lock = threading.Lock()
        self.mark = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                d = os.read(self.master, 65536)
            except OSError:  # EIO once the client exits
                return
            if not d:
                return
            with self.lock:
                self.out += d

    def send(self, b):
        os.write(self.master, b)

    def expect(self, needle, secs=20):
        """Waits for `needle` after the mark; moves the mark past it. True if it came."""
        end = time.time() + secs
        while time.time() < end:
            with self.lock:
                i = self.out.find(needle, self.mark)
                if i >= 0:
                    self.mark = i + len(needle)
                    return True
            time.sleep(0.005)
        return False

    def quiet(self, secs=0.3):
        """Waits until nothing arrived for `secs`; moves the mark to the end."""
        while True:
            n = len(self.out)
            time.sleep(secs)
            with self.lock:
                if len(self.out) == n:
                    self.mark = n
                    return

    def take(self, n, secs):
        """The next `n` bytes after the mark (fewer if they did not come in time)."""
        end = time.time() + secs
        while time.time() < end and len(self.out) < self.mark + n:
            time.sleep(0.01)
        with self.lock:
            got = bytes(self.out[self.mark:self.mark + n])
            self.mark += len(got)
        return got

    def wait(self, secs=20):
        try:
            return self.proc.wait(secs)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


class Machine:
    """The managed machine on the SOL UART: prints a banner, echoes every byte it is sent and
    answers each line (`echo` on), or only records what it is sent (`echo` off)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.typed = bytearray()
        self.echo = True
        self.line = bytearray()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                d = self.s.recv(4096)
            except OSError:
                return
            if not d:
                return
            with self.lock:
                self.typed += d
            if not self.echo:
                continue
            out = bytearray()
            for b in d:
                if b in (13, 10):
                    out += b"\r\n[machine] you typed: " + bytes(self.line) + b"\r\nlogin: "
                    self.line.clear()
                else:
                    self.line.append(b)
                    out.append(b)
            self.s.sendall(bytes(out))

    def send(self, data):
        """Prints `data` (in a thread: QEMU takes it at the UART's pace)."""
        t = threading.Thread(target=self.s.sendall, args=(data,), daemon=True)
        t.start()
        return t

    def typed_since(self, n):
        with self.lock:
            return bytes(self.typed[n:])


def ipmitool(*args, host="127.0.0.1", timeout=20):
    cmd = ["ipmitool", "-I", "lanplus", "-H", host, "-p", str(PORT)] + USER + ["-C", "17"] + list(args)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        return p.returncode, (p.stdout + p.stderr).decode(errors="replace")
    except subprocess.TimeoutExpired:
        return None, "timed out"


def sol_info(key):
    rc, out = ipmitool("sol", "info")
    m = re.search(r"^%s\s*:\s*(.*)$" % re.escape(key), out, re.M)
    return m.group(1).strip() if m else out


def activate(host="127.0.0.1", suite="17"):
    return Tty(["ipmitool", "-I", "lanplus", "-H", host, "-p", str(PORT)] + USER + ["-C", suite, "sol", "activate"])


def burst(size):
    """Text that shows where a byte went missing or doubled."""
    v, i = bytearray(), 0
    while len(v) < size:
        v += b"line %06d of the burst 0123456789abcdef\n" % i
        i += 1
    return bytes(v[:size])


def compare(name, got, want, secs):
    if got == want:
        ok("%s (%d bytes in %.1f s, %.0f bytes/s)" % (name, len(want), secs, len(want) / secs))
        return True
    at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    fail(name, "%d of %d bytes; first difference at %d: got %r, sent %r" % (
        len(got), len(want), at, got[max(0, at - 30):at + 30], want[max(0, at - 30):at + 30]))
    return False


def burst_through(name, t, machine, size, secs=60):
    """The machine prints `size` bytes; the client on `t` must show them byte for byte."""
    machine.echo = False
    t.quiet()
    data = burst(size)
    start = time.time()
    sender = machine.send(data)
    got = t.take(len(data), secs)
    took = time.time() - start
    sender.join(5)
    machine.echo = True
    compare(name, got, data, took)
    return len(data) / took


class Relay:
    """A UDP relay on 127.0.0.2:PORT to the BMC at 127.0.0.1:PORT that loses every `nth` SOL
    datagram in each direction (the BMC's data and the console's ACKs and keystrokes). It
    listens at the BMC's port number: ipmitool insists that SOL comes from the port it asked."""

    def __init__(self, nth):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.2", PORT))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        for s in (self.front, self.back):
            s.settimeout(0.05)
        self.nth, self.client, self.lost, self.stop = nth, None, [0, 0], False
        self.threads = [threading.Thread(target=self._run, args=(d,), daemon=True) for d in (0, 1)]
        for t in self.threads:
            t.start()

    def _run(self, direction):
        src = self.front if direction == 0 else self.back
        sol = 0
        while not self.stop:
            try:
                d, frm = src.recvfrom(2048)
            except socket.timeout:
                continue
            if direction == 0:
                self.client = frm
            if len(d) > 5 and d[4] == 0x06 and d[5] & 0x3F == 0x01:
                sol += 1
                if sol % self.nth == (self.nth // 2 if direction == 0 else 0):
                    self.lost[direction] += 1
                    continue
            if direction == 0:
                self.back.sendto(d, ("127.0.0.1", PORT))
            elif self.client:
                self.front.sendto(d, self.client)

    def close(self):
        self.stop = True
        for t in self.threads:
            t.join()
        self.front.close()
        self.back.close()


def main():
    machine = Machine(UART)
    # Printed while nobody is attached: the BMC keeps it and replays it on activation.
    machine.s.sendall(b"\r\nfirmware-sol-machine boot banner\r\nlogin: ")
    time.sleep(0.5)

    # sol info: the defaults, and the port the clients use (QEMU forwards it to 623).
    check("sol info: enabled", sol_info("Enabled") == "true", sol_info("Enabled"))
    check("sol info: payload port is the client's port %d" % PORT, sol_info("Payload Port") == str(PORT),
          sol_info("Payload Port"))
    check("sol info: volatile bit rate 115.2", sol_info("Volatile Bit Rate (kbps)") == "115.2",
          sol_info("Volatile Bit Rate (kbps)"))

    # ipmitool sol activate on a real pty: replay, a line typed and answered, keystroke round
    # trips, a 100 KiB burst, a second activation refused, ~. to leave.
    t = activate()
    try:
        check("ipmitool sol activate: session operational",
              t.expect(b"[SOL Session operational.  Use ~? for help]"), tail(t.out))
        check("ipmitool: output printed before activation is replayed",
              t.expect(b"firmware-sol-machine boot banner\r\nlogin: "), tail(t.out))
        n = len(machine.typed)
        t.send(b"hello sol\r")
        check("ipmitool: a typed line reaches the machine's UART",
              t.expect(b"[machine] you typed: hello sol\r\nlogin: ") and machine.typed_since(n) == b"hello sol\r",
              "uart got %r, client %s" % (machine.typed_since(n), tail(t.out)))
        rtts = []
        for _ in range(20):
            t.quiet(0.05)
            start = time.time()
            t.send(b"k")
            if not t.expect(b"k", 5):
                break
            rtts.append((time.time() - start) * 1000)
        t.send(b"\r")
        t.expect(b"login: ")
        if check("ipmitool: 20 keystrokes echoed by the machine", len(rtts) == 20, "%d came back" % len(rtts)):
            rtts.sort()
            print("measure: keystroke round trip (ipmitool, accumulate 10 ms): median %.1f ms, max %.1f ms"
                  % (statistics.median(rtts), rtts[-1]), flush=True)
        rate = burst_through("ipmitool: 100 KiB from the machine arrive byte for byte, in order", t, machine, 100 * 1024)
        print("measure: SOL throughput (ipmitool, 115.2 kbit/s line): %.0f bytes/s" % rate, flush=True)
        rc, out = ipmitool("sol", "activate")
        check("second sol activate: \"SOL payload already active\"",
              rc != 0 and "SOL payload already active on another session" in out, "exit %s: %s" % (rc, out))
        t.send(b"\r~.")
        check("ipmitool: ~. leaves", t.expect(b"[terminated ipmitool]") and t.wait() == 0, tail(t.out))
    finally:
        t.close()

    # freeipmi's ipmiconsole: the same (&. to leave).
    t = Tty(["ipmiconsole", "-h", "127.0.0.1:%d" % PORT, "-u", "admin", "-p", "password", "-I", "3"])
    try:
        check("ipmiconsole: SOL established", t.expect(b"[SOL established]"), tail(t.out))
        n = len(machine.typed)
        t.send(b"from freeipmi\r")
        check("ipmiconsole: a typed line reaches the machine and is answered",
              t.expect(b"[machine] you typed: from freeipmi\r\nlogin: ")
              and machine.typed_since(n) == b"from freeipmi\r",
              "uart got %r, client %s" % (machine.typed_since(n), tail(t.out)))
        rate = burst_through("ipmiconsole: 100 KiB from the machine arrive byte for byte, in order", t, machine, 100 * 1024)
        print("measure: SOL throughput (ipmiconsole, 115.2 kbit/s line): %.0f bytes/s" % rate, flush=True)
        t.send(b"\r&.")
        check("ipmiconsole: &. leaves", t.expect(b"[closing the connection]") and t.wait() == 0, tail(t.out))
    finally:
        t.close()

    # ipmiconsole with suite 17 (HMAC-SHA256, AES): a line typed and answered, &. to leave.
    t = Tty(["ipmiconsole", "-h", "127.0.0.1:%d" % PORT, "-u", "admin", "-p", "password", "-I", "17"])
    try:
        t.expect(b"[SOL established]")
        n = len(machine.typed)
        t.send(b"suite 17\r")
        check("ipmiconsole -I 17: a typed line reaches the machine and is answered",
              t.expect(b"[machine] you typed: suite 17\r\nlogin: ") and machine.typed_since(n) == b"suite 17\r",
              "uart got %r, client %s" % (machine.typed_since(n), tail(t.out)))
        t.send(b"\r&.")
        check("ipmiconsole -I 17: &. leaves", t.expect(b"[closing the connection]") and t.wait() == 0, tail(t.out))
    finally:
        t.close()

    # sol deactivate from another session: the first console loses SOL, a second deactivate
    # says it is already gone.
    t = activate()
    try:
        check("ipmitool sol activate (to be deactivated)",
              t.expect(b"[SOL Session operational.  Use ~? for help]"), tail(t.out))
        rc, out = ipmitool("sol", "deactivate")
        check("sol deactivate from another session", rc == 0, "exit %s: %s" % (rc, out))
        t.send(b"\r")
        check("the deactivated ipmitool says so and exits",
              t.expect(b"Error sending SOL data", 10) or t.expect(b"SOL session closed by BMC", 1), tail(t.out))
        t.wait(15)
        rc, out = ipmitool("sol", "deactivate")
        check("sol deactivate again: \"already de-activated\"", "SOL payload already de-activated" in out,
              "exit %s: %s" % (rc, out))
    finally:
        t.close()

    # sol set, read back with sol info; the bit rate paces the machine's serial line.
    rc, _ = ipmitool("sol", "set", "character-accumulate-level", "4")
    check("sol set character-accumulate-level 4: 20 ms", rc == 0 and
          sol_info("Character Accumulate Level (ms)") == "20", sol_info("Character Accumulate Level (ms)"))
    rc, _ = ipmitool("sol", "set", "non-volatile-bit-rate", "38.4")
    check("sol set non-volatile-bit-rate 38.4", rc == 0 and
          sol_info("Non-Volatile Bit Rate (kbps)") == "38.4", sol_info("Non-Volatile Bit Rate (kbps)"))
    rc, _ = ipmitool("sol", "set", "volatile-bit-rate", "9.6")
    check("sol set volatile-bit-rate 9.6", rc == 0 and
          sol_info("Volatile Bit Rate (kbps)") == "9.6", sol_info("Volatile Bit Rate (kbps)"))
    t = activate()
    try:
        t.expect(b"[SOL Session operational.  Use ~? for help]")
        rate = burst_through("at 9.6 kbit/s: 2400 bytes arrive byte for byte", t, machine, 2400, 20)
        check("at 9.6 kbit/s the serial line runs at 960 bytes/s (%.0f bytes/s)" % rate, 400 < rate < 1200,
              "%.0f bytes/s" % rate)
        t.send(b"\r~.")
        t.wait()
    finally:
        t.close()
    for key, value in (("volatile-bit-rate", "115.2"), ("non-volatile-bit-rate", "115.2"),
                       ("character-accumulate-level", "2")):
        rc, out = ipmitool("sol", "set", key, value)
        check("sol set %s %s (back to the default)" % (key, value), rc == 0, out)

    # A relay that loses every 10th SOL datagram each way: retransmission, no byte lost or
    # doubled (short retries, so that each loss costs 100 ms rather than 500).
    rc, out = ipmitool("sol", "set", "retry-interval", "10")
    check("sol set retry-interval 10: 100 ms", rc == 0 and sol_info("Retry Interval (ms)") == "100",
          sol_info("Retry Interval (ms)"))
    relay = Relay(10)
    t = activate(host="127.0.0.2")
    try:
        check("through a lossy relay: session operational",
              t.expect(b"[SOL Session operational.  Use ~? for help]"), tail(t.out))
        n = len(machine.typed)
        line = b"typed through a lossy relay, every character once\r"
        t.send(line)
        check("through a lossy relay: the typed line reaches the machine once",
              t.expect(b"[machine] you typed: " + line[:-1] + b"\r\nlogin: ") and machine.typed_since(n) == line,
              "uart got %r, client %s" % (machine.typed_since(n), tail(t.out)))
        burst_through("through a lossy relay: 32 KiB arrive byte for byte, in order", t, machine, 32 * 1024)
        check("the relay lost SOL datagrams both ways (%d to the BMC, %d from it)" % tuple(relay.lost),
              relay.lost[0] >= 2 and relay.lost[1] >= 10, str(relay.lost))
        t.send(b"\r~.")
        t.expect(b"[terminated ipmitool]")
        t.wait()
    finally:
        t.close()
        relay.close()
    rc, out = ipmitool("sol", "set", "retry-interval", "50")
    check("sol set retry-interval 50 (back to the default)", rc == 0, out)
    return failures


if __name__ == "__main__":
    sys.exit(1 if main() else 0)

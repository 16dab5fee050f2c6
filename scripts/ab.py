#!/usr/bin/env python3
"""Compares two host-sim builds on the per-session CPU that ipmipower --stat costs them.

Both daemons run side by side (`host-sim demo`, one BMC each, in-memory provider) and single
sessions alternate between them (A B, B A, ...), so a change of the machine's load hits both alike:
on a shared VM that is the only way to see a 5-10% difference. Prints the daemons' CPU per session
(read from /proc the way peers.py reads it) as mean, median, p10 and p90.

    scripts/ab.py OLD/host-sim NEW/host-sim [--sessions 400]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from peers import cpu_ns, free_udp_port


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", help="host-sim binary A")
    ap.add_argument("b", help="host-sim binary B")
    ap.add_argument("--sessions", type=int, default=400, help="sessions per binary (default 400)")
    opts = ap.parse_args()
    if not shutil.which("ipmipower"):
        print("ab.py: ipmipower not found (apt-get install freeipmi-tools)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="host-sim-ab-") as tmp:
        daemons = []
        try:
            for name, binary in (("A", opts.a), ("B", opts.b)):
                home, port = os.path.join(tmp, name), free_udp_port()
                os.makedirs(home)
                proc = subprocess.Popen([binary, "demo", "--home", home, "--port", str(port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                daemons.append((name, proc, port))
            time.sleep(1)
            per = {name: [] for name, _, _ in daemons}
            for i in range(opts.sessions):
                for name, proc, port in (daemons if i % 2 == 0 else daemons[::-1]):
                    before = cpu_ns(proc.pid)
                    subprocess.run(["ipmipower", "-D", "LAN_2_0", "-I", "3", "-h", f"127.0.0.1:{port}",
                                    "-u", "admin", "-p", "password", "--stat"],
                                   stdout=subprocess.DEVNULL, check=True, timeout=30)
                    per[name].append((cpu_ns(proc.pid) - before) / 1000)
        finally:
            for _, proc, _ in daemons:
                proc.kill()
                proc.wait()
    for name, binary in (("A", opts.a), ("B", opts.b)):
        xs = sorted(per[name])
        print(f"{name} ({binary}): µs of daemon CPU per ipmipower session: mean {statistics.mean(xs):.1f}, "
              f"median {statistics.median(xs):.1f}, p10 {xs[len(xs) // 10]:.1f}, p90 {xs[len(xs) * 9 // 10]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""BMC CPU per full `ipmi-sensors` scrape: host-sim next to OpenIPMI's ipmi_sim, same sensors.

A monitoring exporter runs freeipmi's `ipmi-sensors` against every BMC every scrape interval: one
RMCP+ session, Get SDR for every record (unless cached), Get Sensor Reading for every sensor.
This starts both BMCs on free loopback ports, gives ipmi_sim the very SDR records host-sim serves
(dumped with `ipmitool sdr dump` and loaded with `main_sdr_add`, its sensors added with
`sensor_add`/`sensor_set_value`), checks that both print the same sensors, then runs N scrapes
against each, with the SDR cache warm (what exporters do between restarts) and with
`--sdr-cache-recreate` (every record read again), and reads each BMC process's own CPU from /proc
(scripts/peers.py's machinery). Prints a markdown table.

Usage: scripts/bench_sensors.py [--scrapes N] [--sensors N]   (needs ipmitool, freeipmi-tools, openipmi;
builds host-sim in release mode)
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402

ROOT = peers.ROOT


def sensors_cmd(peer, port, cache, extra=()):
    # ipmi_sim needs freeipmi's `-W opensesspriv` (peers.py has it per peer).
    return ["ipmi-sensors", *peer.ipmipower_extra, "--driver-type", "LAN_2_0", "-h", f"127.0.0.1:{port}", "-u", "admin",
            "-p", "password", "--sdr-cache-directory", str(cache), *extra]


def sdr_records(dump: bytes):
    """Splits an `ipmitool sdr dump` file into records (5-byte header + length)."""
    out, i = [], 0
    while i + 5 <= len(dump):
        n = 5 + dump[i + 4]
        out.append(dump[i:i + n])
        i += n
    return out


def ipmi_sim_emu(records, values):
    """An emu file: the MC, the SDR records host-sim serves, a sensor per sensor record."""
    lines = ["mc_setbmc 0x20",
             "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr",
             "mc_enable 0x20"]
    for r in records:
        lines.append("main_sdr_add 0x20 " + " ".join(f"0x{b:02x}" for b in r))
        if r[3] in (0x01, 0x02):  # full / compact sensor record
            num, stype, evtype = r[7], r[12], r[13]
            lines.append(f"sensor_add 0x20 0 0x{num:02x} 0x{stype:02x} 0x{evtype:02x}")
            if num in values:
                lines.append(f"sensor_set_value 0x20 0 0x{num:02x} {values[num]} 0")
    return "\n".join(lines) + "\n"


class ConfiguredHostSim(peers.HostSim):
    """host-sim whose BMC has `count` temperature sensors from [[sensors]] (0 = the default set)."""

    def __init__(self, work, binary, count):
        super().__init__(work, binary)
        self.count = count

    def add(self, name, port):
        self.cli("add", name, "--address", "127.0.0.1", "--port", str(port), "--provider", "memory")
        if self.count:
            conf = self.work / "home" / "bmcs" / f"{name}.toml"
            extra = "".join(
                f'\n[[sensors]]\nkey = "t{i}"\nnumber = {i}\nkind = "temperature"\n'
                f'name = "Temp {i}"\nupper_critical = 90.0\non = {30 + i}.0\n'
                for i in range(1, self.count + 1))
            conf.write_text(conf.read_text() + extra)
        self.cli("start", name)


class SensorSim(peers.IpmiSim):
    """ipmi_sim as peers.py starts it, with our emu file (the SDR and sensors) instead."""

    def __init__(self, work, emu):
        super().__init__(work)
        self.emu = emu

    def spawn(self, args, **kw):
        (self.work / "sim.emu").write_text(self.emu)
        super().spawn(args, **kw)


def cpu_per_scrape(peer, port, cache, extra, scrapes):
    # One scrape first: warms the SDR cache (and checks it works).
    subprocess.run(sensors_cmd(peer, port, cache, extra), check=True, capture_output=True, timeout=60)
    before, t0 = peers.cpu_ns(peer.pid), time.monotonic()
    for _ in range(scrapes):
        r = subprocess.run(sensors_cmd(peer, port, cache, extra), capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"{peer.name}: ipmi-sensors failed: {r.stdout}{r.stderr}")
    wall = (time.monotonic() - t0) / scrapes
    return (peers.cpu_ns(peer.pid) - before) / scrapes / 1000, wall * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scrapes", type=int, default=100)
    ap.add_argument("--bin", help="a host-sim binary to use instead of building the release one")
    ap.add_argument("--sensors", type=int, default=0,
                    help="N configured temperature sensors (1-16) instead of the default set")
    opts = ap.parse_args()
    if opts.bin:
        binary = Path(opts.bin)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "host-sim", "--bin", "host-sim"],
                       cwd=ROOT, check=True)
        binary = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "host-sim"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "hs").mkdir()
        (tmp / "sim").mkdir()
        hs = ConfiguredHostSim(tmp / "hs", binary, opts.sensors)
        started = []
        try:
            hs.start()
            started.append(hs)
            hs.ready()
            subprocess.run(peers.ipmitool(hs.port, 3, ["power", "on"]), check=True, capture_output=True)
            dump = tmp / "sdr.bin"
            subprocess.run(peers.ipmitool(hs.port, 3, ["sdr", "dump", str(dump)]), check=True,
                           capture_output=True)
            records = sdr_records(dump.read_bytes())
            # The raw readings host-sim serves with power on, so both print the same values.
            values = {}
            for r in records:
                if r[3] in (0x01, 0x02):
                    out = subprocess.run(peers.ipmitool(hs.port, 3, ["raw", "0x04", "0x2d", hex(r[7])]),
                                         capture_output=True, text=True).stdout.split()
                    values[r[7]] = int(out[0], 16) if out else 0
            sensors = sum(1 for r in records if r[3] in (0x01, 0x02))
            sim = SensorSim(tmp / "sim", ipmi_sim_emu(records, values))
            sim.start()
            started.append(sim)
            sim.ready()
            rows = []
            for peer, port in ((hs, hs.port), (sim, sim.port)):
                cache = tmp / f"cache-{peer.name}"
                cache.mkdir()
                out = subprocess.run(sensors_cmd(peer, port, cache), capture_output=True, text=True, timeout=60)
                lines = [l for l in out.stdout.splitlines() if "|" in l and not l.startswith("ID")]
                print(f"{peer.name}:\n{out.stdout}{out.stderr}", file=sys.stderr)
                warm = cpu_per_scrape(peer, port, cache, (), opts.scrapes)
                cold = cpu_per_scrape(peer, port, cache, ("--sdr-cache-recreate",), opts.scrapes)
                rows.append((peer.name, len(lines), warm, cold))
        finally:
            for p in started:
                p.stop()
    print(f"\n{sensors} sensors ({len(records)} SDR records), {opts.scrapes} scrapes each, "
          "BMC process CPU per `ipmi-sensors` run (one RMCP+ session, suite 3):\n")
    print("| BMC | sensors printed | CPU/scrape, SDR cached | wall | CPU/scrape, --sdr-cache-recreate | wall |")
    print("|---|---|---|---|---|---|")
    for name, n, (wc, ww), (cc, cw) in rows:
        print(f"| {name} | {n} | {wc:.0f} µs | {ww:.0f} ms | {cc:.0f} µs | {cw:.0f} ms |")
    base = rows[0]
    for name, _, (wc, _), (cc, _) in rows[1:]:
        print(f"\n{name} / host-sim: {wc / base[2][0]:.1f}x (cached), {cc / base[3][0]:.1f}x (recreate)")


if __name__ == "__main__":
    main()

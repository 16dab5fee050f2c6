#!/usr/bin/env python3
"""host-sim next to the BMCs users would run instead, measured in one run on loopback.

Starts, each on a free UDP port of 127.0.0.1:
  host-sim   this project's daemon, one BMC with the built-in in-memory provider
  pyghmi     pyghmi's own in-memory BMC (`fakebmc`; pyghmi is the engine of virtualbmc and shipmi)
  shipmi     shipmi's VirtualBMC with an INI provider that keeps power and boot state in files
  ipmi_sim   OpenIPMI's lanserv simulator with the config from ../shared/vectors/sim (state in files)
and runs against each the same clients: ipmipower (one full RMCP+ session per process), ipmitool `exec`
(many commands in one session) and this project's load generator `ipmi-load` (handshakes/s and
commands/s with 1 and N concurrent sessions). For every BMC it reads the BMC process's own CPU time from
/proc (threads at ns resolution from schedstat, plus the CPU of reaped children such as provider scripts),
so the client's cost does not hide it, and its RSS idle and at peak. Prints a markdown table with the
ratios peer / host-sim.

Usage: scripts/peers.py [--quick] [--json FILE] [--only NAME,...]
Installs what it needs: ipmitool, freeipmi-tools, openipmi (apt), shipmi and pyghmi (PyPI, into a venv
under target/peers-venv), and builds host-sim and ipmi-load in release mode.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS_SIM = ROOT.parent / "shared" / "vectors" / "sim"
TICK = os.sysconf("SC_CLK_TCK")
USER, PASSWORD = "admin", "password"


def log(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


# ---------------------------------------------------------------------------------------------- setup


def install(venv: Path):
    need = [p for c, p in (("ipmitool", "ipmitool"), ("ipmipower", "freeipmi-tools"), ("ipmi_sim", "openipmi"))
            if shutil.which(c) is None]
    if need:
        pre = [] if os.geteuid() == 0 else ["sudo"]
        sh(pre + ["apt-get", "update", "-qq"])
        sh(pre + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + need,
           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    py = venv / "bin" / "python"
    if not py.exists():
        sh([sys.executable, "-m", "venv", str(venv)])
    if subprocess.run([str(py), "-c", "import shipmi.vbmc, pyghmi.ipmi.bmc"], capture_output=True).returncode:
        sh([str(py), "-m", "pip", "install", "-q", "shipmi", "pyghmi"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    sh(["cargo", "build", "--release", "-q", "-p", "host-sim", "--bin", "host-sim", "--bin", "ipmi-load"], cwd=ROOT)
    return py, target / "release" / "host-sim", target / "release" / "ipmi-load"


def versions(py):
    def out(args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001 - a version string is decoration only
            return "?"
    pyv = out([str(py), "-c", "import importlib.metadata as m; print('shipmi', m.version('shipmi'), "
                              "'pyghmi', m.version('pyghmi'))"])
    sim = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "openipmi"], capture_output=True, text=True).stdout
    return {"python": pyv, "openipmi": sim, "ipmitool": out(["ipmitool", "-V"]),
            "freeipmi": out(["ipmipower", "--version"])}


def free_udp_port():
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
        # ipmi_sim and pyghmi also want the TCP/UDP6 side quiet; a port free on v4 UDP is enough here.
        if port > 1024:
            return port


# ------------------------------------------------------------------------------------------- /proc


def cpu_ns(pid: int) -> int:
    """CPU the process spent so far: its threads (ns, schedstat) plus reaped children (clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    coarse = (utime + stime) * 1_000_000_000 // TICK
    fine = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                fine += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    # Threads that exited are in the tick counts only: fall back to them when they are clearly ahead.
    own = coarse if coarse > fine + 20_000_000 else fine
    return own + (cutime + cstime) * 1_000_000_000 // TICK


def rss_kib(pid: int, field="VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


# -------------------------------------------------------------------------------------------- peers


class Peer:
    name = "?"
    suites = (3,)
    ipmipower_extra = ()

    def __init__(self, work: Path):
        self.work = work
        self.proc = None
        self.port = free_udp_port()

    @property
    def pid(self):
        return self.proc.pid

    def spawn(self, args, **kw):
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(self.work / "stderr.log", "w"),
                                     start_new_session=True, **kw)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {(self.work / 'stderr.log').read_text()[-2000:]}")
            r = subprocess.run(ipmitool(self.port, 3, ["power", "status"]), capture_output=True, text=True)
            if r.returncode == 0 and "Chassis Power is" in r.stdout:
                return
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} never answered power status on port {self.port}")


class HostSim(Peer):
    name = "host-sim"
    suites = (3, 17)

    def __init__(self, work, binary):
        super().__init__(work)
        self.bin = str(binary)
        self.env = {**os.environ, "HOST_SIM_HOME": str(work / "home"), "RUST_LOG": "warn"}

    def cli(self, *args):
        sh([self.bin, *args], env=self.env, stdout=subprocess.DEVNULL)

    def start(self):
        self.spawn([self.bin, "serve"], env=self.env)
        deadline = time.time() + 10
        while not (self.work / "home" / "control.sock").exists():
            if time.time() > deadline:
                raise RuntimeError("host-sim serve did not create its control socket")
            time.sleep(0.05)
        self.add("bmc0", self.port)

    def add(self, name, port):
        self.cli("add", name, "--address", "127.0.0.1", "--port", str(port), "--provider", "memory")
        self.cli("start", name)


class Pyghmi(Peer):
    name = "pyghmi"

    def __init__(self, work, py):
        super().__init__(work)
        self.py = py

    def start(self):
        self.spawn([str(self.py), str(Path(self.py).parent / "fakebmc"), "--port", str(self.port)])


SHIPMI_PROVIDER = """\
# shipmi provider keeping state in files next to this one (what a file-backed lab setup does).
[POWER]
status = cat power 2>/dev/null || echo off
on = echo on > power
off = echo off > power
shutdown = echo off > power
reset = true
diag = true

[BOOT]
get = cat boot 2>/dev/null || echo default
set = echo %(bootdev)s > boot
"""

SHIPMI_MAIN = """\
import sys
from shipmi.vbmc import VirtualBMC
VirtualBMC('admin', 'password', int(sys.argv[1]), '127.0.0.1', 'peer', sys.argv[2]).listen()
"""


class Shipmi(Peer):
    name = "shipmi"

    def __init__(self, work, py):
        super().__init__(work)
        self.py = py

    def start(self):
        (self.work / "state.conf").write_text(SHIPMI_PROVIDER)
        (self.work / "power").write_text("off\n")
        self.spawn([str(self.py), "-c", SHIPMI_MAIN, str(self.port), str(self.work / "state.conf")], cwd=self.work)


class IpmiSim(Peer):
    name = "ipmi_sim"
    # ipmi_sim answers Open Session with maximum privilege 0; freeipmi has a workaround flag for that.
    ipmipower_extra = ("-W", "opensesspriv")

    def start(self):
        if not VECTORS_SIM.is_dir():
            raise RuntimeError(f"{VECTORS_SIM} is missing: it holds the ipmi_sim config")
        for f in ("sim.emu", "chassiscontrol.sh"):
            shutil.copy(VECTORS_SIM / f, self.work / f)
        conf = (VECTORS_SIM / "sim-lan.conf").read_text()
        conf = "\n".join(f"    addr 127.0.0.1 {self.port}" if line.strip().startswith("addr ") else line
                         for line in conf.splitlines()) + "\n"
        (self.work / "sim.conf").write_text(conf)
        (self.work / "chassis").mkdir()
        (self.work / "chassis" / "0x20.power").write_text("1\n")
        (self.work / "state").mkdir()
        self.spawn(["ipmi_sim", "-c", "sim.conf", "-f", "sim.emu", "-s", "state", "-n"], cwd=self.work,
                   stdin=subprocess.DEVNULL)


# ------------------------------------------------------------------------------------------ clients


def ipmitool(port, suite, cmd):
    return ["ipmitool", "-I", "lanplus", "-C", str(suite), "-H", "127.0.0.1", "-p", str(port),
            "-U", USER, "-P", PASSWORD, "-R", "1", "-N", "5", *cmd]


def measured(peer, fn):
    """Runs fn(), returns (its result, BMC CPU ns spent meanwhile, wall seconds)."""
    c0, t0 = cpu_ns(peer.pid), time.perf_counter()
    res = fn()
    return res, cpu_ns(peer.pid) - c0, time.perf_counter() - t0


def ipmipower_sessions(peer, count):
    """`ipmipower --stat` runs one full session per process: what fencing agents and MAAS do."""
    args = ["ipmipower", "-D", "LAN_2_0", "-I", "3", "-h", f"127.0.0.1:{peer.port}", "-u", USER, "-p", PASSWORD,
            "--stat", *peer.ipmipower_extra]

    def run():
        fails, lat = 0, []
        for _ in range(count):
            t = time.perf_counter()
            r = subprocess.run(args, capture_output=True, text=True, timeout=60)
            lat.append(time.perf_counter() - t)
            fails += r.returncode != 0 or ": on" not in r.stdout and ": off" not in r.stdout
        return fails, lat

    (fails, lat), cpu, wall = measured(peer, run)
    return {"sessions": count, "failed": fails, "bmc_cpu_us_per_session": cpu / count / 1000,
            "client_ms_p50": statistics.median(lat) * 1000}


def ipmitool_exec(peer, count):
    """`ipmitool exec` sends `count` power status commands in one lanplus session."""
    script = peer.work / "exec.txt"
    script.write_text("power status\n" * count)

    def run():
        return subprocess.run(ipmitool(peer.port, 3, ["exec", str(script)]), capture_output=True, text=True,
                              timeout=600)

    r, cpu, wall = measured(peer, run)
    ok = r.stdout.count("Chassis Power is")
    return {"commands": count, "ok": ok, "commands_per_s": ok / wall, "bmc_cpu_us_per_command": cpu / max(ok, 1) / 1000}


def load(peer, loadgen, suite, mode, sessions, duration):
    args = [str(loadgen), "--port", str(peer.port), "-U", USER, "-P", PASSWORD, "-C", str(suite),
            "--sessions", str(sessions), "--duration", str(duration), "--mode", mode, "--json"]

    def run():
        return subprocess.run(args, capture_output=True, text=True, timeout=duration * 4 + 60)

    r, cpu, wall = measured(peer, run)
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    if r.returncode != 0 or not rows:
        return {"error": (r.stderr.strip().splitlines() or ["no output"])[-1]}
    row = rows[-1]
    ops = max(row.get("ops", 0), 1)
    row["bmc_cpu_us_per_op"] = cpu / ops / 1000
    return row


# --------------------------------------------------------------------------------------------- main


def measure_round(peers, loadgen, opts, rounds):
    """One round: every measurement against every BMC in turn, so that whatever else the machine does
    in the meantime falls on all of them alike."""
    for peer in peers:
        log(f"{peer.name}: {opts.sessions} x ipmipower --stat")
        rounds[peer.name]["ipmipower"].append(ipmipower_sessions(peer, opts.sessions))
    for peer in peers:
        log(f"{peer.name}: ipmitool exec with {opts.commands} x power status")
        rounds[peer.name]["ipmitool_exec"].append(ipmitool_exec(peer, opts.commands))
    for suite in (3, 17):
        for mode in ("handshake", "command"):
            for conc in (1, opts.concurrency):
                for peer in peers:
                    if suite in peer.suites:
                        log(f"{peer.name}: ipmi-load -C {suite} --mode {mode} --sessions {conc}")
                        row = load(peer, loadgen, suite, mode, conc, opts.duration)
                        rounds[peer.name]["load"].setdefault(f"{suite}/{mode}/{conc}", []).append(row)


def median_of(rows):
    """Field by field median of a list of result dicts (numbers only; errors kept if every run failed)."""
    ok = [r for r in rows if "error" not in r]
    if not ok:
        return rows[-1] if rows else {}
    out = dict(ok[-1])
    for k, v in ok[-1].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = statistics.median(r[k] for r in ok if isinstance(r.get(k), (int, float)))
    out["runs"] = len(ok)
    return out


# The floors' C program. `echo PORT`: a blocking UDP echo server, the least a BMC can do per request.
# `session PORT N`: one "session" of N request/replies from a fresh process, the shape of one
# ipmipower --stat session.
FLOOR_C = r"""
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[2]));
    a.sin_addr.s_addr = htonl(0x7f000001);
    char b[2048] = {0};
    if (strcmp(argv[1], "echo") == 0) {
        if (bind(s, (void *)&a, sizeof a)) return 1;
        for (;;) {
            struct sockaddr_in p;
            socklen_t l = sizeof p;
            int n = recvfrom(s, b, sizeof b, 0, (void *)&p, &l);
            if (n > 0) sendto(s, b, n, 0, (void *)&p, l);
        }
    }
    if (argc < 4 || connect(s, (void *)&a, sizeof a)) return 1;
    for (int i = 0; i < atoi(argv[3]); i++) {
        if (send(s, b, 64, 0) != 64 || recv(s, b, sizeof b, 0) < 0) return 1;
    }
    return 0;
}
"""
# ipmipower --stat: auth capabilities, Open Session, RAKP1, RAKP3, privilege, status, close.
SESSION_EXCHANGES = 7


def udp_floor(work: Path, count=20000, sessions=300):
    """The kernel's share, from a blocking C echo server: CPU per request/reply driven back to back
    the way ipmi-load drives a BMC (no BMC can spend less per in-session command on this machine),
    and CPU per "session" of SESSION_EXCHANGES request/replies from a fresh process each, the way ipmipower --stat
    arrives (every exchange then finds cold caches and a sleeping server thread)."""
    src, exe = work / "floor.c", work / "floor"
    src.write_text(FLOOR_C)
    sh(["cc", "-O2", "-o", str(exe), str(src)])
    port = free_udp_port()
    proc = subprocess.Popen([str(exe), "echo", str(port)])
    try:
        time.sleep(0.2)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.connect(("127.0.0.1", port))
            c.settimeout(1)
            msg = bytes(64)  # the size of a sealed suite-3 Get Chassis Status request
            c0 = cpu_ns(proc.pid)
            for _ in range(count):
                c.send(msg)
                c.recv(256)
            per_request = (cpu_ns(proc.pid) - c0) / count / 1000
        c0 = cpu_ns(proc.pid)
        for _ in range(sessions):
            subprocess.run([str(exe), "session", str(port), str(SESSION_EXCHANGES)], check=True, timeout=5)
        per_session = (cpu_ns(proc.pid) - c0) / sessions / 1000
        return per_request, per_session
    finally:
        proc.kill()
        proc.wait()


def per_bmc_memory(hs: HostSim, extra: int):
    """host-sim runs every BMC in one process: the marginal RSS per BMC, from `extra` more BMCs."""
    before = rss_kib(hs.pid)
    for i in range(extra):
        hs.add(f"bmc{i + 1}", free_udp_port())
    time.sleep(1)
    return (rss_kib(hs.pid) - before) / extra


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        v = f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"
    else:
        v = f"{v:,}"
    return f"{v}{unit}"


def table(results, opts):
    hs = next((r for r in results if r["name"] == "host-sim"), None)
    peers = [r for r in results if r["name"] != "host-sim"]
    rows = []

    def row(label, get, lower_is_better):
        base = get(hs) if hs else None
        cells = [fmt(base)]
        for p in peers:
            v = get(p)
            if v is None or not base:
                cells.append(fmt(v))
            else:
                ratio = v / base if lower_is_better else base / v
                cells.append(f"{fmt(v)} ({ratio:,.1f}x)")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    def ld(key, field):
        return lambda r: r["load"].get(key, {}).get(field)

    c = opts.concurrency
    row("BMC CPU per full session, ipmipower --stat (µs)", lambda r: r["ipmipower"]["bmc_cpu_us_per_session"], True)
    row("BMC CPU per command, ipmitool exec (µs)", lambda r: r["ipmitool_exec"]["bmc_cpu_us_per_command"], True)
    row("ipmitool exec power status, one session (commands/s)", lambda r: r["ipmitool_exec"]["commands_per_s"], False)
    row("ipmipower --stat wall time p50 (ms)", lambda r: r["ipmipower"]["client_ms_p50"], True)
    for suite in (3, 17):
        for conc in (1, c):
            row(f"ipmi-load -C {suite}, {conc} session(s): handshakes/s", ld(f"{suite}/handshake/{conc}", "ops_per_s"),
                False)
            row(f"ipmi-load -C {suite}, {conc} session(s): handshake p50 / p99 (µs)",
                lambda r, k=f"{suite}/handshake/{conc}": pair(r, k), True)
        for conc in (1, c):
            row(f"ipmi-load -C {suite}, {conc} session(s): commands/s", ld(f"{suite}/command/{conc}", "ops_per_s"),
                False)
            row(f"ipmi-load -C {suite}, {conc} session(s): command p50 / p99 (µs)",
                lambda r, k=f"{suite}/command/{conc}": pair(r, k), True)
        row(f"ipmi-load -C {suite}: BMC CPU per handshake (µs)", ld(f"{suite}/handshake/1", "bmc_cpu_us_per_op"), True)
        row(f"ipmi-load -C {suite}: BMC CPU per command (µs)", ld(f"{suite}/command/1", "bmc_cpu_us_per_op"), True)
    row("RSS idle, one BMC (KiB)", lambda r: r["rss_idle_kib"], True)
    row("RSS peak under load (KiB)", lambda r: r["rss_peak_kib"], True)
    row("memory per additional BMC (KiB)", lambda r: r.get("per_bmc_kib"), True)
    head = "| | " + " | ".join(r["name"] for r in [hs] + peers if r) + " |"
    sep = "|---" * (len(peers) + 2) + "|"
    return "\n".join([head, sep] + [r for r in rows if not all(x in ("n/a", "") for x in r.split("|")[2:-1])])


def pair(r, key):
    d = r["load"].get(key, {})
    if "p50_us" not in d:
        return None
    return PairValue(d["p50_us"], d["p99_us"])


class PairValue(float):
    """A p50/p99 pair that compares and divides by its p50 but prints both."""

    def __new__(cls, p50, p99):
        v = super().__new__(cls, p50)
        v.p99 = p99
        return v

    def __format__(self, spec):
        return f"{float(self):{spec}} / {self.p99:{spec}}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short runs: checks the script, not the numbers")
    ap.add_argument("--only", default="host-sim,pyghmi,shipmi,ipmi_sim", help="comma list of BMCs to run")
    ap.add_argument("--json", help="also write the raw results to this file")
    opts = ap.parse_args()
    opts.sessions, opts.commands, opts.duration, opts.concurrency, opts.rounds = (
        (10, 200, 1, 4, 1) if opts.quick else (100, 2000, 3, 4, 3))
    venv = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "peers-venv"
    py, hs_bin, loadgen = install(venv)
    results = []
    with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
        peers = []
        try:
            for name in opts.only.split(","):
                work = Path(tmp) / name
                work.mkdir()
                peer = {"host-sim": lambda: HostSim(work, hs_bin), "pyghmi": lambda: Pyghmi(work, py),
                        "shipmi": lambda: Shipmi(work, py), "ipmi_sim": lambda: IpmiSim(work)}[name]()
                peers.append(peer)
                log(f"starting {name} on 127.0.0.1:{peer.port}")
                peer.start()
                peer.ready()
            time.sleep(1)
            rounds = {p.name: {"ipmipower": [], "ipmitool_exec": [], "load": {},
                               "rss_idle_kib": rss_kib(p.pid)} for p in peers}
            for r in range(opts.rounds):
                log(f"round {r + 1} of {opts.rounds}")
                measure_round(peers, loadgen, opts, rounds)
            for peer in peers:
                got = rounds[peer.name]
                res = {"name": peer.name, "port": peer.port, "rss_idle_kib": got["rss_idle_kib"],
                       "ipmipower": median_of(got["ipmipower"]), "ipmitool_exec": median_of(got["ipmitool_exec"]),
                       "load": {k: median_of(v) for k, v in got["load"].items()},
                       "rss_peak_kib": rss_kib(peer.pid, "VmHWM"), "raw": got}
                if peer.name == "host-sim":
                    res["per_bmc_kib"] = per_bmc_memory(peer, 100 if opts.quick else 1000)
                else:
                    res["per_bmc_kib"] = res["rss_idle_kib"]  # one process per BMC
                results.append(res)
        finally:
            for peer in peers:
                peer.stop()
    with tempfile.TemporaryDirectory(prefix="peers-floor-") as tmp:
        floor, session_floor = udp_floor(Path(tmp))
    info = versions(py)
    if opts.json:
        Path(opts.json).write_text(json.dumps({"versions": info, "udp_floor_us": floor,
                                               "udp_session_floor_us": session_floor, "results": results},
                                              indent=1))
    print(table(results, opts))
    print()
    print(f"Floor: a blocking C UDP echo server spends {floor:.1f} µs of CPU per request/reply on this machine "
          "(the kernel's loopback UDP path and the wake-up), measured the same way; "
          f"{session_floor:.0f} µs per {SESSION_EXCHANGES} request/replies from a fresh client process each "
          "(the exchanges of one ipmipower --stat session).")
    print("Versions: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print(f"Each figure is the median of {opts.rounds} rounds; every round runs each measurement against every "
          "BMC in turn.")
    print("Ratios in brackets: how many times more CPU/memory/latency the peer needs, or how many times fewer "
          "operations per second it does, than host-sim.")


if __name__ == "__main__":
    main()

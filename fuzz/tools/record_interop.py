#!/usr/bin/env python3
"""Records real client traffic for the fuzz corpus: starts `host-sim demo` (the rmcp endpoint,
user admin/password), puts a UDP relay in front of it, runs ipmitool and freeipmi through the
relay, and writes every datagram as `c2s <hex>` / `s2c <hex>` lines (the ../shared/vectors format)
into fuzz/seeds/interop/<name>.txt, which fuzz/seed.sh turns into corpus files.

Usage: fuzz/tools/record_interop.py PATH/TO/host-sim
"""
import os, select, socket, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "seeds", "interop")

CLIENTS = {
    # name: argv with {port}
    "ipmitool-cs17-4cmds": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password -C 17 chassis power status ; mc info ; chassis status ; chassis bootdev pxe",
    "ipmitool-cs03-power-cycle": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password -C 3 chassis power cycle",
    "ipmitool-nocs-session-info": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password session info all",
    "ipmitool-cs01-status": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password -C 1 chassis status",
    "ipmitool-cs08-user-list": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password -C 8 user list 1",
    "ipmitool-cs16-channel": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password -C 16 channel info",
    "ipmitool-lan-md5": "ipmitool -I lan -H 127.0.0.1 -p {port} -U admin -P password -A MD5 chassis power status",
    "ipmitool-cs02-misc": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password -C 2 mc guid ; mc selftest ; chassis identify 5 ; chassis poh ; chassis policy list ; chassis restart_cause ; chassis power reset ; chassis bootparam get 5 ; user set name 4 fuzzer ; user set password 4 secret ; user priv 4 2 1 ; channel getaccess 1 2 ; channel setaccess 1 4 privilege=2 ; chassis power diag ; chassis power soft ; chassis policy always-on ; raw 0x00 0x00",
    "ipmitool-wrong-password": "ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P wrong -C 3 chassis power status",
    "ipmipower-cs12-stat": "ipmipower -D LAN_2_0 -h 127.0.0.1:{port} -u admin -p password -I 12 --stat",
    "ipmipower-cs11-on": "ipmipower -D LAN_2_0 -h 127.0.0.1:{port} -u admin -p password -I 11 -l ADMIN --on",
    "ipmi-chassis-cs02-status": "ipmi-chassis -D LAN_2_0 -h 127.0.0.1:{port} -u admin -p password -I 2 --get-chassis-status",
    "ipmi-chassis-config-cs07": "ipmi-chassis-config -D LAN_2_0 -h 127.0.0.1:{port} -u admin -p password -I 7 -l ADMIN --checkout -S Chassis_Boot_Flags",
}


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def relay(front, bmc_port, log, stop):
    """Forwards client datagrams to the BMC and back, one BMC-side socket per client address."""
    back, client_of = {}, {}
    while not stop.is_set():
        socks = [front] + list(back.values())
        r, _, _ = select.select(socks, [], [], 0.1)
        for s in r:
            data, addr = s.recvfrom(65535)
            if s is front:
                b = back.get(addr)
                if b is None:
                    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    b.bind(("127.0.0.1", 0))
                    client_of[b] = addr
                    back[addr] = b
                log.append("c2s " + data.hex())
                b.sendto(data, ("127.0.0.1", bmc_port))
            else:
                log.append("s2c " + data.hex())
                front.sendto(data, client_of[s])


def main():
    host_sim = sys.argv[1]
    bmc_port = free_port()
    bmc = subprocess.Popen([host_sim, "demo", "--port", str(bmc_port)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The demo prints the port it really got.
        line = ""
        deadline = time.time() + 10
        while time.time() < deadline and str(bmc_port) not in line:
            line = bmc.stdout.readline()
        os.makedirs(OUT, exist_ok=True)
        for name, cmd in CLIENTS.items():
            front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            front.bind(("127.0.0.1", 0))
            port = front.getsockname()[1]
            log, stop = [], threading.Event()
            t = threading.Thread(target=relay, args=(front, bmc_port, log, stop))
            t.start()
            argv = cmd.format(port=port).split(" ; ")
            first = argv[0].split()
            runs = [first] + [first[:first.index("-P") + 2] + (["-C", first[first.index("-C") + 1]] if "-C" in first else []) + a.split() for a in argv[1:]]
            for a in runs:
                try:
                    subprocess.run(a, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
                except subprocess.TimeoutExpired:
                    pass
            time.sleep(0.2)
            stop.set()
            t.join()
            front.close()
            with open(os.path.join(OUT, name + ".txt"), "w") as f:
                f.write(f"# recorded by fuzz/tools/record_interop.py: {cmd.format(port='PORT')}\n")
                f.write("# against host-sim demo (rmcp::server::Endpoint), user admin / password\n")
                f.write("\n".join(log) + "\n")
            print(f"{name}: {len(log)} datagrams")
    finally:
        bmc.terminate()
        bmc.wait()


if __name__ == "__main__":
    main()

//! Machines behind BMCs the way the field has them, with the real clients:
//! - a chassis manager with nodes on IPMB addresses, reached with ipmitool's single bridging
//!   (`-b 7 -t 0x72`) and double bridging (`-B 0 -T 0x82 -b 7 -t 0x72`, HP Moonshot and MAAS's
//!   moonshot power driver), 20 nodes behind one manager, state kept across a restart;
//! - one machine with two power feeds, each switched by its own BMC, fenced with fence_ipmilan
//!   the way Pacemaker's fencing topology and oVirt's concurrent agents use two devices.

mod common;
use common::*;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// ipmitool lanplus as admin with bridging arguments, returning (success, output).
fn bridged(port: u16, bridge: &[&str], cmd: &[&str]) -> (bool, String) {
    let args: Vec<&str> = bridge.iter().chain(cmd).copied().collect();
    let o = ipmitool("lanplus", "127.0.0.1", port, "admin", "password", &args);
    (o.status.success(), text(&o))
}

fn bridged_ok(port: u16, bridge: &[&str], cmd: &[&str]) -> String {
    let (ok, out) = bridged(port, bridge, cmd);
    assert!(ok, "ipmitool {bridge:?} {cmd:?} failed: {out}");
    out
}

fn power_of(dir: &Path, name: &str) -> String {
    let p = read(&dir.join(format!("power-{name}")));
    if p.is_empty() {
        "off".into()
    } else {
        p
    }
}

fn show_json(sim: &Sim, name: &str) -> serde_json::Value {
    serde_json::from_str(&sim.ok(&["show", name, "--json"])).unwrap()
}

#[test]
fn single_bridging_reaches_the_right_node_and_only_it() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let prov = sim.provider();
    let conf = prov.join("provider.conf");
    let conf = conf.to_str().unwrap();
    // A slow node: its status script takes a second (the deferred path keeps the chassis
    // manager answering meanwhile).
    std::fs::write(
        prov.join("slow.conf"),
        "[POWER]\nstatus = sleep 1; bin/power.sh status %(name)s\non = bin/power.sh on %(name)s\noff = bin/power.sh off %(name)s\n",
    )
    .unwrap();
    let slow = prov.join("slow.conf");
    let port = free_port();
    sim.ok(&[
        "add",
        "cm",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--node",
        &format!("0x72,provider={conf},name=n72"),
        "--node",
        &format!("0x74,provider={conf},name=n74"),
        "--node",
        &format!("0x76,channel=7,provider={},name=n76", slow.display()),
    ]);
    let cfg = std::fs::read_to_string(sim.home.path().join("bmcs/cm.toml")).unwrap();
    assert!(
        cfg.contains("[[nodes]]") && cfg.contains("address = \"0x74\""),
        "{cfg}"
    );
    sim.serve();
    sim.ok(&["start", "cm"]);
    let b72 = ["-b", "7", "-t", "0x72"];
    let b74 = ["-b", "7", "-t", "0x74"];
    let b76 = ["-b", "7", "-t", "0x76"];

    assert!(bridged_ok(port, &b72, &["power", "status"]).contains("Chassis Power is off"));
    assert!(bridged_ok(port, &b72, &["power", "on"]).contains("Up/On"));
    assert_eq!(power_of(&prov, "n72"), "on");
    assert_eq!(
        power_of(&prov, "n74"),
        "off",
        "only the target node changes"
    );
    assert!(bridged_ok(port, &b72, &["power", "status"]).contains("Chassis Power is on"));
    assert!(bridged_ok(port, &b74, &["power", "status"]).contains("Chassis Power is off"));
    // The chassis manager's own machine (in memory) is another thing again.
    assert!(lanplus_ok(port, &["power", "status"]).contains("Chassis Power is off"));

    // Boot device: on the node only.
    assert!(
        bridged_ok(port, &b74, &["chassis", "bootdev", "pxe"]).contains("Set Boot Device to pxe")
    );
    eventually("[BOOT] set of n74", Duration::from_secs(10), || {
        read(&prov.join("boot-n74")).starts_with("network")
    });
    assert!(read(&prov.join("boot-n72")).is_empty());
    let p5 = bridged_ok(port, &b74, &["chassis", "bootparam", "get", "5"]);
    assert!(p5.contains("Force PXE"), "{p5}");
    let own = lanplus_ok(port, &["chassis", "bootparam", "get", "5"]);
    assert!(!own.contains("Force PXE"), "{own}");
    let other = bridged_ok(port, &b72, &["chassis", "bootparam", "get", "5"]);
    assert!(!other.contains("Force PXE"), "{other}");

    // Off again, and the node's own completion codes come back through the bridge.
    assert!(bridged_ok(port, &b72, &["power", "off"]).contains("Down/Off"));
    assert_eq!(power_of(&prov, "n72"), "off");
    let (ok, out) = bridged(port, &b72, &["raw", "0x00", "0x7e"]);
    assert!(!ok && out.contains("rsp=0xc1"), "{out}");

    // The slow node answers, and the manager serves another session meanwhile.
    let slow_status = std::thread::spawn(move || bridged(port, &b76, &["power", "status"]));
    std::thread::sleep(Duration::from_millis(200));
    let t = std::time::Instant::now();
    assert!(lanplus_ok(port, &["power", "status"]).contains("off"));
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    let (ok, out) = slow_status.join().unwrap();
    assert!(ok && out.contains("Chassis Power is off"), "{out}");

    // Nobody at 0x90: "NAK on write" (0x83) at once, never a hang; an unknown channel: 0xCC.
    let t = std::time::Instant::now();
    let (ok, out) = bridged(port, &["-b", "7", "-t", "0x90"], &["power", "status"]);
    assert!(!ok && out.contains("Unknown (0x83)"), "{out}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let (ok, out) = bridged(port, &["-b", "5", "-t", "0x72"], &["power", "status"]);
    assert!(
        !ok && out.contains("Invalid data field in request"),
        "{out}"
    );

    // freeipmi bridges with the same Send Message and waits for the answer as a message of its
    // own (IPMI 2.0 and 1.5).
    require_tool("ipmi-raw");
    for driver in ["LAN_2_0", "LAN"] {
        let mut c = Command::new("ipmi-raw");
        c.args([
            "-D",
            driver,
            "-h",
            &format!("127.0.0.1:{port}"),
            "-u",
            "admin",
            "-p",
            "password",
        ])
        .args([
            "--target-channel-number=7",
            "--target-slave-address=0x74",
            "00",
            "00",
            "01",
        ]);
        let o = run_timeout(c, Duration::from_secs(60));
        assert!(o.status.success(), "{driver}: {}", text(&o));
        // Get Chassis Status of n74: power off.
        assert!(
            text(&o).starts_with("rcvd: 01 00 00 00"),
            "{driver}: {}",
            text(&o)
        );
    }
    let o = freeipmi(
        "ipmi-chassis",
        port,
        &[
            "--target-channel-number=7",
            "--target-slave-address=0x72",
            "--get-chassis-status",
        ],
    );
    assert!(
        text(&o).contains("System Power                        : off"),
        "{}",
        text(&o)
    );
    let mut c = Command::new("ipmi-raw");
    c.args([
        "-D",
        "LAN_2_0",
        "-h",
        &format!("127.0.0.1:{port}"),
        "-u",
        "admin",
        "-p",
        "password",
    ])
    .args([
        "--target-channel-number=7",
        "--target-slave-address=0x90",
        "00",
        "00",
        "01",
    ]);
    let o = run_timeout(c, Duration::from_secs(60));
    assert!(
        !o.status.success() && text(&o).contains("bad completion code"),
        "{}",
        text(&o)
    );

    // IPMI 1.5 (ipmitool -I lan) bridges the same way.
    let o = ipmitool(
        "lan",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-b", "7", "-t", "0x72", "power", "on"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(power_of(&prov, "n72"), "on");

    // Get Message: a Send Message without tracking leaves the answer in the queue.
    lanplus_ok(
        port,
        &[
            "raw", "0x06", "0x34", "0x07", "0x72", "0x00", "0x8e", "0x81", "0x04", "0x01", "0x7a",
        ],
    );
    let flags = lanplus_ok(port, &["raw", "0x06", "0x31"]);
    assert_eq!(flags.trim(), "01", "{flags}");
    let msg = lanplus_ok(port, &["raw", "0x06", "0x33"]);
    // Channel 7 with an administrator session, then the node's Get Chassis Status answer.
    assert!(msg.trim().starts_with("47 04 7b 72 04 01 00 01"), "{msg}");
    let (ok, out) = bridged(port, &[], &["raw", "0x06", "0x33"]);
    assert!(!ok && out.contains("rsp=0x80"), "{out}");

    // show lists the nodes with their power.
    let v = show_json(&sim, "cm");
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[0]["name"], "n72");
    let show = sim.ok(&["show", "cm"]);
    assert!(show.contains("n74 -b 7 -t 0x74"), "{show}");
}

#[test]
fn double_bridging_and_maas_moonshot_command_lines() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let prov = sim.provider();
    let conf = prov.join("provider.conf");
    let conf = conf.to_str().unwrap();
    let port = free_port();
    // Two cartridges (0x82, 0x84) with one node each at 0x72, the way HP Moonshot has them.
    sim.ok(&[
        "add",
        "moonshot",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--user",
        "maas:operator=maaspass",
        "--node",
        &format!("0x72,transit=0x82,provider={conf},name=c1n1"),
        "--node",
        &format!("0x72,transit=0x84,provider={conf},name=c2n1"),
    ]);
    sim.serve();
    sim.ok(&["start", "moonshot"]);
    let c1 = ["-B", "0", "-T", "0x82", "-b", "7", "-t", "0x72"];
    let c2 = ["-B", "0", "-T", "0x84", "-b", "7", "-t", "0x72"];
    assert!(bridged_ok(port, &c1, &["power", "status"]).contains("Chassis Power is off"));
    assert!(bridged_ok(port, &c1, &["power", "on"]).contains("Up/On"));
    assert_eq!(power_of(&prov, "c1n1"), "on");
    assert_eq!(power_of(&prov, "c2n1"), "off");
    assert!(bridged_ok(port, &c1, &["power", "status"]).contains("Chassis Power is on"));
    assert!(bridged_ok(port, &c2, &["power", "status"]).contains("Chassis Power is off"));
    assert!(bridged_ok(port, &c2, &["chassis", "bootdev", "pxe"]).contains("pxe"));
    eventually("[BOOT] set of c2n1", Duration::from_secs(10), || {
        read(&prov.join("boot-c2n1")).starts_with("network")
    });
    assert!(read(&prov.join("boot-c1n1")).is_empty());
    // mc info through two bridges (the longest answer: Get Device ID).
    assert!(bridged_ok(port, &c1, &["mc", "info"]).contains("IPMI Version"));
    // IPMI 1.5 (ipmitool -I lan) double bridging.
    let args: Vec<&str> = c1.iter().copied().chain(["power", "status"]).collect();
    let o = ipmitool("lan", "127.0.0.1", port, "admin", "password", &args);
    assert!(text(&o).contains("Chassis Power is on"), "{}", text(&o));
    // No node 0x74 behind cartridge 0x82; no cartridge 0x86.
    let (ok, out) = bridged(
        port,
        &["-B", "0", "-T", "0x82", "-b", "7", "-t", "0x74"],
        &["power", "status"],
    );
    assert!(!ok && out.contains("Unknown (0x83)"), "{out}");
    let (ok, out) = bridged(
        port,
        &["-B", "0", "-T", "0x86", "-b", "7", "-t", "0x72"],
        &["power", "status"],
    );
    assert!(!ok && out.contains("Unknown (0x83)"), "{out}");

    // MAAS's moonshot driver (src/provisioningserver/drivers/power/moonshot.py): `ipmitool -I
    // lanplus -H ADDR -U USER -P PASS -L OPERATOR` + power_hwaddress split on spaces + the
    // action; power on = `chassis bootdev pxe` then `power on`; the query takes the last word.
    // (MAAS talks to port 623; the test adds -p for its free port.)
    let maas = |action: &[&str]| {
        let hwaddress = "-B 0 -T 0x84 -b 7 -t 0x72";
        let mut c = Command::new("ipmitool");
        c.args(["-I", "lanplus", "-H", "127.0.0.1", "-p", &port.to_string()])
            .args(["-U", "maas", "-P", "maaspass", "-L", "OPERATOR"])
            .args(hwaddress.split_whitespace())
            .args(action);
        let o = run_timeout(c, Duration::from_secs(60));
        assert!(o.status.success(), "MAAS {action:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).trim_end().to_string()
    };
    let query = |out: String| {
        out.rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_string()
    };
    maas(&["chassis", "bootdev", "pxe"]);
    maas(&["power", "on"]);
    assert_eq!(power_of(&prov, "c2n1"), "on");
    assert_eq!(query(maas(&["power", "status"])), "on");
    maas(&["power", "off"]);
    assert_eq!(query(maas(&["power", "status"])), "off");
    assert_eq!(power_of(&prov, "c2n1"), "off");
    assert_eq!(
        power_of(&prov, "c1n1"),
        "on",
        "the other cartridge's node is untouched"
    );

    let show = sim.ok(&["show", "moonshot"]);
    assert!(show.contains("c2n1 -B 0 -T 0x84 -b 7 -t 0x72"), "{show}");
}

#[test]
fn twenty_nodes_behind_one_chassis_manager_survive_a_restart() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "cm20",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--nodes",
        "20",
    ]);
    let list = sim.ok(&["list"]);
    assert!(list.contains("chassis: 20 nodes"), "{list}");
    sim.serve();
    sim.ok(&["start", "cm20"]);
    let addr = |i: usize| format!("0x{:02x}", 0x72 + 2 * i);
    // Every third node on, with PXE as its next boot device; one session does it all.
    for i in (0..20).step_by(3) {
        let a = addr(i);
        let o = ipmitool(
            "lanplus",
            "127.0.0.1",
            port,
            "admin",
            "password",
            &["-b", "7", "-t", &a, "power", "on"],
        );
        assert!(o.status.success(), "{a}: {}", text(&o));
    }
    bridged_ok(
        port,
        &["-b", "7", "-t", &addr(19)],
        &["chassis", "bootdev", "pxe"],
    );
    let check = |port: u16| {
        for i in 0..20 {
            let out = bridged_ok(port, &["-b", "7", "-t", &addr(i)], &["power", "status"]);
            let want = if i % 3 == 0 { "is on" } else { "is off" };
            assert!(out.contains(want), "node {}: {out}", addr(i));
        }
        let p5 = bridged_ok(
            port,
            &["-b", "7", "-t", &addr(19)],
            &["chassis", "bootparam", "get", "5"],
        );
        assert!(p5.contains("Force PXE"), "{p5}");
        let p5 = bridged_ok(
            port,
            &["-b", "7", "-t", &addr(18)],
            &["chassis", "bootparam", "get", "5"],
        );
        assert!(!p5.contains("Force PXE"), "{p5}");
    };
    check(port);
    // The 21st address is nobody.
    let (ok, out) = bridged(port, &["-b", "7", "-t", &addr(20)], &["power", "status"]);
    assert!(!ok && out.contains("0x83"), "{out}");
    eventually("node states saved", Duration::from_secs(10), || {
        let v = show_json(&sim, "cm20");
        let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
        nodes.len() == 20
            && nodes
                .iter()
                .enumerate()
                .all(|(i, n)| n["power_on"] == (i % 3 == 0))
    });
    sim.stop_daemon();
    let state = std::fs::read_to_string(sim.home.path().join("state/cm20.toml")).unwrap();
    assert!(state.contains("[nodes.cm20-72]"), "{state}");
    sim.serve();
    check(port);
}

/// fence_ipmilan against one device (RMCP+, as Pacemaker and oVirt users set `lanplus=1`).
fn fence(port: u16, action: &str) -> (i32, String) {
    fence_with(port, action, &["--lanplus"])
}

fn fence_with(port: u16, action: &str, extra: &[&str]) -> (i32, String) {
    let agent = if Path::new("/usr/sbin/fence_ipmilan").is_file() {
        "/usr/sbin/fence_ipmilan"
    } else {
        "fence_ipmilan"
    };
    let mut c = Command::new(agent);
    c.args([
        "--ip",
        "127.0.0.1",
        "--ipport",
        &port.to_string(),
        "--username",
        "admin",
        "--password",
        "password",
        "--action",
        action,
    ])
    .args(extra);
    let o = run_timeout(c, Duration::from_secs(120));
    (o.status.code().unwrap_or(-1), text(&o))
}

fn machine(sim: &Sim, bmc: &str) -> serde_json::Value {
    show_json(sim, bmc)["machine"].clone()
}

#[test]
fn two_power_feeds_fenced_with_fence_ipmilan() {
    require_tool("fence_ipmilan");
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let prov = sim.provider();
    let conf = prov.join("provider.conf");
    let conf = conf.to_str().unwrap();
    let (pa, pb) = (free_port(), free_port());
    for (name, port) in [("psu-a", pa), ("psu-b", pb)] {
        sim.ok(&[
            "add",
            name,
            "--address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--provider",
            conf,
            "--machine",
            "host1",
        ]);
    }
    let list = sim.ok(&["list"]);
    assert!(list.contains("feed of machine host1"), "{list}");
    sim.serve();
    sim.ok(&["start", "psu-a"]);
    sim.ok(&["start", "psu-b"]);
    let runs = || {
        read(&prov.join("log"))
            .lines()
            .filter(|l| l.starts_with("on ") || l.starts_with("off "))
            .count()
    };

    // Pacemaker, a fencing level with both devices / oVirt concurrent agents: on = both on.
    let (rc, out) = fence(pa, "on");
    assert_eq!(rc, 0, "{out}");
    let (rc, out) = fence(pb, "on");
    assert_eq!(rc, 0, "{out}");
    assert_eq!(power_of(&prov, "host1"), "on");
    assert_eq!(
        runs(),
        1,
        "the machine came up once: {}",
        read(&prov.join("log"))
    );
    for p in [pa, pb] {
        let (rc, out) = fence(p, "status");
        assert!(rc == 0 && out.contains("Status: ON"), "{out}");
    }

    // One feed off: the machine stays on, that feed says OFF, the other ON.
    let (rc, out) = fence(pa, "off");
    assert_eq!(rc, 0, "{out}");
    assert_eq!(power_of(&prov, "host1"), "on", "the other feed keeps it on");
    assert_eq!(runs(), 1);
    let (rc, out) = fence(pa, "status");
    assert!(rc == 2 && out.contains("Status: OFF"), "rc {rc}: {out}");
    let (rc, out) = fence(pb, "status");
    assert!(rc == 0 && out.contains("Status: ON"), "{out}");
    // fence_ipmilan's default, IPMI 1.5, says the same.
    let (rc, out) = fence_with(pa, "status", &[]);
    assert!(rc == 2 && out.contains("Status: OFF"), "rc {rc}: {out}");
    let (rc, out) = fence_with(pb, "status", &[]);
    assert!(rc == 0 && out.contains("Status: ON"), "rc {rc}: {out}");
    eventually(
        "show: machine on, feed a off",
        Duration::from_secs(10),
        || {
            let m = machine(&sim, "psu-a");
            m["power_on"] == true && m["feed_on"] == false && m["feeds"]["psu-b"] == true
        },
    );

    // Fencing off = both devices off: now the machine goes down, once.
    let (rc, out) = fence(pb, "off");
    assert_eq!(rc, 0, "{out}");
    assert_eq!(power_of(&prov, "host1"), "off");
    assert_eq!(runs(), 2);
    eventually("show: machine off", Duration::from_secs(10), || {
        machine(&sim, "psu-b")["power_on"] == false
    });

    // Both agents at once (oVirt's concurrent mode): on, then off; one provider run each.
    let both = |action: &'static str| {
        let a = std::thread::spawn(move || fence(pa, action));
        let b = std::thread::spawn(move || fence(pb, action));
        for (rc, out) in [a.join().unwrap(), b.join().unwrap()] {
            assert_eq!(rc, 0, "{action}: {out}");
        }
    };
    both("on");
    assert_eq!(power_of(&prov, "host1"), "on");
    assert_eq!(runs(), 3, "{}", read(&prov.join("log")));
    both("off");
    assert_eq!(power_of(&prov, "host1"), "off");
    assert_eq!(runs(), 4, "{}", read(&prov.join("log")));

    // A reboot of one device alone (fence_ipmilan's off+on) while the other feed is off
    // brings the machine up through that feed.
    let (rc, out) = fence(pa, "reboot");
    assert_eq!(rc, 0, "{out}");
    assert_eq!(power_of(&prov, "host1"), "on");
    let (rc, _) = fence(pb, "status");
    assert_eq!(rc, 2, "feed b is still off");

    // The feeds survive a daemon restart.
    eventually("feeds saved", Duration::from_secs(10), || {
        let m = machine(&sim, "psu-a");
        m["feed_on"] == true && m["feeds"]["psu-b"] == false
    });
    sim.stop_daemon();
    sim.serve();
    let (rc, out) = fence(pa, "status");
    assert!(rc == 0 && out.contains("Status: ON"), "{out}");
    let (rc, out) = fence(pb, "status");
    assert!(rc == 2 && out.contains("Status: OFF"), "{out}");
    // A third BMC of the machine must name the same provider.
    let pc = free_port().to_string();
    sim.ok(&[
        "add",
        "psu-c",
        "--address",
        "127.0.0.1",
        "--port",
        &pc,
        "--machine",
        "host1",
    ]);
    sim.fails(&["start", "psu-c"], "uses provider");
}

#[test]
fn topology_in_config_files_and_errors() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port();
    std::fs::create_dir_all(sim.home.path().join("bmcs")).unwrap();
    let file = format!(
        r#"address = "127.0.0.1"
port = {port}
username = "admin"
password = "password"
provider = "memory"
system_guid = "00112233445566778899aabbccddeeff"

[[nodes]]
address = "0x72"

[[nodes]]
address = "0x72"
transit = "0x82"
name = "cart1-node1"
"#
    );
    std::fs::write(sim.home.path().join("bmcs/cmf.toml"), file).unwrap();
    let show = sim.ok(&["show", "cmf"]);
    assert!(show.contains("cmf-72 -b 7 -t 0x72"), "{show}");
    assert!(
        show.contains("cart1-node1 -B 0 -T 0x82 -b 7 -t 0x72"),
        "{show}"
    );
    // Mistakes are named.
    sim.fails(&["add", "x", "--node", "0x73"], "slave addresses are even");
    sim.fails(&["add", "x", "--node", "0x20"], "chassis manager itself");
    sim.fails(
        &["add", "x", "--node", "0x72", "--node", "0x72"],
        "listed twice",
    );
    sim.fails(&["add", "x", "--node", "0x72,colour=red"], "unknown key");
    sim.fails(&["add", "x", "--machine", "bad name"], "machine");
    // An existing command line is unchanged by all this.
    sim.ok(&[
        "add",
        "plain",
        "--address",
        "127.0.0.1",
        "--port",
        &free_port().to_string(),
    ]);
    let cfg = std::fs::read_to_string(sim.home.path().join("bmcs/plain.toml")).unwrap();
    assert!(!cfg.contains("nodes") && !cfg.contains("machine"), "{cfg}");
    {
        sim.serve();
        sim.ok(&["start", "cmf"]);
        let out = bridged_ok(
            port,
            &["-B", "0", "-T", "0x82", "-b", "7", "-t", "0x72"],
            &["power", "on"],
        );
        assert!(out.contains("Up/On"), "{out}");
        eventually("saved", Duration::from_secs(10), || {
            let v = show_json(&sim, "cmf");
            v["nodes"][1]["power_on"] == true && v["nodes"][0]["power_on"] == false
        });
    }
}

/// A UDP relay in front of a BMC that loses the first second answer to one request (a
/// bridged answer that follows its Send Message response). Returns its port and a flag that
/// stops it; `dropped` counts what it lost.
fn lossy_relay(
    bmc_port: u16,
) -> (
    u16,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (stop2, dropped2) = (stop.clone(), dropped.clone());
    std::thread::spawn(move || {
        let bmc: std::net::SocketAddr = ([127, 0, 0, 1], bmc_port).into();
        let mut client = None;
        let mut answers = 0;
        let mut buf = [0u8; 2048];
        let start = std::time::Instant::now();
        while !stop2.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(120) {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                continue;
            };
            if from == bmc {
                answers += 1;
                if answers == 2 && dropped2.load(Ordering::Relaxed) == 0 {
                    dropped2.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if let Some(c) = client {
                    let _ = sock.send_to(&buf[..n], c);
                }
            } else {
                client = Some(from);
                answers = 0;
                let _ = sock.send_to(&buf[..n], bmc);
            }
        }
    });
    (port, stop, dropped)
}

#[test]
fn a_lost_bridged_answer_comes_again_on_the_consoles_retry() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let prov = sim.provider();
    let conf = prov.join("provider.conf");
    let port = free_port();
    sim.ok(&[
        "add",
        "cm",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--node",
        &format!("0x72,provider={},name=n72", conf.display()),
    ]);
    sim.serve();
    sim.ok(&["start", "cm"]);
    let (relay, stop, dropped) = lossy_relay(port);
    let t = std::time::Instant::now();
    let out = bridged_ok(relay, &["-b", "7", "-t", "0x72"], &["power", "on"]);
    assert!(out.contains("Up/On"), "{out}");
    assert_eq!(dropped.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    // The retry was answered from the cache: the provider ran once.
    let runs = read(&prov.join("log"))
        .lines()
        .filter(|l| l.starts_with("on n72"))
        .count();
    assert_eq!(runs, 1, "{}", read(&prov.join("log")));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
}

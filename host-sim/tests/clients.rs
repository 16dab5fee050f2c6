//! The real daemon through the real CLI, driven by real ipmitool and freeipmi processes, with
//! real provider scripts whose effects are checked in files.

mod common;
use common::*;

use std::path::Path;
use std::time::{Duration, Instant};

fn add_script_bmc(
    sim: &Sim,
    name: &str,
    addr: &str,
    port: u16,
    extra: &[&str],
) -> std::path::PathBuf {
    let dir = sim.provider();
    let conf = dir.join("provider.conf");
    let port = port.to_string();
    let mut args = vec![
        "add",
        name,
        "--address",
        addr,
        "--port",
        &port,
        "--provider",
        conf.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    sim.ok(&args);
    dir
}

fn log_count(dir: &Path, needle: &str) -> usize {
    read(&dir.join("log"))
        .lines()
        .filter(|l| l.starts_with(needle))
        .count()
}

#[test]
fn ipmitool_lifecycle_with_script_provider() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port();
    let dir = add_script_bmc(&sim, "node-1", "127.0.0.1", port, &[]);
    sim.serve();
    sim.ok(&["start", "node-1"]);

    assert!(lanplus_ok(port, &["power", "status"]).contains("Chassis Power is off"));
    lanplus_ok(port, &["power", "on"]);
    assert_eq!(read(&dir.join("power-node-1")), "on");
    assert_eq!(log_count(&dir, "on node-1 env=node-1"), 1);
    // Power on while on succeeds and runs no `on` script again.
    lanplus_ok(port, &["power", "on"]);
    assert_eq!(log_count(&dir, "on node-1"), 1);
    assert!(lanplus_ok(port, &["power", "status"]).contains("Chassis Power is on"));

    // One-shot PXE: `[BOOT] set` runs with shipmi's name, and the flags show in param 5.
    lanplus_ok(port, &["chassis", "bootdev", "pxe"]);
    assert_eq!(read(&dir.join("boot-node-1")), "network 0 0");
    let p5 = lanplus_ok(port, &["chassis", "bootparam", "get", "5"]);
    assert!(p5.contains("Force PXE") && p5.contains("next boot"), "{p5}");
    // The next reset applies the flags (set runs again before it) and consumes them.
    lanplus_ok(port, &["power", "reset"]);
    let log = read(&dir.join("log"));
    let reset_at = log
        .lines()
        .position(|l| l.starts_with("reset node-1"))
        .expect(&log);
    assert!(
        log.lines()
            .take(reset_at)
            .filter(|l| l.starts_with("bootset node-1 network"))
            .count()
            >= 2,
        "{log}"
    );
    let p5 = lanplus_ok(port, &["chassis", "bootparam", "get", "5"]);
    assert!(
        p5.contains("Boot Flag Invalid"),
        "one-shot flags must be cleared after the reset: {p5}"
    );

    // Persistent + EFI stays across boots.
    lanplus_ok(
        port,
        &["chassis", "bootdev", "disk", "options=persistent,efiboot"],
    );
    assert_eq!(read(&dir.join("boot-node-1")), "hd 1 1");
    lanplus_ok(port, &["power", "cycle"]);
    let log = read(&dir.join("log"));
    assert!(
        log.contains("off node-1") && log.lines().last().unwrap().starts_with("on node-1"),
        "{log}"
    );
    let p5 = lanplus_ok(port, &["chassis", "bootparam", "get", "5"]);
    assert!(
        p5.contains("Hard-Drive") && p5.contains("all future boots") && p5.contains("EFI"),
        "{p5}"
    );

    lanplus_ok(port, &["power", "soft"]);
    assert!(read(&dir.join("log")).contains("shutdown node-1"));
    assert_eq!(read(&dir.join("power-node-1")), "off");
    lanplus_ok(port, &["power", "off"]);
    assert_eq!(
        log_count(&dir, "off node-1"),
        1,
        "off while off runs no script"
    );
    assert!(lanplus_ok(port, &["power", "status"]).contains("Chassis Power is off"));
    // No diag script in this provider: C1, reported as a failure.
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["power", "diag"],
    );
    assert!(!o.status.success(), "{}", text(&o));

    // The daemon logs peer, command, result, and the script runs with their status.
    let dlog = sim.log_text();
    assert!(
        dlog.contains("chassis action") && dlog.contains("127.0.0.1:"),
        "{dlog}"
    );
    assert!(
        dlog.contains("script ran") && dlog.contains("exit status 0"),
        "{dlog}"
    );

    sim.ok(&["stop", "node-1"]);
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-R", "1", "-N", "1", "power", "status"],
    );
    assert!(!o.status.success(), "a stopped BMC must not answer");
    sim.ok(&["delete", "node-1"]);
    assert!(!sim.ok(&["list"]).contains("node-1"));
}

#[test]
fn freeipmi_lifecycle_with_script_provider() {
    require_tool("ipmipower");
    require_tool("ipmi-chassis-config");
    let mut sim = Sim::new();
    let port = free_port();
    let dir = add_script_bmc(&sim, "fi-1", "127.0.0.1", port, &[]);
    sim.serve();
    sim.ok(&["start", "fi-1"]);

    let o = freeipmi("ipmipower", port, &["--stat"]);
    assert!(text(&o).contains(": off"), "{}", text(&o));
    let o = freeipmi("ipmipower", port, &["--on"]);
    assert!(text(&o).contains(": ok"), "{}", text(&o));
    assert_eq!(read(&dir.join("power-fi-1")), "on");
    assert!(text(&freeipmi("ipmipower", port, &["--stat"])).contains(": on"));

    // Boot flags through ipmi-chassis-config, one-shot then persistent EFI.
    let cfg = sim.home.path().join("boot.conf");
    for (persistent, efi, device, expect) in [
        ("No", None, "PXE", "network 0 0"),
        ("Yes", Some("EFI"), "PXE", "network 1 1"),
    ] {
        let mut body =
            format!("Section Chassis_Boot_Flags\n\tBoot_Flags_Persistent {persistent}\n");
        if let Some(e) = efi {
            body.push_str(&format!("\tBIOS_Boot_Type {e}\n"));
        }
        body.push_str(&format!("\tBoot_Device {device}\nEndSection\n"));
        std::fs::write(&cfg, body).unwrap();
        let o = freeipmi(
            "ipmi-chassis-config",
            port,
            &[
                "-l",
                "ADMIN",
                "--commit",
                "--filename",
                cfg.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(read(&dir.join("boot-fi-1")), expect);
        let o = freeipmi(
            "ipmi-chassis-config",
            port,
            &[
                "-l",
                "ADMIN",
                "--checkout",
                "--section",
                "Chassis_Boot_Flags",
            ],
        );
        let t = text(&o);
        assert!(t.contains("Boot_Device") && t.contains("PXE"), "{t}");
        assert!(
            t.lines()
                .any(|l| l.contains("Boot_Flags_Persistent") && l.contains(persistent)),
            "{t}"
        );
    }
    let o = freeipmi("ipmipower", port, &["--off"]);
    assert!(text(&o).contains(": ok"), "{}", text(&o));
    assert_eq!(read(&dir.join("power-fi-1")), "off");
    sim.ok(&["stop", "fi-1"]);
    sim.ok(&["delete", "fi-1"]);
}

/// MAAS: ipmi-chassis-config --commit of Chassis_Boot_Flags, then ipmipower --cycle --on-if-off,
/// --stat, --off / --soft; suites 17, 3, 8, 12; OPERATOR and ADMIN; with and without K_g;
/// `-W opensesspriv` (MAAS's default) and without it.
#[test]
fn maas_sequences() {
    require_tool("ipmipower");
    require_tool("ipmi-chassis-config");
    let mut sim = Sim::new();
    let p_plain = free_port();
    let p_kg = free_port();
    sim.ok(&[
        "add",
        "maas",
        "--address",
        "127.0.0.1",
        "--port",
        &p_plain.to_string(),
    ]);
    sim.ok(&[
        "add",
        "maas-kg",
        "--address",
        "127.0.0.1",
        "--port",
        &p_kg.to_string(),
        "--kg",
        "0x6b65796b6579",
    ]);
    sim.serve();
    sim.ok(&["start", "maas"]);
    sim.ok(&["start", "maas-kg"]);
    let cfg = sim.home.path().join("maas-boot.conf");
    std::fs::write(
        &cfg,
        "Section Chassis_Boot_Flags\n        Boot_Flags_Persistent                         No\n        BIOS_Boot_Type                                EFI\n        Boot_Device                                   PXE\nEndSection\n",
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap().to_string();
    for (port, kg) in [(p_plain, None), (p_kg, Some("0x6b65796b6579"))] {
        for suite in ["17", "3", "8", "12"] {
            for level in ["OPERATOR", "ADMIN"] {
                for workaround in [true, false] {
                    let mut common: Vec<&str> = Vec::new();
                    if workaround {
                        common.extend(["-W", "opensesspriv"]);
                    }
                    common.extend(["-I", suite, "-l", level]);
                    if let Some(k) = kg {
                        common.extend(["-k", k]);
                    }
                    let ctx = format!("port {port} kg {kg:?} suite {suite} {level} W {workaround}");
                    let mut a = common.clone();
                    a.extend(["--commit", "--filename", &cfg]);
                    let o = freeipmi("ipmi-chassis-config", port, &a);
                    assert!(
                        o.status.success() && o.stderr.is_empty(),
                        "{ctx}: {}",
                        text(&o)
                    );
                    let mut a = common.clone();
                    a.extend(["--cycle", "--on-if-off"]);
                    let o = freeipmi("ipmipower", port, &a);
                    assert!(text(&o).contains(": ok"), "{ctx}: {}", text(&o));
                    let mut a = common.clone();
                    a.push("--stat");
                    assert!(
                        text(&freeipmi("ipmipower", port, &a)).contains(": on"),
                        "{ctx}"
                    );
                    let mut a = common.clone();
                    a.push(if workaround { "--off" } else { "--soft" });
                    assert!(
                        text(&freeipmi("ipmipower", port, &a)).contains(": ok"),
                        "{ctx}"
                    );
                    let mut a = common.clone();
                    a.push("--stat");
                    assert!(
                        text(&freeipmi("ipmipower", port, &a)).contains(": off"),
                        "{ctx}"
                    );
                }
            }
        }
    }
    // A wrong K_g is refused.
    let o = freeipmi("ipmipower", p_kg, &["-I", "17", "-k", "0x0000", "--stat"]);
    assert!(
        !text(&o).contains(": on") && !text(&o).contains(": off"),
        "{}",
        text(&o)
    );
}

/// ironic (ipmitool lanplus): raw "don't clear boot flags", raw param 5 with E0/C0/A0/80, bootdev,
/// power polling, power on while on.
#[test]
fn ironic_sequences() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "ironic-1",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--username",
        "ironic",
        "--password",
        "s3cret",
    ]);
    sim.serve();
    sim.ok(&["start", "ironic-1"]);
    let pwfile = sim.home.path().join("pw");
    std::fs::write(&pwfile, "s3cret\n").unwrap();
    let ironic = |args: &[&str]| {
        let mut a = vec![
            "-L",
            "ADMINISTRATOR",
            "-R",
            "12",
            "-N",
            "5",
            "-f",
            pwfile.to_str().unwrap(),
        ];
        a.extend_from_slice(args);
        let mut c = std::process::Command::new("ipmitool");
        c.args([
            "-I",
            "lanplus",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "ironic",
        ])
        .args(&a);
        let o = run_timeout(c, Duration::from_secs(90));
        assert!(o.status.success(), "ipmitool {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    for (byte, persistent, efi) in [
        ("0xe0", true, true),
        ("0xc0", true, false),
        ("0xa0", false, true),
        ("0x80", false, false),
    ] {
        ironic(&["raw", "0x00", "0x08", "0x03", "0x08"]);
        ironic(&[
            "raw", "0x00", "0x08", "0x05", byte, "0x04", "0x00", "0x00", "0x00",
        ]);
        let got = ironic(&["raw", "0x00", "0x09", "0x05", "0x00", "0x00"]);
        let bytes: Vec<u8> = got
            .split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        assert_eq!(bytes[0], 0x01, "{got}");
        assert_eq!(bytes[1] & 0x7f, 0x05, "{got}");
        assert_eq!(bytes[2] & 0x80, 0x80, "valid: {got}");
        assert_eq!(bytes[2] & 0x40 != 0, persistent, "{got}");
        assert_eq!(bytes[2] & 0x20 != 0, efi, "{got}");
        assert_eq!((bytes[3] >> 2) & 0x0f, 1, "PXE: {got}");
    }
    ironic(&["chassis", "bootdev", "pxe", "options=efiboot"]);
    assert!(ironic(&["power", "status"]).contains("off"));
    ironic(&["power", "on"]);
    assert!(ironic(&["power", "status"]).contains("on"));
    ironic(&["power", "on"]);
    assert!(ironic(&["power", "status"]).contains("on"));
    ironic(&["power", "off"]);
    assert!(ironic(&["power", "status"]).contains("off"));
    ironic(&["power", "off"]);
    ironic(&["power", "reset"]);
    assert!(ironic(&["power", "status"]).contains("on"));
}

/// fence_ipmilan: ipmitool `-I lan` (IPMI 1.5, MD5) and `-I lanplus`: status, on, off, cycle.
#[test]
fn fence_ipmilan_sequences() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "fence-1",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    sim.serve();
    sim.ok(&["start", "fence-1"]);
    for iface in ["lan", "lanplus"] {
        let run = |args: &[&str]| {
            let mut a = vec!["-L", "ADMINISTRATOR"];
            a.extend_from_slice(args);
            let o = ipmitool(iface, "127.0.0.1", port, "admin", "password", &a);
            assert!(o.status.success(), "{iface} {args:?}: {}", text(&o));
            text(&o)
        };
        run(&["chassis", "power", "off"]);
        assert!(run(&["chassis", "power", "status"]).contains("Chassis Power is off"));
        run(&["chassis", "power", "on"]);
        assert!(run(&["chassis", "power", "status"]).contains("Chassis Power is on"));
        run(&["chassis", "power", "cycle"]);
        assert!(run(&["chassis", "power", "status"]).contains("Chassis Power is on"));
    }
    // A wrong password gets nothing.
    let o = ipmitool(
        "lan",
        "127.0.0.1",
        port,
        "admin",
        "wrong",
        &["-R", "1", "-N", "1", "chassis", "power", "status"],
    );
    assert!(!o.status.success());
}

/// A hanging status script times out (its whole process group killed) while another BMC on the
/// same port (another address) keeps answering, and new sessions to the hanging BMC still open.
#[test]
fn hanging_script_times_out_while_others_answer() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port_on(&["127.0.0.2", "127.0.0.3"]);
    let dir = sim.home.path().join("slow");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("slow.conf"),
        "[POWER]\nstatus = sleep 1000 & echo $! > sleeper.pid; wait\non = true\n",
    )
    .unwrap();
    sim.ok(&[
        "add",
        "slow",
        "--address",
        "127.0.0.2",
        "--port",
        &port.to_string(),
        "--provider",
        dir.join("slow.conf").to_str().unwrap(),
        "--script-timeout",
        "6",
    ]);
    sim.ok(&[
        "add",
        "fast",
        "--address",
        "127.0.0.3",
        "--port",
        &port.to_string(),
    ]);
    sim.serve();
    sim.ok(&["start", "slow"]);
    sim.ok(&["start", "fast"]);

    let hanging = std::thread::spawn(move || {
        ipmitool(
            "lanplus",
            "127.0.0.2",
            port,
            "admin",
            "password",
            &["-N", "2", "-R", "4", "power", "status"],
        )
    });
    eventually("the slow script to start", Duration::from_secs(10), || {
        dir.join("sleeper.pid").exists()
    });
    for _ in 0..3 {
        let t = Instant::now();
        let o = ipmitool(
            "lanplus",
            "127.0.0.3",
            port,
            "admin",
            "password",
            &["power", "status"],
        );
        assert!(
            o.status.success() && text(&o).contains("Chassis Power is off"),
            "{}",
            text(&o)
        );
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "the fast BMC was delayed: {:?}",
            t.elapsed()
        );
    }
    // Session set-up and other commands on the slow BMC itself still work meanwhile.
    let t = Instant::now();
    let o = ipmitool(
        "lanplus",
        "127.0.0.2",
        port,
        "admin",
        "password",
        &["chassis", "bootparam", "get", "5"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "the slow BMC's other sessions were delayed"
    );
    // All of that happened while the script still hung, so it proves something.
    let pid: i32 = read(&dir.join("sleeper.pid")).parse().unwrap();
    assert!(
        Path::new(&format!("/proc/{pid}")).exists() && !sim.log_text().contains("timed out after"),
        "the slow script ended too early"
    );

    let o = hanging.join().unwrap();
    assert!(
        !o.status.success() || !text(&o).contains("Chassis Power is"),
        "{}",
        text(&o)
    );
    eventually("the time-out to be logged", Duration::from_secs(10), || {
        sim.log_text().contains("timed out after")
    });
    eventually(
        "the script's process group to be gone",
        Duration::from_secs(5),
        || match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(s) => s.split_whitespace().nth(2) == Some("Z"),
        },
    );
}

/// Names and boot devices never reach a shell unvalidated: nothing an attacker sends runs.
#[test]
fn injection_attempts_run_nothing() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let pwned = sim.home.path().join("PWNED");
    let evil = "x$(touch PWNED)".to_string();
    sim.fails(&["add", &evil], "invalid BMC name");
    sim.fails(&["add", "x;touch PWNED"], "invalid BMC name");
    // A hand-made config file whose name is an injection is refused by the daemon too.
    let port = free_port();
    let dir = add_script_bmc(&sim, "ok-1", "127.0.0.1", port, &[]);
    let good = std::fs::read_to_string(sim.home.path().join("bmcs/ok-1.toml")).unwrap();
    let other_port = free_port();
    std::fs::write(
        sim.home.path().join(format!("bmcs/{evil}.toml")),
        good.replace(&format!("port = {port}"), &format!("port = {other_port}")),
    )
    .unwrap();
    std::fs::write(
        sim.home.path().join(format!("state/{evil}.toml")),
        "running = true\n",
    )
    .unwrap();
    sim.serve();
    assert!(
        sim.log_text().contains("invalid BMC name"),
        "{}",
        sim.log_text()
    );
    sim.ok(&["start", "ok-1"]);
    // Boot device bytes of every selector value, including reserved ones: the script only ever
    // sees one of shipmi's fixed names.
    for dev in 0u8..16 {
        let b = format!("0x{:02x}", dev << 2);
        lanplus_ok(
            port,
            &[
                "raw", "0x00", "0x08", "0x05", "0x80", &b, "0x00", "0x00", "0x00",
            ],
        );
        let got = read(&dir.join("boot-ok-1"));
        let name = got.split_whitespace().next().unwrap_or("");
        assert!(
            ["default", "network", "hd", "safe", "diag", "optical", "setup", "floppy"]
                .contains(&name),
            "device {dev}: {got}"
        );
    }
    assert!(!pwned.exists());
    assert!(!dir.join("PWNED").exists());
    assert!(!std::path::Path::new("PWNED").exists());
}

/// The daemon restarted keeps its BMCs (running ones restarted, stopped ones stopped) and
/// their state (power, boot flags).
#[test]
fn restart_keeps_bmcs_and_state() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let port = free_port();
    let port2 = free_port();
    sim.ok(&[
        "add",
        "keep",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    sim.ok(&[
        "add",
        "idle",
        "--address",
        "127.0.0.1",
        "--port",
        &port2.to_string(),
    ]);
    sim.serve();
    sim.ok(&["start", "keep"]);
    lanplus_ok(port, &["power", "on"]);
    lanplus_ok(
        port,
        &["chassis", "bootdev", "pxe", "options=persistent,efiboot"],
    );
    sim.stop_daemon();
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-R", "1", "-N", "1", "power", "status"],
    );
    assert!(!o.status.success());

    sim.serve();
    assert!(lanplus_ok(port, &["power", "status"]).contains("Chassis Power is on"));
    let p5 = lanplus_ok(port, &["chassis", "bootparam", "get", "5"]);
    assert!(
        p5.contains("Force PXE") && p5.contains("all future boots") && p5.contains("EFI"),
        "{p5}"
    );
    let v: serde_json::Value = serde_json::from_str(&sim.ok(&["list", "--json"])).unwrap();
    let status = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == n)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("keep"), "running");
    assert_eq!(status("idle"), "stopped");
}

/// IPv6 and many BMCs on one address (several ports).
#[test]
fn ipv6_and_many_ports_on_one_address() {
    require_tool("ipmitool");
    require_tool("ipmipower");
    let mut sim = Sim::new();
    let p6 = std::net::UdpSocket::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sim.ok(&["add", "v6", "--address", "::1", "--port", &p6.to_string()]);
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    for (i, p) in ports.iter().enumerate() {
        sim.ok(&[
            "add",
            &format!("m{i}"),
            "--address",
            "127.0.0.1",
            "--port",
            &p.to_string(),
        ]);
    }
    sim.serve();
    sim.ok(&["start", "v6"]);
    for i in 0..3 {
        sim.ok(&["start", &format!("m{i}")]);
    }
    let o = ipmitool("lanplus", "::1", p6, "admin", "password", &["power", "on"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut c = std::process::Command::new("ipmipower");
    c.args([
        "--driver-type",
        "LAN_2_0",
        "-h",
        &format!("[::1]:{p6}"),
        "-u",
        "admin",
        "-p",
        "password",
        "--stat",
    ]);
    let o = run_timeout(c, Duration::from_secs(60));
    assert!(text(&o).contains(": on"), "{}", text(&o));
    // Each port is its own machine.
    lanplus_ok(ports[1], &["power", "on"]);
    assert!(lanplus_ok(ports[0], &["power", "status"]).contains("off"));
    assert!(lanplus_ok(ports[1], &["power", "status"]).contains("on"));
    assert!(lanplus_ok(ports[2], &["power", "status"]).contains("off"));
}

/// The first 64 BMCs get a datagram thread each; the rest share epoll workers, which start with
/// the first BMC they serve. Both kinds answer, stop (the port is free again) and start again.
#[test]
fn bmcs_beyond_the_dedicated_threads() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let ports: Vec<u16> = (0..70).map(|_| free_port()).collect();
    for (i, p) in ports.iter().enumerate() {
        sim.ok(&["add", &format!("n{i}"), "--port", &p.to_string()]);
    }
    sim.serve();
    for i in 0..70 {
        sim.ok(&["start", &format!("n{i}")]);
    }
    lanplus_ok(ports[69], &["power", "on"]);
    assert!(lanplus_ok(ports[69], &["power", "status"]).contains("on"));
    assert!(lanplus_ok(ports[65], &["power", "status"]).contains("off"));
    assert!(lanplus_ok(ports[0], &["power", "status"]).contains("off"));
    for i in [0, 69] {
        sim.ok(&["stop", &format!("n{i}")]);
        // Stopped means the socket is closed: the port can be bound again at once.
        drop(std::net::UdpSocket::bind(("127.0.0.1", ports[i])).expect("port still bound"));
        sim.ok(&["start", &format!("n{i}")]);
    }
    assert!(lanplus_ok(ports[69], &["power", "status"]).contains("on"));
    assert!(lanplus_ok(ports[0], &["power", "status"]).contains("off"));
}

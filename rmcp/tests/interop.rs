//! Real ipmitool and freeipmi processes against the endpoint over real UDP on loopback.
//! Every suite each client can speak, IPMI 1.5, K_g, privilege levels, bad credentials,
//! replays and malformed datagrams.
mod support;

use std::time::Duration;

use ipmi_core::bmc::Action;
use ipmi_core::Privilege;
use support::{config, exchange, freeipmi, ipmitool, run, UdpBmc};

fn all_suites_config() -> rmcp::server::Config<8> {
    let mut c = config();
    c.set_suites(&rmcp::server::KNOWN_SUITES).unwrap();
    c
}

fn assert_ok(r: &support::Run, needle: &str) {
    assert!(
        r.ok() && r.stdout.contains(needle),
        "expected {needle:?}\n{}",
        r.text()
    );
}

/// ipmitool lanplus, every suite it speaks: power status, chassis status, mc info, bootdev,
/// bootparam get 5.
#[test]
fn ipmitool_every_suite() {
    let bmc = UdpBmc::start(all_suites_config());
    for suite in ["0", "1", "2", "3", "6", "7", "8", "15", "16", "17"] {
        let c = ["-C", suite];
        let r = ipmitool(
            bmc.port,
            "admin",
            "password",
            &c,
            &["chassis", "power", "status"],
        );
        assert_ok(&r, "Chassis Power is off");
        let r = ipmitool(bmc.port, "admin", "password", &c, &["chassis", "status"]);
        assert_ok(&r, "System Power         : off");
        let r = ipmitool(bmc.port, "admin", "password", &c, &["mc", "info"]);
        assert_ok(&r, "IPMI Version              : 2.0");
        let r = ipmitool(
            bmc.port,
            "admin",
            "password",
            &c,
            &["chassis", "bootdev", "pxe"],
        );
        assert_ok(&r, "Set Boot Device to pxe");
        let r = ipmitool(
            bmc.port,
            "admin",
            "password",
            &c,
            &["chassis", "bootparam", "get", "5"],
        );
        assert_ok(&r, "Force PXE");
    }
}

/// Suite 0 is refused unless configured (CVE-2013-4782).
#[test]
fn suite_zero_off_by_default() {
    let bmc = UdpBmc::start(config());
    let r = ipmitool(
        bmc.port,
        "admin",
        "wrong",
        &["-C", "0"],
        &["chassis", "power", "status"],
    );
    assert!(!r.ok(), "{}", r.text());
    assert!(
        r.elapsed < Duration::from_secs(5),
        "must fail fast: {:?}",
        r.elapsed
    );
}

/// Without -C, ipmitool asks for the cipher suites and picks 17.
#[test]
fn ipmitool_negotiates_17() {
    let bmc = UdpBmc::start(config());
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-v"],
        &["chassis", "power", "status"],
    );
    assert_ok(&r, "Chassis Power is off");
    assert!(
        r.stderr.contains("cipher suite 17")
            || r.stderr.contains("Cipher Suite: 17")
            || r.stderr.contains("suite ID            : 17")
            || r.stdout.contains("17"),
        "expected suite 17 to be chosen\n{}",
        r.text()
    );
    assert!(
        r.elapsed < Duration::from_secs(5),
        "no 10 s hang: {:?}",
        r.elapsed
    );
}

/// Power on and off through ipmitool reach the platform exactly once each.
#[test]
fn ipmitool_power_control() {
    let bmc = UdpBmc::start(config());
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-C", "3"],
        &["chassis", "power", "on"],
    );
    assert_ok(&r, "Chassis Power Control: Up/On");
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-C", "17"],
        &["chassis", "power", "status"],
    );
    assert_ok(&r, "Chassis Power is on");
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-C", "17"],
        &["chassis", "power", "off"],
    );
    assert_ok(&r, "Chassis Power Control: Down/Off");
    let controls = bmc
        .actions()
        .iter()
        .filter(|a| matches!(a, Action::Control { .. }))
        .count();
    assert_eq!(controls, 2);
}

/// freeipmi, every suite it speaks (the oracle for 11 and 12).
#[test]
fn freeipmi_every_suite() {
    let bmc = UdpBmc::start(all_suites_config());
    for suite in [
        "0", "1", "2", "3", "6", "7", "8", "11", "12", "15", "16", "17",
    ] {
        let r = freeipmi(
            "ipmipower",
            bmc.port,
            "admin",
            "password",
            &["-I", suite, "--stat"],
        );
        assert_ok(&r, ": off");
        let r = freeipmi(
            "ipmi-chassis",
            bmc.port,
            "admin",
            "password",
            &["-I", suite, "-l", "ADMIN", "--get-chassis-status"],
        );
        assert_ok(&r, "System Power                        : off");
        let r = freeipmi(
            "bmc-info",
            bmc.port,
            "admin",
            "password",
            &["-I", suite, "--get-device-id"],
        );
        assert_ok(&r, "IPMI Version");
    }
}

/// IPMI 1.5 with MD5, as fence_ipmilan uses it.
#[test]
fn ipmitool_lan_md5() {
    let bmc = UdpBmc::start(config());
    let port = bmc.port.to_string();
    let base = [
        "-I",
        "lan",
        "-H",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "admin",
        "-P",
        "password",
    ];
    for (cmd, needle) in [
        (&["chassis", "power", "status"][..], "Chassis Power is off"),
        (&["chassis", "power", "on"][..], "Up/On"),
        (&["chassis", "power", "status"][..], "Chassis Power is on"),
        (&["mc", "info"][..], "IPMI Version"),
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(cmd);
        let r = run("ipmitool", &args, Duration::from_secs(30));
        assert_ok(&r, needle);
    }
    // freeipmi's IPMI 1.5 driver too.
    let host = format!("127.0.0.1:{}", bmc.port);
    let r = run(
        "ipmipower",
        &[
            "-D", "LAN", "-h", &host, "-u", "admin", "-p", "password", "--stat",
        ],
        Duration::from_secs(30),
    );
    assert_ok(&r, ": on");
}

/// K_g with both clients, as text and hex.
#[test]
fn kg_both_clients() {
    let mut c = config();
    c.set_kg(Some(b"kgkgkgkgkgkgkgkgkgkg")).unwrap();
    let bmc = UdpBmc::start(c);
    for suite in ["3", "17"] {
        let r = ipmitool(
            bmc.port,
            "admin",
            "password",
            &["-C", suite, "-k", "kgkgkgkgkgkgkgkgkgkg"],
            &["chassis", "power", "status"],
        );
        assert_ok(&r, "Chassis Power is off");
        let r = ipmitool(
            bmc.port,
            "admin",
            "password",
            &[
                "-C",
                suite,
                "-y",
                "6b676b676b676b676b676b676b676b676b676b67",
            ],
            &["chassis", "power", "status"],
        );
        assert_ok(&r, "Chassis Power is off");
        let r = freeipmi(
            "ipmipower",
            bmc.port,
            "admin",
            "password",
            &["-I", suite, "-k", "kgkgkgkgkgkgkgkgkgkg", "--stat"],
        );
        assert_ok(&r, ": off");
    }
    // Without the key the session cannot be completed, and the client says so at once.
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-C", "3"],
        &["chassis", "power", "status"],
    );
    assert!(!r.ok(), "{}", r.text());
}

/// Privilege levels: User may read, Operator may act, Operator may not administer.
#[test]
fn privilege_levels() {
    let bmc = UdpBmc::start(config());
    let r = ipmitool(
        bmc.port,
        "user",
        "userpass",
        &["-C", "17", "-L", "USER"],
        &["chassis", "power", "status"],
    );
    assert_ok(&r, "Chassis Power is off");
    let r = ipmitool(
        bmc.port,
        "user",
        "userpass",
        &["-C", "17", "-L", "USER"],
        &["chassis", "power", "on"],
    );
    assert!(!r.ok() || !r.stdout.contains("Up/On"), "{}", r.text());
    let r = ipmitool(
        bmc.port,
        "operator",
        "oppass",
        &["-C", "17", "-L", "OPERATOR"],
        &["chassis", "power", "on"],
    );
    assert_ok(&r, "Up/On");
    // Set User Name needs Administrator: refused with D4 for an operator.
    let r = ipmitool(
        bmc.port,
        "operator",
        "oppass",
        &["-C", "17", "-L", "OPERATOR"],
        &["user", "set", "name", "5", "eve"],
    );
    assert!(!r.ok(), "{}", r.text());
    assert!(
        r.stderr.contains("Insufficient privilege") || r.stderr.contains("0xd4"),
        "{}",
        r.text()
    );
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-C", "17"],
        &["user", "set", "name", "5", "eve"],
    );
    assert!(r.ok(), "{}", r.text());
    // An operator asking for Administrator is refused at RAKP2 with a clear status.
    let r = ipmitool(
        bmc.port,
        "operator",
        "oppass",
        &["-C", "17", "-L", "ADMINISTRATOR"],
        &["chassis", "power", "status"],
    );
    assert!(!r.ok(), "{}", r.text());
    let r = freeipmi(
        "ipmipower",
        bmc.port,
        "operator",
        "oppass",
        &["-I", "17", "-l", "OPERATOR", "--stat"],
    );
    assert_ok(&r, ": on");
}

/// Wrong password and unknown user fail at once with the right message.
#[test]
fn bad_credentials_fail_fast() {
    let bmc = UdpBmc::start(config());
    // ipmitool names the reason at -v.
    let r = ipmitool(
        bmc.port,
        "admin",
        "nope",
        &["-C", "17", "-v"],
        &["chassis", "power", "status"],
    );
    assert!(!r.ok(), "{}", r.text());
    assert!(r.stderr.contains("RAKP 2 HMAC is invalid"), "{}", r.text());
    assert!(r.elapsed < Duration::from_secs(5), "{:?}", r.elapsed);
    let r = ipmitool(
        bmc.port,
        "mallory",
        "password",
        &["-C", "17", "-v"],
        &["chassis", "power", "status"],
    );
    assert!(!r.ok(), "{}", r.text());
    assert!(r.stderr.contains("unauthorized name"), "{}", r.text());
    assert!(r.elapsed < Duration::from_secs(5), "{:?}", r.elapsed);
    let r = freeipmi(
        "ipmipower",
        bmc.port,
        "admin",
        "nope",
        &["-I", "3", "--stat"],
    );
    assert!(
        r.stdout.contains("password invalid") || r.stderr.contains("password invalid"),
        "{}",
        r.text()
    );
    let r = freeipmi(
        "ipmipower",
        bmc.port,
        "mallory",
        "password",
        &["-I", "3", "--stat"],
    );
    assert!(
        r.stdout.contains("username invalid") || r.stderr.contains("username invalid"),
        "{}",
        r.text()
    );
}

/// Malformed datagrams of every length get no reply and no panic; the BMC keeps serving.
#[test]
fn malformed_datagrams_dropped() {
    let bmc = UdpBmc::start(config());
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let to = format!("127.0.0.1:{}", bmc.port);
    let mut seed = 0x1234_5678u32;
    for len in 0..600usize {
        let mut d: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        if len >= 4 && len % 2 == 0 {
            // Half of them look like RMCP/IPMI so they get past the first check.
            d[..4].copy_from_slice(&[0x06, 0x00, 0xff, 0x07]);
        }
        if len >= 5 && len % 4 == 0 {
            d[4] = 0x06;
        }
        sock.send_to(&d, &to).unwrap();
        if len % 64 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    // The first and only reply is the pong to this ping, sent after all the garbage.
    sock.send_to(
        &[
            0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x09, 0x00, 0x00,
        ],
        &to,
    )
    .unwrap();
    let mut buf = [0u8; 2048];
    let (n, _) = sock.recv_from(&mut buf).expect("the BMC still answers");
    assert_eq!(n, 28, "a reply to garbage: {:02x?}", &buf[..n]);
    assert_eq!(buf[9], 0x09, "pong to our ping");
    let r = ipmitool(
        bmc.port,
        "admin",
        "password",
        &["-C", "17"],
        &["chassis", "power", "status"],
    );
    assert_ok(&r, "Chassis Power is off");
}

/// The ASF presence ping is answered with a pong announcing IPMI.
#[test]
fn presence_ping() {
    let bmc = UdpBmc::start(config());
    let pong = exchange(
        bmc.port,
        &[
            0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x07, 0x00, 0x00,
        ],
    )
    .expect("pong");
    assert_eq!(pong.len(), 28);
    assert_eq!(
        &pong[..10],
        &[0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x40, 0x07]
    );
    assert_eq!(pong[20], 0x81);
}

/// Every in-session client datagram arrives twice (a replay of each, from the same peer): the
/// client still works and the chassis action runs exactly once.
#[test]
fn replayed_datagrams_have_no_second_effect() {
    let bmc = UdpBmc::start(config());
    for (driver, suite) in [("lanplus", "3"), ("lanplus", "17"), ("lan", "")] {
        let before = bmc.actions().len();
        let proxy = support::Relay::start(bmc.port, support::Mischief::DuplicateInSession);
        let port = proxy.port.to_string();
        let mut args = vec![
            "-I",
            driver,
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "admin",
            "-P",
            "password",
        ];
        if !suite.is_empty() {
            args.extend_from_slice(&["-C", suite]);
        }
        args.extend_from_slice(&["chassis", "power", "cycle"]);
        let r = run("ipmitool", &args, Duration::from_secs(30));
        assert_ok(&r, "Cycle");
        let controls = bmc.actions()[before..]
            .iter()
            .filter(|a| matches!(a, Action::Control { .. }))
            .count();
        assert_eq!(controls, 1, "{driver} {suite}: {:?}", bmc.actions());
        assert!(proxy.mischief_done() > 3);
    }
    let _ = Privilege::User;
}

/// A lost reply at any step of the session set-up, or of the first request in the session, is
/// recovered by the client's own retransmission: the command goes through and runs once.
#[test]
fn lost_replies_are_recovered_by_retransmission() {
    use support::{Mischief, Relay, Reply};
    const V20: &[Reply] = &[
        Reply::OpenSession,
        Reply::Rakp2,
        Reply::Rakp4,
        Reply::InSession,
    ];
    const V15: &[Reply] = &[Reply::Challenge, Reply::Activate, Reply::InSession];
    let bmc = UdpBmc::start(config());
    let cases: [(&str, &[Reply], &[&str]); 5] = [
        ("ipmitool", V20, &["-I", "lanplus", "-C", "3"]),
        ("ipmitool", V20, &["-I", "lanplus", "-C", "17"]),
        ("ipmitool", V15, &["-I", "lan"]),
        ("ipmipower", V20, &["-D", "LAN_2_0"]),
        ("ipmipower", V15, &["-D", "LAN"]),
    ];
    for (tool, lose, driver) in cases {
        let before = bmc.actions().len();
        let relay = Relay::start(bmc.port, Mischief::LoseFirstReplyOf(lose));
        let port = relay.port.to_string();
        let host = format!("127.0.0.1:{port}");
        let mut args: Vec<&str> = driver.to_vec();
        let r = if tool == "ipmitool" {
            args.extend_from_slice(&["-H", "127.0.0.1", "-p", &port, "-U", "admin"]);
            args.extend_from_slice(&["-P", "password", "-N", "1", "-R", "4"]);
            args.extend_from_slice(&["chassis", "power", "on"]);
            run(tool, &args, Duration::from_secs(60))
        } else {
            args.extend_from_slice(&["-h", &host, "-u", "admin", "-p", "password", "--on"]);
            run(tool, &args, Duration::from_secs(60))
        };
        let what = format!("{tool} {driver:?}");
        let said = if tool == "ipmitool" { "Up/On" } else { ": ok" };
        assert!(r.ok() && r.stdout.contains(said), "{what}: {}", r.text());
        assert_eq!(relay.mischief_done(), lose.len(), "{what}: replies lost");
        let controls = bmc.actions()[before..]
            .iter()
            .filter(|a| matches!(a, Action::Control { .. }))
            .count();
        assert_eq!(controls, 1, "{what}: {:?}", &bmc.actions()[before..]);
    }
}

/// A lost Close Session answer: ipmitool's retries of the Close (for a session that is gone by
/// then) get that answer again, instead of nothing for 10 s and "Close Session command failed".
#[test]
fn lost_close_session_answer_is_sent_again() {
    use support::{Mischief, Relay, Reply};
    let bmc = UdpBmc::start(config());
    // Suite 1 leaves the Close Session answer in clear, so the relay can tell it apart.
    for driver in [&["-I", "lan"][..], &["-I", "lanplus", "-C", "1"]] {
        let relay = Relay::start(bmc.port, Mischief::LoseFirstReplyOf(&[Reply::Close]));
        let port = relay.port.to_string();
        let mut args: Vec<&str> = driver.to_vec();
        args.extend_from_slice(&["-H", "127.0.0.1", "-p", &port, "-U", "admin"]);
        args.extend_from_slice(&["-P", "password", "-N", "1", "-R", "4", "power", "status"]);
        let r = run("ipmitool", &args, Duration::from_secs(60));
        assert_ok(&r, "Chassis Power is");
        assert_eq!(relay.mischief_done(), 1, "{driver:?}: no Close answer lost");
        assert!(
            !r.stderr.contains("Close Session command failed"),
            "{driver:?}: {}",
            r.text()
        );
    }
}

//! The BMC's own configuration over LAN with the real clients, and its persistence: users
//! (MAAS enlistment with ipmitool, then freeipmi as that user), channel access, LAN parameters
//! (`lan print`, `lan set`, `bmc-config --checkout/--commit`), cipher suite privileges, restore
//! policy, `ipmiutil health`; all of it again after the daemon restarted; a User-privilege
//! session changes none of it.
mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

/// ipmitool lanplus as `user`, `-C suite`, extra args.
fn tool(port: u16, user: &str, pass: &str, suite: &str, extra: &[&str]) -> std::process::Output {
    let mut a = vec!["-C", suite];
    a.extend_from_slice(extra);
    ipmitool("lanplus", "127.0.0.1", port, user, pass, &a)
}

fn tool_ok(port: u16, user: &str, pass: &str, extra: &[&str]) -> String {
    let o = tool(port, user, pass, "17", extra);
    assert!(
        o.status.success(),
        "ipmitool {extra:?} as {user} failed: {}",
        text(&o)
    );
    text(&o)
}

/// A freeipmi tool as `user` at `suite` and privilege `priv_`.
fn free(
    tool: &str,
    port: u16,
    user: &str,
    pass: &str,
    suite: &str,
    privilege: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut c = Command::new(tool);
    c.args(["-D", "LAN_2_0", "-h", &format!("127.0.0.1:{port}")])
        .args(["-u", user, "-p", pass, "-I", suite, "-l", privilege])
        .args(extra);
    run_timeout(c, Duration::from_secs(60))
}

/// `ipmiutil health` has no port option: it needs a BMC on port 623, so that BMC gets a
/// loopback address of its own where 623 is free.
fn loopback_with_623_free() -> String {
    for i in 0..200u32 {
        let n = (std::process::id() + i) % 250 + 1;
        let addr = format!("127.0.14.{n}");
        if std::net::UdpSocket::bind((addr.as_str(), 623)).is_ok() {
            return addr;
        }
    }
    panic!("no 127.0.14.x address with UDP port 623 free");
}

fn ipmiutil_health(addr: &str) {
    let mut c = Command::new("ipmiutil");
    c.args([
        "health", "-N", addr, "-U", "admin", "-P", "password", "-F", "lan2", "-V", "4",
    ]);
    let o = run_timeout(c, Duration::from_secs(60));
    let t = text(&o);
    assert!(o.status.success(), "ipmiutil health: {t}");
    assert!(t.contains("completed successfully"), "{t}");
    assert!(
        !t.to_ascii_lowercase().contains("error"),
        "ipmiutil health printed an error line: {t}"
    );
    assert!(t.contains("Power State"), "{t}");
}

/// The value of `key` in `ipmitool lan print` output.
fn lan_value(print: &str, key: &str) -> String {
    print
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key:?} in {print}"))
}

/// `conf` with `key` of `section` set to `value` (bmc-config's file format: `\tKey  value`).
fn set_key(conf: &str, section: &str, key: &str, value: &str) -> String {
    let mut inside = false;
    let mut found = false;
    let mut out = String::new();
    for line in conf.lines() {
        let t = line.trim();
        if t == format!("Section {section}") {
            inside = true;
        } else if t == "EndSection" {
            inside = false;
        }
        if inside && t.split_whitespace().next() == Some(key) {
            out.push_str(&format!("\t{key:<46}{value}\n"));
            found = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(found, "no {key} in section {section}");
    out
}

/// What a User-privilege session tries; every one must fail and change nothing.
fn user_session_changes_nothing(port: u16, user: &str, pass: &str) {
    for args in [
        &["user", "set", "name", "6", "evil"][..],
        &["user", "set", "password", "2", "hijacked"][..],
        &["user", "priv", "2", "2", "1"][..],
        &["user", "disable", "2"][..],
        &["channel", "setaccess", "1", "2", "privilege=2"][..],
        &["lan", "set", "1", "ipaddr", "10.9.9.9"][..],
        &["lan", "set", "1", "cipher_privs", "XuuuXXuuuXXuuXX"][..],
        &["chassis", "policy", "always-off"][..],
        &["chassis", "bootdev", "disk"][..],
        &["mc", "setsysinfo", "system_name", "evil"][..],
    ] {
        let mut a = vec!["-L", "USER"];
        a.extend_from_slice(args);
        let o = tool(port, user, pass, "17", &a);
        let t = text(&o);
        let refused = !o.status.success()
            || t.contains("Insufficient privilege")
            || t.contains("insufficient privilege");
        assert!(refused, "a User session could run {args:?}: {t}");
    }
    // The raw commands, where ipmitool's own error handling cannot hide the code.
    for raw in [
        &[
            "raw", "0x06", "0x45", "0x06", "0x65", "0x76", "0x69", "0x6c",
        ][..],
        &["raw", "0x0c", "0x01", "0x01", "0x03", "10", "9", "9", "9"][..],
        &["raw", "0x06", "0x43", "0x91", "0x02", "0x02", "0x00"][..],
    ] {
        let mut a = vec!["-L", "USER"];
        a.extend_from_slice(raw);
        let o = tool(port, user, pass, "17", &a);
        let t = text(&o);
        assert!(!o.status.success(), "a User session could run {raw:?}: {t}");
        assert!(t.contains("rsp=0xd4"), "{raw:?} should get D4: {t}");
    }
}

#[test]
fn maas_lan_parameters_bmc_config_and_ipmiutil_survive_restart() {
    for t in [
        "ipmitool",
        "ipmipower",
        "ipmi-chassis-config",
        "bmc-config",
        "ipmiutil",
    ] {
        require_tool(t);
    }
    let mut sim = Sim::new();
    let port = free_port();
    let util_addr = loopback_with_623_free();
    sim.ok(&[
        "add",
        "m",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--user",
        "op:operator=op-password",
    ]);
    sim.ok(&["add", "u", "--address", &util_addr, "--port", "623"]);
    let show = sim.ok(&["show", "m"]);
    assert!(
        show.contains("2 admin administrator") && show.contains("3 op operator"),
        "{show}"
    );
    assert!(
        !show.contains("op-password") && !show.contains("password password"),
        "{show}"
    );
    sim.serve();
    sim.ok(&["start", "m"]);
    sim.ok(&["start", "u"]);

    // MAAS enlistment, as ipmitool sends it: user 4 (3 is taken by op) gets a random
    // 20-character password and Administrator.
    let pw: String = {
        let mut g = [0u8; 20];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut g))
            .unwrap();
        let alphabet = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        g.iter()
            .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
            .collect()
    };
    for args in [
        &["user", "set", "name", "4", "maas"][..],
        &["user", "set", "password", "4", &pw, "20"][..],
        &["user", "priv", "4", "4", "1"][..],
        &["user", "enable", "4"][..],
        &[
            "channel",
            "setaccess",
            "1",
            "4",
            "callin=on",
            "ipmi=on",
            "link=on",
            "privilege=4",
        ][..],
    ] {
        tool_ok(port, "admin", "password", args);
    }
    let check_maas = |suites: &[&str]| {
        for suite in suites {
            let o = free("ipmipower", port, "maas", &pw, suite, "ADMIN", &["--stat"]);
            let t = text(&o);
            assert!(
                t.contains(": off") || t.contains(": on"),
                "ipmipower -I {suite} as maas: {t}"
            );
            let o = free(
                "ipmi-chassis-config",
                port,
                "maas",
                &pw,
                suite,
                "ADMIN",
                &["--commit", "-e", "Chassis_Boot_Flags:Boot_Device=PXE"],
            );
            assert!(
                o.status.success(),
                "ipmi-chassis-config --commit -I {suite}: {}",
                text(&o)
            );
            let o = free(
                "ipmi-chassis-config",
                port,
                "maas",
                &pw,
                suite,
                "ADMIN",
                &["--checkout", "-S", "Chassis_Boot_Flags"],
            );
            let t = text(&o);
            assert!(
                t.lines()
                    .any(|l| l.contains("Boot_Device") && l.contains("PXE")),
                "ipmi-chassis-config --checkout -I {suite}: {t}"
            );
        }
    };
    check_maas(&["3", "17"]);
    // Set User Password's test operation knows the 20-byte form it was set in.
    let t = text(&tool(
        port,
        "admin",
        "password",
        "17",
        &["user", "test", "4", "20", &pw],
    ));
    assert!(t.contains("Success"), "{t}");
    let t = text(&tool(
        port,
        "admin",
        "password",
        "17",
        &["user", "test", "4", "16", &pw[..16]],
    ));
    assert!(t.contains("wrong password size"), "{t}");
    let t = text(&tool(
        port,
        "admin",
        "password",
        "17",
        &["user", "test", "4", "20", "not-it"],
    ));
    assert!(t.contains("password incorrect"), "{t}");
    // disable / enable / priv again: the user keeps the privilege asked for.
    tool_ok(port, "admin", "password", &["user", "disable", "4"]);
    let o = free("ipmipower", port, "maas", &pw, "17", "ADMIN", &["--stat"]);
    assert!(
        !text(&o).contains(": off"),
        "a disabled user logged in: {}",
        text(&o)
    );
    tool_ok(port, "admin", "password", &["user", "enable", "4"]);
    tool_ok(port, "admin", "password", &["user", "priv", "4", "4", "1"]);
    check_maas(&["17"]);

    // A user added with the CLI while the daemon runs: usable at once, at User level.
    sim.ok(&[
        "user",
        "m",
        "viewer",
        "--password",
        "viewer-pw",
        "--privilege",
        "user",
    ]);
    assert!(tool_ok(
        port,
        "viewer",
        "viewer-pw",
        &["-L", "USER", "chassis", "power", "status"]
    )
    .contains("Chassis Power is"));

    // LAN parameters: lan print, lan set, cipher suite 3 capped at User.
    let print = tool_ok(port, "admin", "password", &["lan", "print", "1"]);
    assert_eq!(lan_value(&print, "IP Address  "), "127.0.0.1", "{print}");
    assert_eq!(
        lan_value(&print, "IP Address Source"),
        "Static Address",
        "{print}"
    );
    assert_eq!(
        lan_value(&print, "RMCP+ Cipher Suites"),
        "1,2,3,6,7,8,11,12,15,16,17"
    );
    assert_eq!(
        lan_value(&print, "Cipher Suite Priv Max"),
        "XaaaXXaaaXXaaXX"
    );
    tool_ok(
        port,
        "admin",
        "password",
        &["lan", "set", "1", "ipaddr", "10.1.2.3"],
    );
    tool_ok(
        port,
        "admin",
        "password",
        &["lan", "set", "1", "netmask", "255.255.255.0"],
    );
    tool_ok(
        port,
        "admin",
        "password",
        &["lan", "set", "1", "cipher_privs", "XaauXXaaaXXaaXX"],
    );
    tool_ok(
        port,
        "admin",
        "password",
        &["chassis", "policy", "always-on"],
    );
    tool_ok(
        port,
        "admin",
        "password",
        &["mc", "setsysinfo", "system_name", "rack7-node3"],
    );
    let o = free(
        "bmc-info",
        port,
        "admin",
        "password",
        "17",
        "USER",
        &["--get-system-info"],
    );
    let t = text(&o);
    assert!(
        t.lines()
            .any(|l| l.starts_with("System Firmware Version") && l.contains("host-sim")),
        "{t}"
    );
    let suite3_capped = || {
        let o = tool(port, "maas", &pw, "3", &["power", "status"]);
        assert!(
            !o.status.success(),
            "suite 3 at Administrator after cipher_privs: {}",
            text(&o)
        );
        let o = tool(port, "maas", &pw, "3", &["-L", "USER", "power", "status"]);
        assert!(o.status.success(), "suite 3 at User: {}", text(&o));
    };
    suite3_capped();

    // bmc-config: checkout, edit, commit, checkout again gives the edited file.
    let dir = sim.home.path();
    let (f1, f2, f3) = (
        dir.join("c1.conf"),
        dir.join("c2.conf"),
        dir.join("c3.conf"),
    );
    // A checkout exits 1 when some key is "not supported" (SOL, IPv6, K_g, the suites without
    // a parameter 24 nibble): that is freeipmi's non-fatal status, with nothing on stderr. A
    // commit must succeed outright.
    let bmc_config = |args: &[&str]| {
        let o = free("bmc-config", port, "admin", "password", "17", "ADMIN", args);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        let ok = if args.contains(&"--commit") {
            o.status.success()
        } else {
            matches!(o.status.code(), Some(0 | 1))
        };
        assert!(
            ok && err.trim().is_empty(),
            "bmc-config {args:?}: {}",
            text(&o)
        );
        text(&o)
    };
    bmc_config(&["--checkout", "--filename", f1.to_str().unwrap()]);
    let conf = std::fs::read_to_string(&f1).unwrap();
    assert!(
        conf.lines()
            .any(|l| l.contains("Username") && l.trim_end().ends_with(" maas")),
        "{conf}"
    );
    assert_eq!(set_key(&conf, "Lan_Conf", "IP_Address", "10.1.2.3"), conf);
    let edited = set_key(&conf, "Lan_Conf", "Default_Gateway_IP_Address", "10.1.2.1");
    let edited = set_key(
        &edited,
        "Rmcpplus_Conf_Privilege",
        "Maximum_Privilege_Cipher_Suite_Id_8",
        "Operator",
    );
    // User 3 (op) down to User.
    let edited = set_key(&edited, "User3", "Lan_Privilege_Limit", "User");
    let edited = set_key(&edited, "User3", "Lan_Enable_Link_Auth", "Yes");
    // Channel access: per-message authentication off (both sets: host-sim keeps one).
    let edited = set_key(
        &edited,
        "Lan_Channel",
        "Volatile_Enable_Per_Message_Auth",
        "No",
    );
    let edited = set_key(
        &edited,
        "Lan_Channel",
        "Non_Volatile_Enable_Per_Message_Auth",
        "No",
    );
    assert_ne!(edited, conf);
    std::fs::write(&f2, &edited).unwrap();
    bmc_config(&["--commit", "--filename", f2.to_str().unwrap()]);
    bmc_config(&["--checkout", "--filename", f3.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&f3).unwrap(), edited);

    ipmiutil_health(&util_addr);
    user_session_changes_nothing(port, "viewer", "viewer-pw");

    // While the daemon is down, the CLI changes the files: viewer becomes an Operator.
    sim.stop_daemon();
    sim.ok(&["user", "m", "viewer", "--privilege", "operator"]);
    let show = sim.ok(&["show", "m"]);
    assert!(
        show.contains("4 maas administrator") && show.contains("5 viewer operator"),
        "{show}"
    );
    assert!(!show.contains(&pw) && !show.contains("viewer-pw"), "{show}");

    sim.serve();
    check_maas(&["17"]);
    suite3_capped();
    let print = tool_ok(port, "admin", "password", &["lan", "print", "1"]);
    assert_eq!(lan_value(&print, "IP Address  "), "10.1.2.3", "{print}");
    assert_eq!(lan_value(&print, "Subnet Mask"), "255.255.255.0", "{print}");
    assert_eq!(
        lan_value(&print, "Default Gateway IP"),
        "10.1.2.1",
        "{print}"
    );
    assert_eq!(
        lan_value(&print, "Cipher Suite Priv Max"),
        "XaauXXaaoXXaaXX"
    );
    let name = tool_ok(
        port,
        "admin",
        "password",
        &["mc", "getsysinfo", "system_name"],
    );
    assert_eq!(name.trim(), "rack7-node3");
    let status = tool_ok(port, "admin", "password", &["chassis", "status"]);
    assert!(status.contains("always-on"), "{status}");
    let list = tool_ok(port, "admin", "password", &["user", "list", "1"]);
    let op = list
        .lines()
        .find(|l| l.contains(" op "))
        .unwrap_or_default();
    assert!(op.contains("USER"), "{list}");
    // The same file, but for what `host-sim user` changed while the daemon was down.
    bmc_config(&["--checkout", "--filename", f1.to_str().unwrap()]);
    let expected = set_key(&edited, "User5", "Lan_Privilege_Limit", "Operator");
    assert_eq!(std::fs::read_to_string(&f1).unwrap(), expected);
    assert!(tool_ok(
        port,
        "viewer",
        "viewer-pw",
        &["-L", "OPERATOR", "chassis", "bootparam", "get", "5"]
    )
    .contains("Boot Flags"));
    ipmiutil_health(&util_addr);
    user_session_changes_nothing(port, "op", "op-password");
}

//! The System Event Log with the real clients: power actions appear in `ipmitool sel
//! list/elist` and `ipmi-sel` named after the BMC's own sensors, `sel info` counts them, a User
//! session (2.0 and 1.5) reads the log but cannot clear it, an Administrator clears it, and the
//! log survives a daemon restart.
mod common;
use common::*;

fn sim_with_bmc(name: &str) -> (Sim, u16) {
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        name,
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    sim.serve();
    sim.ok(&["start", name]);
    (sim, port)
}

fn ipmi_sel(sim: &Sim, port: u16, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--sdr-cache-directory", sim.home.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    freeipmi("ipmi-sel", port, &args)
}

#[test]
fn power_actions_are_logged_read_cleared_and_kept_across_restarts() {
    require_tool("ipmitool");
    require_tool("ipmi-sel");
    let (mut sim, port) = sim_with_bmc("sel-1");
    let t = lanplus_ok(port, &["sel", "list"]);
    assert!(t.contains("SEL has no entries"), "{t}");

    lanplus_ok(port, &["chassis", "power", "on"]);
    lanplus_ok(port, &["chassis", "power", "cycle"]);
    lanplus_ok(port, &["chassis", "power", "reset"]);
    lanplus_ok(port, &["chassis", "power", "off"]);

    let t = lanplus_ok(port, &["sel", "info"]);
    for want in [
        "Entries          : 4",
        "Free Space       : 960 bytes",
        "Overflow         : false",
    ] {
        assert!(t.contains(want), "missing {want:?} in sel info:\n{t}");
    }
    let t = lanplus_ok(port, &["sel", "list"]);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 4, "{t}");
    assert!(
        lines[0].ends_with("| Power Unit #0xf0 | Power off/down | Deasserted"),
        "{t}"
    );
    assert!(
        lines[1].ends_with("| Power Unit #0xf0 | Power cycle | Asserted"),
        "{t}"
    );
    assert!(
        lines[2].ends_with("| System Boot Initiated #0xf1 | Initiated by hard reset | Asserted"),
        "{t}"
    );
    assert!(
        lines[3].ends_with("| Power Unit #0xf0 | Power off/down | Asserted"),
        "{t}"
    );
    // The time stamps are the host's clock (today's date in ipmitool's mm/dd/yy).
    let today = String::from_utf8(
        std::process::Command::new("date")
            .args(["-u", "+%m/%d/%y"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(lines[0].contains(today.trim()), "{t}");
    let t = lanplus_ok(port, &["sel", "elist"]);
    assert!(
        t.contains("| Power Unit Pwr Unit Status | Power cycle | Asserted"),
        "{t}"
    );
    assert!(
        t.contains("| System Boot Initiated Sys Restart | Initiated by hard reset"),
        "{t}"
    );

    let o = ipmi_sel(&sim, port, &[]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("Pwr Unit Status") && l.contains("Power Cycle")),
        "{t}"
    );
    assert!(t.contains("Initiated by hard reset"), "{t}");
    let o = ipmi_sel(&sim, port, &["--info"]);
    assert!(
        text(&o).contains("Number of log entries                  : 4"),
        "{}",
        text(&o)
    );

    // A User session, over 2.0 and over 1.5, reads the log but cannot clear it.
    let user = ["-L", "USER"];
    for iface in ["lanplus", "lan"] {
        let mut a = user.to_vec();
        a.extend(["sel", "list"]);
        let o = ipmitool(iface, "127.0.0.1", port, "admin", "password", &a);
        assert!(
            o.status.success() && text(&o).contains("Power cycle"),
            "{iface}: {}",
            text(&o)
        );
        let mut a = user.to_vec();
        a.extend(["sel", "clear"]);
        let o = ipmitool(iface, "127.0.0.1", port, "admin", "password", &a);
        assert!(!o.status.success(), "{iface}: {}", text(&o));
        assert!(
            text(&o).contains("Insufficient privilege level"),
            "{iface}: {}",
            text(&o)
        );
    }
    let o = ipmi_sel(&sim, port, &["-l", "USER", "--clear"]);
    assert!(!o.status.success(), "{}", text(&o));
    // A 1.5 session at its default (Administrator) reads it too.
    let o = ipmitool(
        "lan",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sel", "elist"],
    );
    assert!(text(&o).contains("Pwr Unit Status"), "{}", text(&o));
    assert_eq!(lanplus_ok(port, &["sel", "list"]).lines().count(), 4);

    // The log survives a restart of the daemon.
    sim.stop_daemon();
    sim.serve();
    let t = lanplus_ok(port, &["sel", "list"]);
    assert_eq!(t.lines().count(), 4, "{t}");
    assert!(t.contains("Power cycle | Asserted"), "{t}");
    lanplus_ok(port, &["chassis", "power", "on"]);
    let t = lanplus_ok(port, &["sel", "list"]);
    assert!(
        t.lines().nth(4).is_some_and(|l| l.starts_with("   5 |")),
        "{t}"
    );

    // An Operator deletes single records: ipmitool with one reservation for two ids, ipmi-sel.
    let t = lanplus_ok(port, &["-L", "OPERATOR", "sel", "delete", "2", "3"]);
    assert!(
        t.contains("Deleted entry 2") && t.contains("Deleted entry 3"),
        "{t}"
    );
    let o = ipmi_sel(&sim, port, &["-l", "OPERATOR", "--delete", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    let t = lanplus_ok(port, &["sel", "list"]);
    let ids: Vec<&str> = t
        .lines()
        .filter_map(|l| l.split('|').next())
        .map(str::trim)
        .collect();
    assert_eq!(ids, ["4", "5"], "{t}");

    // An Administrator clears it (ipmitool and ipmi-sel), and the clear is saved too.
    let t = lanplus_ok(port, &["sel", "clear"]);
    assert!(t.contains("Clearing SEL"), "{t}");
    let t = lanplus_ok(port, &["sel", "info"]);
    assert!(t.contains("Entries          : 0"), "{t}");
    assert!(!t.contains("Last Del Time    : Not Available"), "{t}");
    lanplus_ok(port, &["chassis", "power", "off"]);
    let o = ipmi_sel(&sim, port, &["--clear"]);
    assert!(o.status.success(), "{}", text(&o));
    sim.stop_daemon();
    sim.serve();
    let t = lanplus_ok(port, &["sel", "list"]);
    assert!(t.contains("SEL has no entries"), "{t}");
    sim.stop_daemon();
}

#[test]
fn platform_events_fill_the_sel_until_it_overflows() {
    require_tool("ipmitool");
    require_tool("ipmi-sel");
    let (mut sim, port) = sim_with_bmc("sel-2");
    // `ipmitool event` sends Platform Event Messages (Operator): one, then 70 in one session.
    let t = lanplus_ok(port, &["event", "1"]);
    assert!(t.contains("Upper Critical - Going High"), "{t}");
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-L", "USER", "event", "1"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    let t = lanplus_ok(port, &["sel", "list"]);
    assert!(
        t.trim()
            .ends_with("| Temperature #0x30 | Upper Critical going high | Asserted"),
        "{t}"
    );
    let script = sim.home.path().join("events.txt");
    std::fs::write(&script, "event 2\n".repeat(70)).unwrap();
    lanplus_ok(port, &["exec", script.to_str().unwrap()]);
    let t = lanplus_ok(port, &["sel", "info"]);
    for want in [
        "Entries          : 64",
        "Free Space       : 0 bytes",
        "Overflow         : true",
    ] {
        assert!(t.contains(want), "missing {want:?} in sel info:\n{t}");
    }
    let o = ipmi_sel(&sim, port, &["--info"]);
    let t = text(&o);
    assert!(
        t.contains("Events dropped due to lack of space    : Yes"),
        "{t}"
    );
    // SEL time: set by an Operator (not by a User), read back.
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-L", "USER", "sel", "time", "set", "01/02/30 03:04:05"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    lanplus_ok(port, &["sel", "time", "set", "01/02/30 03:04:05"]);
    let t = lanplus_ok(port, &["-L", "USER", "sel", "time", "get"]);
    assert!(t.starts_with("01/02/30 03:04:0"), "{t}");

    // Clearing resets the flag.
    lanplus_ok(port, &["sel", "clear"]);
    let t = lanplus_ok(port, &["sel", "info"]);
    assert!(t.contains("Overflow         : false"), "{t}");
    sim.stop_daemon();
}

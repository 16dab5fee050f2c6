//! Each BMC's system GUID: random, made at its first start, kept in its state file, the same
//! in Get System GUID, Get Device GUID and `ipmitool mc guid`, and still the same after the
//! daemon restarts; another BMC has another one; a GUID fixed in the configuration wins.
mod common;

use common::*;

/// The 16 data bytes of `ipmitool raw 0x06 CMD` (hex pairs over one or more lines).
fn raw_guid(port: u16, cmd: &str) -> String {
    let t = lanplus_ok(port, &["raw", "0x06", cmd]);
    let hex: String = t.split_whitespace().collect::<Vec<_>>().concat();
    assert_eq!(hex.len(), 32, "{t}");
    hex
}

/// The `System GUID` line of `ipmitool mc guid`.
fn mc_guid(port: u16) -> String {
    let t = lanplus_ok(port, &["mc", "guid"]);
    t.lines()
        .find(|l| l.contains("GUID"))
        .unwrap_or_else(|| panic!("no GUID line: {t}"))
        .split(':')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn saved_guid(sim: &Sim, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(sim.home.path().join(format!("state/{name}.toml"))).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("system_guid = "))
        .map(|v| v.trim_matches('"').to_string())
}

#[test]
fn each_bmc_has_a_stable_random_guid() {
    require_tool("ipmitool");
    let mut sim = Sim::new();
    let (p1, p2, p3) = (free_port(), free_port(), free_port());
    for (name, port) in [("a", p1), ("b", p2)] {
        sim.ok(&[
            "add",
            name,
            "--address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ]);
    }
    // A configuration that fixes its GUID keeps it.
    sim.ok(&[
        "add",
        "c",
        "--address",
        "127.0.0.1",
        "--port",
        &p3.to_string(),
    ]);
    let conf = sim.home.path().join("bmcs/c.toml");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(!text.contains("system_guid"), "{text}");
    std::fs::write(
        &conf,
        format!("{text}system_guid = \"00112233-4455-6677-8899-aabbccddeeff\"\n"),
    )
    .unwrap();
    sim.serve();
    for n in ["a", "b", "c"] {
        sim.ok(&["start", n]);
    }

    let a = raw_guid(p1, "0x37");
    let b = raw_guid(p2, "0x37");
    assert_ne!(a, "0".repeat(32));
    assert_ne!(a, b, "two BMCs share a GUID");
    // Get Device GUID answers the same GUID; it is what the state file keeps.
    assert_eq!(raw_guid(p1, "0x08"), a);
    assert_eq!(saved_guid(&sim, "a").as_deref(), Some(a.as_str()));
    assert_eq!(saved_guid(&sim, "b").as_deref(), Some(b.as_str()));
    assert_eq!(raw_guid(p3, "0x37"), "00112233445566778899aabbccddeeff");
    assert_eq!(saved_guid(&sim, "c"), None);
    // ipmitool prints it (in its own byte order): not all zeros.
    let shown = mc_guid(p1);
    assert!(
        shown.len() >= 32 && shown.chars().any(|c| c.is_ascii_hexdigit() && c != '0'),
        "{shown}"
    );

    // After a restart of the daemon: the same GUIDs.
    sim.stop_daemon();
    sim.serve();
    eventually(
        "a answers again",
        std::time::Duration::from_secs(20),
        || {
            ipmitool(
                "lanplus",
                "127.0.0.1",
                p1,
                "admin",
                "password",
                &["mc", "guid"],
            )
            .status
            .success()
        },
    );
    assert_eq!(raw_guid(p1, "0x37"), a);
    assert_eq!(raw_guid(p1, "0x08"), a);
    assert_eq!(raw_guid(p2, "0x37"), b);
    assert_eq!(mc_guid(p1), shown);
    assert_eq!(raw_guid(p3, "0x37"), "00112233445566778899aabbccddeeff");
}

//! FRU inventory with the real clients: `ipmitool fru print` and `ipmi-fru` read the board and
//! product areas with serials derived from the BMC's name; an Administrator's `fru edit` is
//! kept across a daemon restart, a User session's is refused.
mod common;
use common::*;

/// The serial suffix host-sim derives from a name (FNV-1a, 8 hex digits).
fn fingerprint(name: &str) -> String {
    let h = name.bytes().fold(0x811C_9DC5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("{h:08X}")
}

#[test]
fn ipmitool_and_ipmi_fru_print_the_inventory_and_edits_are_kept() {
    require_tool("ipmitool");
    require_tool("ipmi-fru");
    let mut sim = Sim::new();
    let mut ports = Vec::new();
    for name in ["rack1-node7", "rack1-node8"] {
        let port = free_port();
        sim.ok(&[
            "add",
            name,
            "--address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ]);
        ports.push(port);
    }
    sim.serve();
    sim.ok(&["start", "rack1-node7"]);
    sim.ok(&["start", "rack1-node8"]);
    let port = ports[0];
    let f = fingerprint("rack1-node7");

    let t = lanplus_ok(port, &["fru", "print"]);
    for want in [
        "FRU Device Description : Builtin FRU Device (ID 0)".to_string(),
        " Chassis Type          : Rack Mount Chassis".into(),
        format!(" Chassis Serial        : HSC{f}"),
        " Board Mfg Date        : Mon Jan  1 00:00:00 2024 UTC".into(),
        " Board Mfg             : host-sim".into(),
        format!(" Board Serial          : HSB{f}"),
        " Product Name          : host-sim virtual machine".into(),
        format!(" Product Serial        : HSP{f}"),
        " Product Asset Tag     : rack1-node7".into(),
    ] {
        assert!(t.contains(&want), "missing {want:?} in fru print:\n{t}");
    }
    // Another BMC, other serials.
    let t = lanplus_ok(ports[1], &["fru", "print"]);
    assert!(
        t.contains(&format!(
            "Board Serial          : HSB{}",
            fingerprint("rack1-node8")
        )),
        "{t}"
    );

    let cache = sim.home.path().to_str().unwrap().to_string();
    let o = freeipmi("ipmi-fru", port, &["--sdr-cache-directory", &cache]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for want in [
        "FRU Inventory Device: System FRU (ID 00h)".to_string(),
        format!("FRU Board Serial Number: HSB{f}"),
        format!("FRU Product Serial Number: HSP{f}"),
        "FRU Board Manufacturing Date/Time: 01/01/24 - 00:00:00".into(),
        "FRU Product Asset Tag: rack1-node7".into(),
    ] {
        assert!(t.contains(&want), "missing {want:?} in ipmi-fru:\n{t}");
    }
    // The SDR has the FRU device locator.
    let t = lanplus_ok(port, &["sdr", "elist", "fru"]);
    assert!(
        t.contains("System FRU") && t.contains("Logical FRU @00h"),
        "{t}"
    );

    // An Administrator changes the asset tag (Write FRU Data, same length: ipmitool exits 1 after
    // resizing an area even when it worked); a User session cannot.
    lanplus_ok(
        port,
        &["fru", "edit", "0", "field", "p", "5", "asset-00042"],
    );
    let _ = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &[
            "-L",
            "USER",
            "fru",
            "edit",
            "0",
            "field",
            "p",
            "5",
            "asset-00099",
        ],
    );
    let t = lanplus_ok(port, &["fru", "print", "0"]);
    assert!(t.contains("Product Asset Tag     : asset-00042"), "{t}");
    sim.stop_daemon();
    sim.serve();
    let t = lanplus_ok(port, &["fru", "print", "0"]);
    assert!(t.contains("Product Asset Tag     : asset-00042"), "{t}");
    assert!(
        t.contains(&format!("Product Serial        : HSP{f}")),
        "{t}"
    );
    sim.stop_daemon();
}

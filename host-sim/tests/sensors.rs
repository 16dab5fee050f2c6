//! Sensors and the SDR repository with the real clients: ipmitool sdr/sensor and freeipmi's
//! ipmi-sensors read the default sensor set, and the printed values are the configured ones
//! after linearisation; readings follow the machine's power state.
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

#[test]
fn ipmitool_and_freeipmi_read_the_default_sensors() {
    require_tool("ipmitool");
    require_tool("ipmi-sensors");
    let (mut sim, port) = sim_with_bmc("sens-1");
    lanplus_ok(port, &["chassis", "power", "on"]);

    let t = lanplus_ok(port, &["sdr", "list"]);
    for want in [
        "Inlet Temp       | 24 degrees C",
        "CPU Temp         | 45 degrees C",
        "System Fan       | 4800 RPM",
        "12V              | 12.10 Volts",
        "System Power     | 180 Watts",
    ] {
        assert!(t.contains(want), "missing {want:?} in sdr list:\n{t}");
    }
    let t = lanplus_ok(port, &["sdr", "elist"]);
    assert!(t.contains("Chassis Intru"), "{t}");
    let t = lanplus_ok(port, &["sensor", "list"]);
    assert!(
        t.lines()
            .any(|l| l.starts_with("CPU Temp") && l.contains("45.000") && l.contains("85.000")),
        "{t}"
    );
    let t = lanplus_ok(port, &["sensor", "get", "System Power"]);
    assert!(t.contains("180 (+/- 0) Watts"), "{t}");

    for extra in [&[][..], &["--sdr-cache-recreate"][..]] {
        let mut args = vec!["--sdr-cache-directory", sim.home.path().to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = freeipmi("ipmi-sensors", port, &args);
        let t = text(&o);
        assert!(o.status.success(), "{t}");
        for want in [
            "Inlet Temp",
            "24.00",
            "4800.00",
            "12.10",
            "180.00",
            "Chassis Intru",
        ] {
            assert!(t.contains(want), "missing {want:?} in ipmi-sensors:\n{t}");
        }
    }

    // Off: no draw, the fan stops.
    lanplus_ok(port, &["chassis", "power", "off"]);
    let t = lanplus_ok(port, &["sdr", "list"]);
    assert!(t.contains("System Power     | 0 Watts"), "{t}");
    assert!(t.contains("System Fan       | 0 RPM"), "{t}");

    // A 1.5 session reads sensors too.
    let o = ipmitool(
        "lan",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sdr", "list"],
    );
    assert!(
        text(&o).contains("Inlet Temp       | 22 degrees C"),
        "{}",
        text(&o)
    );
    sim.stop_daemon();
}

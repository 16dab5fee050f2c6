//! DCMI with the real clients, as monitoring exporters use it: `ipmi-dcmi
//! --get-system-power-statistics` (needs "Power Measurement : Active"), `ipmi-dcmi
//! --get-dcmi-capability-info` and `ipmitool dcmi power reading` report the system power sensor;
//! the statistics follow the readings (power off reads 0 W).
mod common;
use common::*;

#[test]
fn ipmi_dcmi_and_ipmitool_read_power_statistics_and_capabilities() {
    require_tool("ipmitool");
    require_tool("ipmi-dcmi");
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "dcmi-1",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    sim.serve();
    sim.ok(&["start", "dcmi-1"]);
    lanplus_ok(port, &["chassis", "power", "on"]);

    let o = freeipmi("ipmi-dcmi", port, &["--get-system-power-statistics"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for want in [
        "Current Power                        : 180 Watts",
        "Minimum Power over sampling duration : 180 watts",
        "Power Measurement                    : Active",
    ] {
        assert!(t.contains(want), "missing {want:?}:\n{t}");
    }

    let o = freeipmi("ipmi-dcmi", port, &["--get-dcmi-capability-info"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for want in [
        "DCMI Specification Conformance                     : 1.5",
        "Power Management / Monitoring Support              : Available",
        "Number of SEL entries                              : 64",
        "Primary LAN Out-of-band Channel Number             : 1",
    ] {
        assert!(t.contains(want), "missing {want:?}:\n{t}");
    }

    // The rest of what a Prometheus-style exporter runs.
    require_tool("ipmimonitoring");
    let cache = sim.home.path().to_str().unwrap().to_string();
    let o = freeipmi(
        "ipmimonitoring",
        port,
        &[
            "-Q",
            "--ignore-unrecognized-events",
            "--comma-separated-output",
            "--no-header-output",
            "--sdr-cache-recreate",
            "--output-event-bitmask",
            "--output-sensor-state",
            "--sdr-cache-directory",
            &cache,
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("System Power,Other Units Based Sensor,Nominal,180.00,W"),
        "{t}"
    );
    assert!(t.contains("Pwr Unit Status,Power Unit,"), "{t}");
    let o = freeipmi(
        "ipmi-sel",
        port,
        &["--info", "--sdr-cache-directory", &cache],
    );
    assert!(
        text(&o).contains("Number of log entries                  : 1"),
        "{}",
        text(&o)
    );

    // Off: 0 W now; the minimum drops, the maximum stays; a User session may read.
    lanplus_ok(port, &["chassis", "power", "off"]);
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-L", "USER", "dcmi", "power", "reading"],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for want in [
        "Instantaneous power reading:                     0 Watts",
        "Minimum during sampling period:                  0 Watts",
        "Maximum during sampling period:                180 Watts",
        "Power reading state is:                   activated",
    ] {
        assert!(t.contains(want), "missing {want:?}:\n{t}");
    }
    sim.stop_daemon();
}

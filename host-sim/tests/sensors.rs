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

    // Event enables (Get Sensor Event Enable) as the verbose outputs print them.
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["-v", "sensor", "get", "CPU Temp"],
    );
    let t = text(&o);
    assert!(t.contains(" Assertions Enabled    : unc+ ucr+"), "{t}");
    let o = freeipmi(
        "ipmi-sensors",
        port,
        &[
            "--sdr-cache-directory",
            sim.home.path().to_str().unwrap(),
            "-vv",
            "-r",
            "2",
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("Assertion Event Enabled: 'Upper Critical - going high'"),
        "{t}"
    );

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

/// A provider file whose `[SENSORS]` scripts read values from files and count their runs.
fn sensor_provider(sim: &Sim, cache: &str) -> std::path::PathBuf {
    let dir = sim.home.path().join("sensor-provider");
    std::fs::create_dir_all(&dir).unwrap();
    write_exec(
        &dir.join("read.sh"),
        "#!/bin/sh\n# usage: read.sh KEY NAME\necho \"$1 $2\" >> runs\ncat \"value-$1\"\n",
    );
    std::fs::write(dir.join("value-cpu_temp"), "52.4\n").unwrap();
    std::fs::write(dir.join("value-sys_power"), "not a number\n").unwrap();
    std::fs::write(dir.join("value-intrusion"), "0\n").unwrap();
    let conf = dir.join("provider.conf");
    std::fs::write(
        &conf,
        format!(
            "[POWER]\nstatus = echo on\n[SENSORS]\ncache_seconds = {cache}\ncpu_temp = ./read.sh cpu_temp %(name)s\nsys_power = ./read.sh sys_power %(name)s\nintrusion = ./read.sh intrusion %(name)s\n"
        ),
    )
    .unwrap();
    conf
}

fn runs(dir: &std::path::Path, key: &str) -> usize {
    read(&dir.join("runs"))
        .lines()
        .filter(|l| l.starts_with(key))
        .count()
}

#[test]
fn provider_scripts_give_readings_cached_and_threshold_crossings_are_logged() {
    require_tool("ipmitool");
    require_tool("ipmi-sensors");
    require_tool("ipmi-sel");
    let mut sim = Sim::new();
    let conf = sensor_provider(&sim, "2");
    let dir = conf.parent().unwrap().to_path_buf();
    let port = free_port();
    sim.ok(&[
        "add",
        "sens-2",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--provider",
        conf.to_str().unwrap(),
    ]);
    sim.serve();
    sim.ok(&["start", "sens-2"]);
    let cache = sim.home.path().join("sdr-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let cache = cache.to_str().unwrap();

    // The script's value, linearised (M = 1: whole degrees); a script that prints no number
    // reads as unavailable; the rest are modelled on the power state the status script
    // reported.
    lanplus_ok(port, &["chassis", "power", "status"]);
    let t = lanplus_ok(port, &["sdr", "list"]);
    assert!(t.contains("CPU Temp         | 52 degrees C"), "{t}");
    assert!(t.contains("System Power     | no reading"), "{t}");
    assert!(t.contains("Inlet Temp       | 24 degrees C"), "{t}");
    assert_eq!(
        read(&dir.join("runs")).lines().next(),
        Some("cpu_temp sens-2")
    );
    // A second scrape within the cache time runs no script.
    let before = runs(&dir, "cpu_temp");
    let o = freeipmi("ipmi-sensors", port, &["--sdr-cache-directory", cache]);
    assert!(
        o.status.success() && text(&o).contains("52.00"),
        "{}",
        text(&o)
    );
    assert_eq!(runs(&dir, "cpu_temp"), before, "cached reading re-read");

    // Above both upper thresholds (85 non-critical, 95 critical): two events; back down: the
    // critical one is deasserted.
    std::fs::write(dir.join("value-cpu_temp"), "97\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let t = lanplus_ok(port, &["sensor", "get", "CPU Temp"]);
    assert!(t.contains("97 (+/- 0) degrees C"), "{t}");
    assert!(t.contains("Upper Critical"), "{t}");
    std::fs::write(dir.join("value-cpu_temp"), "90\n").unwrap();
    std::fs::write(dir.join("value-intrusion"), "1\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    lanplus_ok(port, &["sdr", "list"]);
    assert_eq!(runs(&dir, "cpu_temp"), before + 2);

    let t = lanplus_ok(port, &["sel", "elist"]);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 4, "{t}");
    assert!(
        lines[0].contains("Temperature CPU Temp | Upper Non-critical going high | Asserted"),
        "{t}"
    );
    assert!(
        lines[1].contains("Temperature CPU Temp | Upper Critical going high | Asserted"),
        "{t}"
    );
    assert!(
        lines[1].contains("Reading 97 > Threshold 95 degrees C"),
        "{t}"
    );
    assert!(
        lines[2].contains("Temperature CPU Temp | Upper Critical going high | Deasserted"),
        "{t}"
    );
    assert!(
        lines[3].contains("Physical Security Chassis Intru | General Chassis intrusion | Asserted"),
        "{t}"
    );
    let o = freeipmi(
        "ipmi-sel",
        port,
        &["--sdr-cache-directory", cache, "--output-event-state"],
    );
    let t = text(&o);
    assert!(
        t.lines()
            .any(|l| l.contains("CPU Temp") && l.contains("Upper Critical - going high")),
        "{t}"
    );
    sim.stop_daemon();
}

#[test]
fn sensors_and_fru_come_from_the_configuration() {
    require_tool("ipmitool");
    require_tool("ipmi-dcmi");
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "cfg-1",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    let file = sim.home.path().join("bmcs/cfg-1.toml");
    let mut conf = std::fs::read_to_string(&file).unwrap();
    conf.push_str(
        r#"
[[sensors]]
key = "psu_in"
number = 10
kind = "voltage"
name = "PSU Input"
m = 2
r_exp = 0
upper_critical = 250.0
on = 230.0

[[sensors]]
key = "gpu_power"
number = 11
kind = "power"
name = "GPU Power"
on = 300.0

[fru]
product_name = "PowerEdge R650"
board_serial = "CN0ABC123"
"#,
    );
    std::fs::write(&file, &conf).unwrap();
    // A bad sensor is a one-line error naming the field.
    let bad = sim.home.path().join("bmcs/cfg-2.toml");
    std::fs::write(&bad, conf.replace("number = 11", "number = 240")).unwrap();
    sim.serve();
    sim.fails(&["start", "cfg-2"], "sensors");
    sim.ok(&["start", "cfg-1"]);
    lanplus_ok(port, &["chassis", "power", "on"]);

    let t = lanplus_ok(port, &["sdr", "list"]);
    assert!(t.contains("PSU Input        | 230 Volts"), "{t}");
    assert!(t.contains("GPU Power        | 300 Watts"), "{t}");
    assert!(
        !t.contains("CPU Temp"),
        "the list replaces the default set:\n{t}"
    );
    let t = lanplus_ok(port, &["sensor", "get", "PSU Input"]);
    assert!(t.contains("Upper Critical        : 250.000"), "{t}");
    let o = freeipmi("ipmi-dcmi", port, &["--get-system-power-statistics"]);
    assert!(
        text(&o).contains("Current Power                        : 300 Watts"),
        "{}",
        text(&o)
    );
    let t = lanplus_ok(port, &["fru", "print", "0"]);
    assert!(t.contains(" Product Name          : PowerEdge R650"), "{t}");
    assert!(t.contains(" Board Serial          : CN0ABC123"), "{t}");
    assert!(t.contains(" Product Asset Tag     : cfg-1"), "{t}");
    sim.stop_daemon();
}

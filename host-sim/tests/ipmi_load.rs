//! The load generator against a real `host-sim serve` BMC on loopback: rows for every suite,
//! concurrency and mode with no errors; a refused suite and a wrong password are one clear line
//! and a failing exit status.
mod common;

use std::process::Command;
use std::time::Duration;

use common::{free_port, run_timeout, text, Sim};

const LOAD: &str = env!("CARGO_BIN_EXE_ipmi-load");

fn bmc(suites: &str) -> (Sim, u16) {
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "load",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--cipher-suites",
        suites,
    ]);
    sim.serve();
    sim.ok(&["start", "load"]);
    (sim, port)
}

fn load(port: u16, args: &[&str]) -> std::process::Output {
    let mut c = Command::new(LOAD);
    c.args(["--port", &port.to_string(), "--duration", "0.3"])
        .args(args);
    run_timeout(c, Duration::from_secs(60))
}

#[test]
fn rows_for_every_suite_concurrency_and_mode() {
    let (_sim, port) = bmc("3,8,17");
    for extra in [&["-C", "3,8,17"][..], &["--ipmi15"][..]] {
        let mut args = vec!["--sessions", "1,2", "--json"];
        args.extend_from_slice(extra);
        let o = load(port, &args);
        assert!(o.status.success(), "{}", text(&o));
        let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect();
        let targets = if extra[0] == "--ipmi15" { 1 } else { 3 };
        assert_eq!(rows.len(), targets * 2 * 2, "{}", text(&o));
        for r in &rows {
            assert!(r["ops"].as_u64().unwrap() > 0, "{r}");
            assert_eq!(r["errors"].as_u64(), Some(0), "{r}");
            assert!(r["ops_per_s"].as_f64().unwrap() > 0.0, "{r}");
            let (p50, p99) = (r["p50_us"].as_u64().unwrap(), r["p99_us"].as_u64().unwrap());
            assert!(p50 > 0 && p50 <= p99, "{r}");
            assert!(r["mode"] == "handshake" || r["mode"] == "command", "{r}");
            assert_eq!(r["target"], format!("127.0.0.1:{port}"));
        }
    }
    // The table form.
    let o = load(port, &["-C", "17", "--sessions", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("handshake/s") && out.contains("p99 us"),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("17 ")).count(),
        2,
        "{out}"
    );
}

#[test]
fn refused_suite_and_wrong_password_are_clear_errors() {
    let (_sim, port) = bmc("3");
    let o = load(
        port,
        &["-C", "17,3", "--sessions", "1", "--mode", "command"],
    );
    // Suite 3 still measured, suite 17 reported, exit status says something failed.
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cipher suite 17") && err.contains("0x11"),
        "{err}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("3 ")).count(),
        1,
        "{out}"
    );
    let o = load(port, &["-C", "3", "-P", "wrong"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("wrong password"), "{err}");
}

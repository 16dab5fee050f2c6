//! The CLI and daemon without IPMI clients: errors, config files, control socket, restore.

mod common;
use common::*;

#[test]
fn add_show_list_delete_offline_and_online() {
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "node-1",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--kg",
        "0x0102",
        "--cipher-suites",
        "3,17",
        "--privilege-limit",
        "operator",
    ]);
    let cfg = std::fs::read_to_string(sim.home.path().join("bmcs/node-1.toml")).unwrap();
    assert!(cfg.contains(&format!("port = {port}")), "{cfg}");
    assert!(cfg.contains("cipher_suites = [3, 17]"), "{cfg}");
    assert!(cfg.contains("privilege_limit = \"operator\""), "{cfg}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(sim.home.path().join("bmcs/node-1.toml"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o077, 0, "config files hold passwords: {mode:o}");

    let list = sim.ok(&["list"]);
    assert!(
        list.contains("node-1") && list.contains("stopped"),
        "{list}"
    );
    sim.fails(&["add", "node-1"], "already exists");

    sim.serve();
    let show = sim.ok(&["show", "node-1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(v["status"], "stopped");
    assert_eq!(v["port"], port);
    assert_eq!(v["kg_set"], true);
    assert!(
        !show.contains("password\": \"password"),
        "show must not print the password: {show}"
    );

    sim.ok(&["start", "node-1"]);
    let v: serde_json::Value = serde_json::from_str(&sim.ok(&["list", "--json"])).unwrap();
    assert_eq!(v[0]["name"], "node-1");
    assert_eq!(v[0]["status"], "running");
    sim.ok(&["stop", "node-1"]);
    assert!(sim.ok(&["show", "node-1"]).contains("stopped"));
    sim.ok(&["delete", "node-1"]);
    assert!(!sim.home.path().join("bmcs/node-1.toml").exists());
    sim.fails(&["show", "node-1"], "unknown BMC");
}

#[test]
fn one_line_errors() {
    let mut sim = Sim::new();
    sim.fails(&["start", "nope"], "daemon not running");
    sim.fails(&["show", "nope"], "unknown BMC");
    sim.fails(&["add", "n1", "--kg", "0x123"], "bad key");
    sim.fails(&["add", "n1", "--kg", &"k".repeat(21)], "bad key");
    sim.fails(&["add", "n1", "--cipher-suites", "3,4"], "bad cipher suite");
    sim.fails(&["add", "n1", "--privilege-limit", "god"], "bad privilege");
    sim.fails(&["add", "n1", "--address", "not-an-ip"], "bad address");
    sim.fails(
        &["add", "n1", "--provider", "/nonexistent/p.conf"],
        "provider file",
    );
    sim.fails(&["add", "a;touch x"], "invalid BMC name");
    sim.fails(&["add", "$(touch x)"], "invalid BMC name");

    sim.serve();
    sim.fails(&["start", "nope"], "unknown BMC");
    sim.fails(&["stop", "nope"], "unknown BMC");
    sim.fails(&["delete", "nope"], "unknown BMC");
    // Port in use: something else holds the port.
    let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port().to_string();
    sim.ok(&["add", "busy", "--address", "127.0.0.1", "--port", &port]);
    sim.fails(&["start", "busy"], "port in use");
    assert!(sim.ok(&["show", "busy"]).contains("stopped"));
}

#[test]
fn corrupt_config_is_reported_by_name_and_line_and_others_run() {
    let mut sim = Sim::new();
    let port = free_port();
    sim.ok(&[
        "add",
        "good",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    sim.ok(&[
        "add",
        "bad",
        "--address",
        "127.0.0.1",
        "--port",
        &free_port().to_string(),
    ]);
    sim.serve();
    sim.ok(&["start", "good"]);
    sim.ok(&["start", "bad"]);
    sim.stop_daemon();
    // Break one file: line 5 gets a bad value.
    let path = sim.home.path().join("bmcs/bad.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().position(|l| l.starts_with("port")).unwrap() + 1;
    std::fs::write(&path, text.replace("port = ", "port = \"x")).unwrap();
    sim.serve();
    let log = sim.log_text();
    assert!(log.contains(&format!("bad.toml line {line}")), "{log}");
    let list = sim.ok(&["list"]);
    assert!(list.contains(&format!("bad.toml line {line}")), "{list}");
    let v: serde_json::Value = serde_json::from_str(&sim.ok(&["show", "good", "--json"])).unwrap();
    assert_eq!(v["status"], "running");
    sim.fails(&["start", "bad"], &format!("bad.toml line {line}"));
}

#[test]
fn a_second_daemon_refuses_to_start() {
    let mut sim = Sim::new();
    sim.serve();
    let o = sim.cli(&["serve"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already running"), "{}", text(&o));
}

/// Users on the command line: several at `add`, `host-sim user` offline and online, every
/// mistake one line; `show` never prints a password.
#[test]
fn users_on_the_command_line() {
    let mut sim = Sim::new();
    let port = free_port();
    sim.fails(&["add", "x", "--user", "nopassword"], "bad --user");
    sim.fails(&["add", "x", "--user", "a:root=pw"], "bad privilege level");
    sim.fails(&["add", "x", "--user", "admin=pw"], "configured twice");
    sim.fails(&["add", "x", "--max-users", "1"], "max_users");
    sim.ok(&[
        "add",
        "n",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--max-users",
        "4",
        "--user",
        "ops:operator=ops-secret",
        "--user",
        "ro:user:disabled=ro-secret",
    ]);
    let show = sim.ok(&["show", "n"]);
    assert!(show.contains("3 ops operator"), "{show}");
    assert!(show.contains("4 ro user (disabled)"), "{show}");
    assert!(!show.contains("secret"), "{show}");
    // Offline: into the state file.
    sim.fails(
        &["user", "n", "new", "--privilege", "user"],
        "needs --password",
    );
    sim.fails(
        &["user", "n", "ro", "--privilege", "root"],
        "bad privilege level",
    );
    sim.fails(&["user", "nope", "ro", "--enable"], "unknown BMC");
    sim.ok(&["user", "n", "ro", "--enable"]);
    sim.fails(&["user", "n", "more", "--password", "x"], "user table full");
    let show = sim.ok(&["show", "n", "--json"]);
    assert!(!show.contains("secret"), "{show}");
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(v["users"][2]["name"], "ro");
    assert_eq!(v["users"][2]["enabled"], true);
    // Online: the running BMC.
    sim.serve();
    sim.ok(&["start", "n"]);
    sim.ok(&["user", "n", "ops", "--delete"]);
    sim.fails(&["user", "n", "ops", "--enable"], "needs --password");
    sim.ok(&["user", "n", "more", "--password", "more-secret"]);
    let show = sim.ok(&["show", "n"]);
    assert!(
        show.contains("3 more administrator") && !show.contains(" ops "),
        "{show}"
    );
    let state = std::fs::read_to_string(sim.home.path().join("state/n.toml")).unwrap();
    assert!(state.contains("name = \"more\""), "{state}");
}

//! Test harness: the real `host-sim` binary with a temporary HOME, real provider scripts, and
//! real ipmitool / freeipmi processes. Every child is killed by pid when its guard drops.
#![allow(dead_code)]

use std::io::Read;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_host-sim");

/// A free UDP port on 127.0.0.1 and on `::` (where host-sim binds by default).
///
/// Not one the kernel picks for `:0`: clients in the tests running alongside (ipmitool, ipmipower)
/// get their source ports from the ephemeral range, and one of them can take a port between this
/// call and the BMC's bind. So the ports come from below that range, each handed out once per
/// test binary, and each checked free at the moment it is handed out.
pub fn free_port() -> u16 {
    free_port_on(&["127.0.0.1", "::"])
}

/// A free UDP port on every address given (see [`free_port`]).
pub fn free_port_on(addrs: &[&str]) -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let (lo, hi) = (10_000u32, u32::from(ephemeral_low()).max(10_001));
    // Each test binary starts at its own offset, so binaries run one after another (or by two
    // people on one machine) do not walk the same ports.
    let start = std::process::id() * 7919 % (hi - lo);
    for _ in 0..(hi - lo) {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = (lo + (start + n) % (hi - lo)) as u16;
        if addrs.iter().all(|a| UdpSocket::bind((*a, p)).is_ok()) {
            return p;
        }
    }
    panic!("no free UDP port below the ephemeral range on {addrs:?}");
}

/// The first port of the kernel's ephemeral range (`ip_local_port_range`).
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// Fails the test (never skips) when a client tool is missing.
pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
        || Path::new("/usr/sbin").join(tool).is_file();
    assert!(
        found,
        "{tool} is required for this test (apt-get install ipmitool freeipmi-tools)"
    );
}

/// Runs a command with a time-out; kills it (by pid) when it runs over.
pub fn run_timeout(mut cmd: Command, limit: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let desc = format!("{cmd:?}");
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {desc}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{desc} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// stdout + stderr as text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A temporary HOME and, once started, the daemon serving it.
pub struct Sim {
    pub home: tempfile::TempDir,
    pub daemon: Option<Child>,
    pub log: PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(mut c) = self.daemon.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Nothing in the daemon may panic, not even a thread that is stopping: every test that
        // ran a daemon checks its log.
        let log = self.log_text();
        if !std::thread::panicking() && log.contains("panicked") {
            panic!("the daemon panicked:\n{log}");
        }
    }
}

impl Sim {
    /// A fresh HOME, no daemon.
    pub fn new() -> Sim {
        let home = tempfile::tempdir().unwrap();
        let log = home.path().join("daemon.log");
        Sim {
            home,
            daemon: None,
            log,
        }
    }

    /// Runs the CLI.
    pub fn cli(&self, args: &[&str]) -> Output {
        let mut c = Command::new(BIN);
        c.arg("--home").arg(self.home.path()).args(args);
        run_timeout(c, Duration::from_secs(60))
    }

    /// Runs the CLI and asserts success.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.cli(args);
        assert!(o.status.success(), "host-sim {args:?} failed: {}", text(&o));
        text(&o)
    }

    /// Runs the CLI and asserts failure with a one-line error containing `needle`.
    pub fn fails(&self, args: &[&str], needle: &str) -> String {
        let o = self.cli(args);
        let t = text(&o);
        assert!(!o.status.success(), "host-sim {args:?} should fail: {t}");
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(
            err.trim().lines().count(),
            1,
            "error should be one line: {err:?}"
        );
        assert!(err.contains(needle), "expected {needle:?} in {err:?}");
        err
    }

    /// Starts `host-sim serve` and waits until it has restored its BMCs.
    pub fn serve(&mut self) {
        assert!(self.daemon.is_none());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(BIN)
            .arg("--home")
            .arg(self.home.path())
            .arg("serve")
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.daemon = Some(child);
        let sock = self.home.path().join("control.sock");
        let start = Instant::now();
        loop {
            if let Some(c) = self.daemon.as_mut() {
                if let Some(s) = c.try_wait().unwrap() {
                    panic!("daemon exited early ({s}): {}", self.log_text());
                }
            }
            if sock.exists() {
                if let Ok(o) = std::process::Command::new(BIN)
                    .arg("--home")
                    .arg(self.home.path())
                    .arg("list")
                    .output()
                {
                    if o.status.success() {
                        break;
                    }
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "daemon did not come up: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Wait for the restore to finish (it logs "restored BMCs").
        let start = Instant::now();
        while !self.log_text().contains("restored BMCs") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "restore did not finish: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the daemon with SIGTERM (as systemd does) and waits for it.
    pub fn stop_daemon(&mut self) {
        if let Some(mut c) = self.daemon.take() {
            let pid = nix::unistd::Pid::from_raw(c.id() as i32);
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
            let start = Instant::now();
            loop {
                if c.try_wait().unwrap().is_some() {
                    break;
                }
                if start.elapsed() > Duration::from_secs(10) {
                    let _ = c.kill();
                    let _ = c.wait();
                    panic!("daemon ignored SIGTERM");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// The daemon's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A provider folder with scripts that record every action in files:
    /// `power-NAME` (on/off), `boot-NAME` (bootdev persistent efi), and `log` (one line per run).
    pub fn provider(&self) -> PathBuf {
        let dir = self.home.path().join("provider");
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let script = r#"#!/bin/sh
# usage: power.sh ACTION NAME
state="power-$2"
case "$1" in
  status) if [ -f "$state" ]; then cat "$state"; else echo off; fi ;;
  on) echo on > "$state" ;;
  off|shutdown) echo off > "$state" ;;
  reset) echo on > "$state" ;;
  diag) ;;
esac
echo "$1 $2 env=$HOST_SIM_NAME" >> log
"#;
        write_exec(&dir.join("bin/power.sh"), script);
        std::fs::write(
            dir.join("provider.conf"),
            "# a shipmi provider file\n[POWER]\nstatus = bin/power.sh status %(name)s\non = bin/power.sh on %(name)s\noff = bin/power.sh off %(name)s\nshutdown = bin/power.sh shutdown %(name)s\nreset = bin/power.sh reset %(name)s\n[BOOT]\nget = cat boot-%(name)s\nset = echo \"%(bootdev)s $HOST_SIM_BOOT_PERSISTENT $HOST_SIM_BOOT_EFI\" > boot-%(name)s; echo \"bootset %(name)s %(bootdev)s\" >> log\n",
        )
        .unwrap();
        dir
    }
}

/// Writes an executable file.
pub fn write_exec(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Reads a file the provider wrote (empty when absent).
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// ipmitool against a BMC: `-I IFACE -H HOST -p PORT -U admin -P PASS` + args.
pub fn ipmitool(
    iface: &str,
    host: &str,
    port: u16,
    user: &str,
    pass: &str,
    extra: &[&str],
) -> Output {
    let mut c = Command::new("ipmitool");
    c.args([
        "-I",
        iface,
        "-H",
        host,
        "-p",
        &port.to_string(),
        "-U",
        user,
        "-P",
        pass,
    ])
    .args(extra);
    run_timeout(c, Duration::from_secs(90))
}

/// ipmitool lanplus as admin/password, asserting success; returns the output.
pub fn lanplus_ok(port: u16, extra: &[&str]) -> String {
    let o = ipmitool("lanplus", "127.0.0.1", port, "admin", "password", extra);
    assert!(
        o.status.success(),
        "ipmitool {extra:?} failed: {}",
        text(&o)
    );
    text(&o)
}

/// A freeipmi tool against 127.0.0.1:PORT with LAN_2_0 and the given extra args.
pub fn freeipmi(tool: &str, port: u16, extra: &[&str]) -> Output {
    let mut c = Command::new(tool);
    c.args([
        "--driver-type",
        "LAN_2_0",
        "-h",
        &format!("127.0.0.1:{port}"),
        "-u",
        "admin",
        "-p",
        "password",
    ])
    .args(extra);
    run_timeout(c, Duration::from_secs(90))
}

/// Waits until `f` holds (polling), or fails with `what`.
pub fn eventually(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

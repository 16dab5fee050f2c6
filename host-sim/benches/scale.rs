//! Scale benchmark: N virtual BMCs in one `host-sim serve` daemon.
//!
//! For each N it writes N configuration files (each BMC on its own loopback address
//! 127.1.x.y, all on one port) marked running, starts the real daemon, and measures the time
//! until every BMC is up, the daemon's RSS, and `ipmitool -I lanplus power status` against
//! random BMCs. Run: `cargo bench -p host-sim --bench scale [-- N...]`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_host-sim");

struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn addr(i: usize) -> String {
    format!("127.1.{}.{}", i / 250, i % 250 + 1)
}

fn status(sock: &Path) -> Option<serde_json::Value> {
    let s = UnixStream::connect(sock).ok()?;
    (&s).write_all(b"{\"cmd\":\"status\"}\n").ok()?;
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line).ok()?;
    serde_json::from_str::<serde_json::Value>(&line)
        .ok()?
        .get("daemon")
        .cloned()
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn free_port() -> u16 {
    'outer: for _ in 0..50 {
        let p = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        for i in [0, 249, 9999] {
            if std::net::UdpSocket::bind((addr(i).as_str(), p)).is_err() {
                continue 'outer;
            }
        }
        return p;
    }
    panic!("no free port");
}

fn rand_below(n: usize) -> usize {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    (u64::from_le_bytes(b) % n as u64) as usize
}

struct Row {
    n: usize,
    start_ms: u128,
    restore_ms: u64,
    rss_kib: u64,
    status_ms: Vec<u128>,
}

fn bench(n: usize) -> Row {
    let home = tempfile::tempdir().unwrap();
    let bmcs = home.path().join("bmcs");
    let state = home.path().join("state");
    std::fs::create_dir_all(&bmcs).unwrap();
    std::fs::create_dir_all(&state).unwrap();
    let port = free_port();
    for i in 0..n {
        let name = format!("bmc{i:05}");
        std::fs::write(
            bmcs.join(format!("{name}.toml")),
            format!(
                "address = \"{}\"\nport = {port}\nusername = \"admin\"\npassword = \"password\"\nprovider = \"memory\"\nsystem_guid = \"{:032x}\"\n",
                addr(i),
                i + 1
            ),
        )
        .unwrap();
        std::fs::write(state.join(format!("{name}.toml")), "running = true\n").unwrap();
    }
    let sock = home.path().join("control.sock");
    let t0 = Instant::now();
    let child = Command::new(BIN)
        .arg("--home")
        .arg(home.path())
        .arg("serve")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let pid = guard.0.id();
    let info = loop {
        if let Some(d) = status(&sock) {
            if d["ready"] == true {
                break d;
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(300), "daemon not ready");
        assert!(guard.0.try_wait().unwrap().is_none(), "daemon exited");
        std::thread::sleep(Duration::from_millis(5));
    };
    let start_ms = t0.elapsed().as_millis();
    assert_eq!(
        info["running"].as_u64(),
        Some(n as u64),
        "not every BMC started: {info}"
    );
    let restore_ms = info["restore_ms"].as_u64().unwrap_or(0);
    std::thread::sleep(Duration::from_millis(300));
    let rss = rss_kib(pid);
    let mut status_ms = Vec::new();
    for _ in 0..5 {
        let i = rand_below(n);
        let t = Instant::now();
        let o = Command::new("ipmitool")
            .args([
                "-I",
                "lanplus",
                "-H",
                &addr(i),
                "-p",
                &port.to_string(),
                "-U",
                "admin",
                "-P",
                "password",
                "power",
                "status",
            ])
            .output()
            .expect("ipmitool is required");
        let ms = t.elapsed().as_millis();
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Chassis Power is off"),
            "bmc {i}: {o:?}"
        );
        status_ms.push(ms);
    }
    status_ms.sort();
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = guard.0.wait();
    Row {
        n,
        start_ms,
        restore_ms,
        rss_kib: rss,
        status_ms,
    }
}

fn main() {
    let ns: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ns = if ns.is_empty() {
        vec![1, 100, 1000, 10000]
    } else {
        ns
    };
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!("host-sim scale benchmark ({cpus} CPUs); memory provider; each BMC on its own 127.1.x.y address");
    println!();
    println!("| BMCs | daemon start to all listening | of which restore | daemon RSS | RSS per BMC | `ipmitool power status` (median of 5, random BMC) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let mut base = 0u64;
    for n in ns {
        let r = bench(n);
        if r.n == 1 {
            base = r.rss_kib;
        }
        let per = if r.n > 1 && base > 0 {
            format!(
                "{:.1} KiB",
                (r.rss_kib.saturating_sub(base)) as f64 / (r.n - 1) as f64
            )
        } else {
            "-".into()
        };
        println!(
            "| {} | {} ms | {} ms | {:.1} MiB | {} | {} ms |",
            r.n,
            r.start_ms,
            r.restore_ms,
            r.rss_kib as f64 / 1024.0,
            per,
            r.status_ms[r.status_ms.len() / 2]
        );
    }
}

//! SOL benchmark (not a test): console throughput and keystroke round trip through the real
//! daemon and the real clients.
//!
//! One BMC whose console is a Unix socket this program serves as "the machine". Throughput:
//! the machine writes 64 KiB, timed until the last byte is out of `ipmitool sol activate`'s
//! (and `ipmiconsole`'s) pty. Round trip: one key typed into the client's pty, echoed by the
//! machine, timed until it is back on the pty; at the default character accumulate interval
//! (10 ms) and at 5 ms. Run: `cargo bench -p host-sim --bench sol`.
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_host-sim");

struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Tty {
    _child: Guard,
    master: std::fs::File,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Tty {
    fn spawn(program: &str, args: &[String]) -> Tty {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave = std::fs::File::from(pty.slave);
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let master = std::fs::File::from(pty.master);
        let mut r = master.try_clone().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let o = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                o.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Tty {
            _child: Guard(child),
            master,
            out,
        }
    }

    fn len(&self) -> usize {
        self.out.lock().unwrap().len()
    }

    fn wait_for(&self, needle: &[u8], from: usize) -> usize {
        let start = Instant::now();
        loop {
            {
                let o = self.out.lock().unwrap();
                if let Some(i) = o[from.min(o.len())..]
                    .windows(needle.len())
                    .position(|w| w == needle)
                {
                    return from + i + needle.len();
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{:?} never came: {:?}",
                String::from_utf8_lossy(needle),
                String::from_utf8_lossy(&self.out.lock().unwrap())
            );
            std::thread::yield_now();
        }
    }

    fn wait_len(&self, n: usize) {
        let start = Instant::now();
        while self.len() < n {
            assert!(start.elapsed() < Duration::from_secs(120), "stalled");
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// A free port below 32768: ipmiconsole's `-h HOST:PORT` refuses higher ones.
fn free_port() -> u16 {
    (20_000..32_000)
        .map(|p| p + (std::process::id() % 997) as u16)
        .find(|&p| std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok())
        .expect("a free port")
}

fn ipmitool(port: u16, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["-I", "lanplus", "-H", "127.0.0.1", "-p"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.push(port.to_string());
    v.extend(
        ["-U", "admin", "-P", "password"]
            .iter()
            .map(|s| s.to_string()),
    );
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run(args: &[String]) {
    let o = Command::new("ipmitool").args(args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn client(kind: &str, port: u16) -> Tty {
    if kind == "ipmitool" {
        let t = Tty::spawn("ipmitool", &ipmitool(port, &["sol", "activate"]));
        t.wait_for(b"for help]\r\n", 0);
        t
    } else {
        let args: Vec<String> = [
            "-h",
            &format!("127.0.0.1:{port}"),
            "-u",
            "admin",
            "-p",
            "password",
            "-I",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let t = Tty::spawn("ipmiconsole", &args);
        t.wait_for(b"[SOL established]\r\n", 0);
        t
    }
}

fn leave(kind: &str, t: &mut Tty) {
    let esc: &[u8] = if kind == "ipmitool" { b"\r~." } else { b"\r&." };
    let _ = t.master.write_all(esc);
    std::thread::sleep(Duration::from_millis(300));
}

fn throughput(kind: &str, port: u16, machine: &mut UnixStream) -> f64 {
    let mut t = client(kind, port);
    let data: Vec<u8> = (0..64 << 10).map(|i| b'a' + (i % 26) as u8).collect();
    let base = t.len();
    let start = Instant::now();
    machine.write_all(&data).unwrap();
    t.wait_len(base + data.len());
    let secs = start.elapsed().as_secs_f64();
    leave(kind, &mut t);
    data.len() as f64 / secs
}

fn round_trips(kind: &str, port: u16, machine: &UnixStream, n: usize) -> (f64, f64) {
    // The machine echoes every byte.
    let mut echo = machine.try_clone().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    echo.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let th = std::thread::spawn(move || {
        let mut b = [0u8; 256];
        while !s.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(k) = echo.read(&mut b) {
                let _ = echo.write_all(&b[..k]);
            }
        }
    });
    let mut t = client(kind, port);
    let mut times = Vec::new();
    for i in 0..n {
        let key = [b'a' + (i % 26) as u8];
        let from = t.len();
        let start = Instant::now();
        t.master.write_all(&key).unwrap();
        t.wait_for(&key, from);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    leave(kind, &mut t);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = th.join();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times[n / 2], times[n * 99 / 100])
}

fn main() {
    let home = tempfile::tempdir().unwrap();
    let sock = home.path().join("serial.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let port = free_port();
    let h = home.path().to_str().unwrap().to_string();
    let cli = |args: &[&str]| {
        let o = Command::new(BIN)
            .arg("--home")
            .arg(&h)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let console = format!("unix:{}", sock.display());
    let p = port.to_string();
    cli(&[
        "add",
        "m",
        "--address",
        "127.0.0.1",
        "--port",
        &p,
        "--console",
        &console,
    ]);
    let _daemon = Guard(
        Command::new(BIN)
            .arg("--home")
            .arg(&h)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));
    cli(&["start", "m"]);
    let (mut machine, _) = listener.accept().unwrap();
    std::thread::sleep(Duration::from_millis(200));

    for (bit_rate, label) in [("115.2", "paced at 115.2 kbit/s"), ("serial", "unpaced")] {
        run(&ipmitool(
            port,
            &["sol", "set", "non-volatile-bit-rate", bit_rate],
        ));
        run(&ipmitool(
            port,
            &["sol", "set", "volatile-bit-rate", bit_rate],
        ));
        for kind in ["ipmitool", "ipmiconsole"] {
            if kind == "ipmiconsole" && bit_rate == "serial" {
                // ipmiconsole has no flow control: output faster than it writes fails it.
                continue;
            }
            let mut rates: Vec<f64> = (0..3)
                .map(|_| throughput(kind, port, &mut machine))
                .collect();
            rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
            println!(
            "{kind}: console throughput ({label}), 64 KiB machine -> pty: {:.1} KiB/s (median of 3; {:.1}-{:.1})",
            rates[1] / 1024.0,
            rates[0] / 1024.0,
            rates[2] / 1024.0
        );
        }
    }
    for (level, label) in [("2", "10 ms (default)"), ("1", "5 ms")] {
        run(&ipmitool(
            port,
            &["sol", "set", "character-accumulate-level", level],
        ));
        for kind in ["ipmitool", "ipmiconsole"] {
            let (p50, p99) = round_trips(kind, port, &machine, 200);
            println!(
                "{kind}: keystroke round trip (accumulate {label}): p50 {p50:.2} ms, p99 {p99:.2} ms"
            );
        }
    }
}

//! Serial over LAN with the real clients: `ipmitool -I lanplus sol activate` and freeipmi's
//! `ipmiconsole`, each driven through a real pseudo-terminal (as a person or ironic's socat
//! would), against the real daemon with its console backends (the built-in echo console, a
//! Unix socket as QEMU's `-serial unix:...,server` offers it), and through a relay that loses
//! SOL packets.
mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;

/// A client running on a pseudo-terminal: what it prints is collected, what we type goes in.
struct Tty {
    child: Child,
    master: std::fs::File,
    out: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    /// Output before this offset has been matched already.
    mark: usize,
}

impl Tty {
    fn spawn(program: &str, args: &[&str]) -> Tty {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave = std::fs::File::from(pty.slave);
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        let master = std::fs::File::from(pty.master);
        let mut r = master.try_clone().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let o = out.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            // Ends with EIO once the client exits and its side of the pty closes.
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                o.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Tty {
            child,
            master,
            out,
            reader: Some(reader),
            mark: 0,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// Waits until `needle` appears after what was matched before; returns the output up to
    /// and including it.
    fn expect(&mut self, needle: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            {
                let out = self.out.lock().unwrap();
                let hay = &out[self.mark.min(out.len())..];
                if let Some(i) = hay
                    .windows(needle.len())
                    .position(|w| w == needle.as_bytes())
                {
                    let end = self.mark + i + needle.len();
                    let seen = String::from_utf8_lossy(&out[self.mark..end]).into_owned();
                    self.mark = end;
                    return seen;
                }
            }
            if start.elapsed() > limit {
                let t = self.text();
                let tail = t
                    .char_indices()
                    .rev()
                    .nth(3000)
                    .map_or(&t[..], |(i, _)| &t[i..]);
                panic!("{needle:?} did not appear within {limit:?}; output ends: {tail:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for `n` bytes of output after the mark and returns them.
    fn take(&mut self, n: usize, limit: Duration) -> Vec<u8> {
        let start = Instant::now();
        loop {
            {
                let out = self.out.lock().unwrap();
                if out.len() >= self.mark + n {
                    let v = out[self.mark..self.mark + n].to_vec();
                    self.mark += n;
                    return v;
                }
                if start.elapsed() > limit {
                    panic!(
                        "only {} of {n} bytes arrived within {limit:?}",
                        out.len() - self.mark
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let t = self.text();
                panic!(
                    "client did not exit within {limit:?}: {:?}",
                    &t[t.len().saturating_sub(400)..]
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The reader ends when the pty's other side is gone.
        drop(self.reader.take());
    }
}

const S: Duration = Duration::from_secs(20);

fn ipmitool_args(port: u16, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        "admin",
        "-P",
        "password",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn sol_activate(port: u16) -> Tty {
    sol_activate_on("127.0.0.1", port)
}

fn sol_activate_on(host: &str, port: u16) -> Tty {
    require_tool("ipmitool");
    let mut args = ipmitool_args(port, &["sol", "activate"]);
    args[3] = host.to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut t = Tty::spawn("ipmitool", &args);
    t.expect("[SOL Session operational.  Use ~? for help]\r\n", S);
    t
}

/// A daemon with one BMC `m` on 127.0.0.1 (extra `add` arguments), started.
fn bmc(extra: &[&str]) -> (Sim, u16) {
    let mut sim = Sim::new();
    let port = free_port();
    let p = port.to_string();
    let mut args = vec!["add", "m", "--address", "127.0.0.1", "--port", &p];
    args.extend_from_slice(extra);
    sim.ok(&args);
    sim.serve();
    sim.ok(&["start", "m"]);
    (sim, port)
}

fn value<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim())
        .unwrap_or_else(|| panic!("no {key:?} in {text}"))
}

#[test]
fn ipmitool_sol_activate_echo_console_type_leave_info_set() {
    let (mut sim, port) = bmc(&[]);
    assert!(sim.ok(&["show", "m"]).contains("echo"));
    let mut t = sol_activate(port);
    // The banner printed before anyone was attached is replayed.
    t.expect("host-sim m (virtual serial console)", S);
    t.expect("m login: ", S);
    t.send(b"hello sol\r");
    t.expect("hello sol\r\nm login: ", S);
    // ~. is only an escape right after a line end.
    t.send(b"~.");
    t.expect("[terminated ipmitool]", S);
    assert!(t.wait(S).success(), "{}", t.text());

    // sol info / sol set, kept across a daemon restart through the store.
    let info = lanplus_ok(port, &["sol", "info"]);
    assert_eq!(value(&info, "Enabled"), "true", "{info}");
    assert_eq!(value(&info, "Payload Port"), port.to_string(), "{info}");
    assert_eq!(value(&info, "Retry Count"), "7", "{info}");
    lanplus_ok(port, &["sol", "set", "retry-count", "5"]);
    lanplus_ok(port, &["sol", "set", "character-accumulate-level", "4"]);
    lanplus_ok(port, &["sol", "set", "non-volatile-bit-rate", "38.4"]);
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sol", "set", "payload-port", "700"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    sim.stop_daemon();
    sim.serve();
    let info = lanplus_ok(port, &["sol", "info"]);
    assert_eq!(value(&info, "Retry Count"), "5", "{info}");
    assert_eq!(
        value(&info, "Character Accumulate Level (ms)"),
        "20",
        "{info}"
    );
    assert_eq!(
        value(&info, "Non-Volatile Bit Rate (kbps)"),
        "38.4",
        "{info}"
    );
    // Disabled: activation says so.
    lanplus_ok(port, &["sol", "set", "enabled", "false"]);
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sol", "activate"],
    );
    assert!(text(&o).contains("SOL payload disabled"), "{}", text(&o));
}

#[test]
fn second_activation_refused_and_deactivate_from_another_session() {
    let (_sim, port) = bmc(&[]);
    let mut t = sol_activate(port);
    t.expect("m login: ", S);
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sol", "activate"],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("SOL payload already active on another session"),
        "{}",
        text(&o)
    );
    // From another session (what ironic does before it attaches its console).
    lanplus_ok(port, &["sol", "deactivate"]);
    // Now free: a new console gets it, and the first one's typing goes nowhere.
    let mut u = sol_activate(port);
    u.send(b"second\r");
    u.expect("second\r\nm login: ", S);
    u.send(b"~.");
    assert!(u.wait(S).success(), "{}", u.text());
    // The first console's SOL is gone: ipmitool says so when it next sends, and exits.
    t.send(b"\r");
    t.expect("Error sending SOL data", S);
    t.wait(S);
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sol", "deactivate"],
    );
    assert!(
        text(&o).contains("SOL payload already de-activated"),
        "{}",
        text(&o)
    );
}

#[test]
fn ipmiconsole_types_a_line_and_leaves() {
    require_tool("ipmiconsole");
    let (_sim, port) = bmc(&[]);
    for suite in ["3", "17"] {
        let mut t = Tty::spawn(
            "ipmiconsole",
            &[
                "-h",
                &format!("127.0.0.1:{port}"),
                "-u",
                "admin",
                "-p",
                "password",
                "-I",
                suite,
            ],
        );
        t.expect("[SOL established]", S);
        t.send(b"from freeipmi\r");
        t.expect("from freeipmi\r\nm login: ", S);
        t.send(b"&.");
        t.expect("[closing the connection]", S);
        assert!(t.wait(S).success(), "{}", t.text());
    }
}

/// The machine's side of a Unix-socket console (QEMU `-serial unix:PATH,server=on`): accepts
/// host-sim's connection; what is written goes to SOL, what SOL types comes back.
struct Machine {
    stream: std::os::unix::net::UnixStream,
}

impl Machine {
    fn listen(path: &std::path::Path) -> UnixListener {
        UnixListener::bind(path).unwrap()
    }
    fn accept(l: &UnixListener) -> Machine {
        l.set_nonblocking(false).unwrap();
        let (stream, _) = l.accept().unwrap();
        Machine { stream }
    }
}

/// 100 KiB of text that shows where a byte went missing or doubled.
fn burst() -> Vec<u8> {
    let mut v = Vec::new();
    let mut i = 0u32;
    while v.len() < 100 * 1024 {
        v.extend_from_slice(format!("line {i:06} of the burst 0123456789abcdef\n").as_bytes());
        i += 1;
    }
    v.truncate(100 * 1024);
    v
}

fn burst_through(host: &str, port: u16, machine: &mut Machine) -> Duration {
    let mut t = sol_activate_on(host, port);
    // Typing reaches the machine.
    t.send(b"ready?\r");
    let mut got = [0u8; 7];
    machine.stream.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ready?\r");
    let data = burst();
    let start = Instant::now();
    machine.stream.write_all(&data).unwrap();
    let back = t.take(data.len(), Duration::from_secs(120));
    let took = start.elapsed();
    if back != data {
        let at = back.iter().zip(&data).position(|(a, b)| a != b).unwrap();
        panic!(
            "the burst differs at byte {at}: got {:?}, sent {:?}",
            String::from_utf8_lossy(&back[at.saturating_sub(40)..(at + 40).min(back.len())]),
            String::from_utf8_lossy(&data[at.saturating_sub(40)..(at + 40).min(data.len())])
        );
    }
    t.send(b"\r~.");
    assert!(t.wait(S).success(), "{}", t.text());
    took
}

#[test]
fn burst_of_100_kib_arrives_byte_for_byte_over_a_unix_socket_console() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serial.sock");
    let listener = Machine::listen(&path);
    let spec = format!("unix:{}", path.display());
    let (sim, port) = bmc(&["--console", &spec]);
    assert!(sim.ok(&["show", "m"]).contains(&spec));
    let mut machine = Machine::accept(&listener);
    let took = burst_through("127.0.0.1", port, &mut machine);
    eprintln!("100 KiB in {took:?}");
}

/// A UDP relay between one client and the BMC that loses every `nth` SOL datagram in each
/// direction (both the BMC's data packets and the console's ACKs). It listens on 127.0.0.2 at
/// the BMC's port number: ipmitool insists that SOL comes from the port it asked.
struct LossyRelay {
    port: u16,
    stop: Arc<AtomicBool>,
    lost: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl LossyRelay {
    fn start(bmc_port: u16, nth: usize) -> LossyRelay {
        let front = UdpSocket::bind(("127.0.0.2", bmc_port)).unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        }
        let port = front.local_addr().unwrap().port();
        let bmc: SocketAddr = format!("127.0.0.1:{bmc_port}").parse().unwrap();
        let client: Arc<Mutex<Option<SocketAddr>>> = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicUsize::new(0));
        let is_sol = |d: &[u8]| d.len() > 5 && d[4] == 0x06 && d[5] & 0x3F == 0x01;
        let mut threads = Vec::new();
        {
            let (front, back) = (front.try_clone().unwrap(), back.try_clone().unwrap());
            let (client, stop, lost) = (client.clone(), stop.clone(), lost.clone());
            threads.push(std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                let mut sol = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    if let Ok((n, from)) = front.recv_from(&mut buf) {
                        *client.lock().unwrap() = Some(from);
                        if is_sol(&buf[..n]) {
                            sol += 1;
                            if sol % nth == nth / 2 {
                                lost.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        }
                        let _ = back.send_to(&buf[..n], bmc);
                    }
                }
            }));
        }
        {
            let (client, stop, lost) = (client, stop.clone(), lost.clone());
            threads.push(std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                let mut sol = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    if let Ok((n, _)) = back.recv_from(&mut buf) {
                        if is_sol(&buf[..n]) {
                            sol += 1;
                            if sol % nth == 0 {
                                lost.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        }
                        if let Some(to) = *client.lock().unwrap() {
                            let _ = front.send_to(&buf[..n], to);
                        }
                    }
                }
            }));
        }
        LossyRelay {
            port,
            stop,
            lost,
            threads,
        }
    }
}

impl Drop for LossyRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[test]
fn lost_sol_packets_are_retransmitted_nothing_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serial.sock");
    let listener = Machine::listen(&path);
    let spec = format!("unix:{}", path.display());
    let (sim, port) = bmc(&["--console", &spec]);
    let mut machine = Machine::accept(&listener);
    // Short retries, so that each loss costs 100 ms rather than 500.
    lanplus_ok(port, &["sol", "set", "retry-interval", "10"]);
    let relay = LossyRelay::start(port, 25);
    assert_eq!(relay.port, port);
    burst_through("127.0.0.2", port, &mut machine);
    let lost = relay.lost.load(Ordering::Relaxed);
    assert!(lost >= 10, "the relay lost only {lost} SOL datagrams");
    drop(relay);
    let _ = sim;
}

#[test]
fn burst_of_100_kib_reaches_ipmiconsole() {
    require_tool("ipmiconsole");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serial.sock");
    let listener = Machine::listen(&path);
    let spec = format!("unix:{}", path.display());
    let (sim, port) = bmc(&["--console", &spec]);
    let mut machine = Machine::accept(&listener);
    let mut t = Tty::spawn(
        "ipmiconsole",
        &[
            "-h",
            &format!("127.0.0.1:{port}"),
            "-u",
            "admin",
            "-p",
            "password",
            "-I",
            "3",
        ],
    );
    t.expect("[SOL established]\r\n", S);
    let data = burst();
    machine.stream.write_all(&data).unwrap();
    let start = Instant::now();
    while t.out.lock().unwrap().len() < t.mark + data.len()
        && start.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    if t.out.lock().unwrap().len() < t.mark + data.len() {
        let log = sim.log_text();
        let tail: Vec<&str> = log.lines().filter(|l| !l.contains("dropped")).collect();
        let txt = t.text();
        panic!(
            "stalled; client: {:?}\nlog: {}",
            &txt[txt.len().saturating_sub(300)..],
            tail[tail.len().saturating_sub(30)..].join("\n")
        );
    }
    let back = t.take(data.len(), Duration::from_secs(60));
    if back != data {
        let at = back.iter().zip(&data).position(|(a, b)| a != b).unwrap();
        panic!("differs at {at}");
    }
    t.send(b"\r&.");
    let st = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.wait(S)));
    if !matches!(st, Ok(s) if s.success()) {
        let log = sim.log_text();
        let tail: Vec<&str> = log.lines().filter(|l| !l.contains("dropped")).collect();
        panic!(
            "ipmiconsole did not leave: {}",
            tail[tail.len().saturating_sub(15)..].join("\n")
        );
    }
}

/// The machine's side of BMC `m`'s `pty` console: the path `show` prints, opened read-write.
/// The BMC's task opens the pty as it starts, just after `add` has answered: `show` names the
/// path within moments.
fn open_pty_console(sim: &Sim) -> std::fs::File {
    let deadline = Instant::now() + Duration::from_secs(5);
    let path = loop {
        let show = sim.ok(&["show", "m"]);
        let path = show
            .lines()
            .find_map(|l| l.strip_prefix("console").map(str::trim))
            .and_then(|v| v.strip_prefix("pty "))
            .map(str::to_string);
        match path {
            Some(p) => break p,
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            None => panic!("no pty path in {show}"),
        }
    };
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn pty_console_shown_by_show_and_both_ways() {
    let (sim, port) = bmc(&["--console", "pty"]);
    let mut tty = open_pty_console(&sim);
    // Printed while nobody is attached: kept and replayed on activation.
    tty.write_all(b"kernel: booted\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut t = sol_activate(port);
    t.expect("kernel: booted\r\n", S);
    let mut reader = tty.try_clone().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut b = [0u8; 64];
        let mut got = Vec::new();
        while !got.ends_with(b"root\r") {
            match reader.read(&mut b) {
                Ok(n) if n > 0 => got.extend_from_slice(&b[..n]),
                _ => break,
            }
        }
        let _ = tx.send(got);
    });
    t.send(b"root\r");
    let got = rx.recv_timeout(S).expect("typing reached the pty");
    assert!(got.ends_with(b"root\r"), "{got:?}");
    tty.write_all(b"Password: ").unwrap();
    t.expect("Password: ", S);
    t.send(b"\r~.");
    assert!(t.wait(S).success());
}

#[test]
fn exec_and_tcp_consoles() {
    // A command whose stdin/stdout are the console: `cat` echoes what SOL types.
    let (sim, port) = bmc(&["--console", "exec:cat"]);
    let mut t = sol_activate(port);
    t.send(b"via cat\r");
    t.expect("via cat\r", S);
    // A pipe cannot carry a break: logged, once.
    for _ in 0..2 {
        t.send(b"\r~B");
        t.expect("~B [send break]", S);
    }
    t.send(b"\r~.");
    assert!(t.wait(S).success());
    let log = sim.log_text();
    assert_eq!(
        log.matches("this console cannot carry a break").count(),
        1,
        "{log}"
    );

    // A TCP socket the machine serves (QEMU `-serial tcp::PORT,server=on`).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let spec = format!("tcp:{}", listener.local_addr().unwrap());
    let mut sim = Sim::new();
    let port = free_port();
    let p = port.to_string();
    sim.ok(&[
        "add",
        "t",
        "--address",
        "127.0.0.1",
        "--port",
        &p,
        "--console",
        &spec,
    ]);
    sim.serve();
    sim.ok(&["start", "t"]);
    let (mut machine, _) = listener.accept().unwrap();
    machine.write_all(b"tcp console ready\r\n").unwrap();
    let mut t = sol_activate(port);
    t.expect("tcp console ready\r\n", S);
    t.send(b"q");
    let mut b = [0u8; 1];
    machine.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"q");
    t.send(b"\r~.");
    assert!(t.wait(S).success());
}

#[test]
fn user_payload_access_kept_across_restart() {
    let (mut sim, port) = bmc(&["--user", "op:operator=op-password"]);
    let status = |port| lanplus_ok(port, &["sol", "payload", "status", "1", "3"]);
    assert!(
        status(port).contains("User 3 on channel 1 is enabled"),
        "{}",
        status(port)
    );
    lanplus_ok(port, &["sol", "payload", "disable", "1", "3"]);
    assert!(status(port).contains("is disabled"), "{}", status(port));
    // The operator may not activate SOL now; the administrator still may.
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "op",
        "op-password",
        &["-L", "OPERATOR", "sol", "activate"],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("Insufficient privilege"), "{}", text(&o));
    // An operator cannot change payload access.
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "op",
        "op-password",
        &["-L", "OPERATOR", "sol", "payload", "enable", "1", "3"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    sim.stop_daemon();
    sim.serve();
    assert!(status(port).contains("is disabled"), "{}", status(port));
    lanplus_ok(port, &["sol", "payload", "enable", "1", "3"]);
    assert!(status(port).contains("is enabled"), "{}", status(port));
}

#[test]
fn ipmitool_sol_over_every_kind_of_suite() {
    // No integrity (1), integrity only (2, 16), AES with SHA1 / MD5 (3, 8); 17 is the default
    // of the other tests.
    let (_sim, port) = bmc(&[]);
    for suite in ["1", "2", "3", "8", "16"] {
        require_tool("ipmitool");
        let args = ipmitool_args(port, &["-C", suite, "sol", "activate"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut t = Tty::spawn("ipmitool", &args);
        t.expect("[SOL Session operational.  Use ~? for help]\r\n", S);
        let line = format!("suite {suite}\r");
        t.send(line.as_bytes());
        t.expect(&format!("suite {suite}\r\nm login: "), S);
        t.send(b"~.");
        assert!(t.wait(S).success(), "suite {suite}: {}", t.text());
    }
}

/// A loopback address 127.X.Y.1 on which UDP port 623 is free (this process's own, so parallel
/// test runs do not meet): freeipmi's ipmiconsole follows Activate Payload to another SOL port
/// only when it started on 623 (libipmiconsole `_check_try_new_port`). Binding 623 needs root or
/// CAP_NET_BIND_SERVICE.
fn loopback_with_623_free() -> String {
    let seed = std::process::id() as usize;
    for i in 0..5000usize {
        let k = (seed * 7919 + i * 104_729) % (240 * 250);
        let addr = format!("127.{}.{}.1", 10 + k / 250, 1 + k % 250);
        match UdpSocket::bind((addr.as_str(), 623)) {
            Ok(_) => return addr,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                panic!("binding UDP port 623 needs root or CAP_NET_BIND_SERVICE: {e}")
            }
            Err(_) => {}
        }
    }
    panic!("no loopback address with UDP port 623 free");
}

#[test]
fn sol_port_of_its_own_with_ipmitool() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serial.sock");
    let listener = Machine::listen(&path);
    let spec = format!("unix:{}", path.display());
    let sol_port = free_port();
    let q = sol_port.to_string();
    let (sim, port) = bmc(&["--console", &spec, "--sol-port", &q]);
    assert_ne!(port, sol_port);
    let show = sim.ok(&["show", "m"]);
    assert!(
        show.lines()
            .any(|l| l.starts_with("sol_port") && l.ends_with(&q)),
        "{show}"
    );
    // The SOL port must be another port than the BMC's.
    sim.fails(
        &["add", "y", "--port", &q, "--sol-port", &q],
        "sol_port is the BMC's own port",
    );
    let mut machine = Machine::accept(&listener);
    // Activate Payload's answer (and `sol info`) name the SOL port.
    let info = lanplus_ok(port, &["sol", "info"]);
    assert_eq!(value(&info, "Payload Port"), q, "{info}");
    // ipmitool talks SOL only on the port it opened its session on (lib/ipmi_sol.c: "the spec
    // does allow for SOL traffic to be sent on a different port.  we do not yet support that
    // feature").
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["sol", "activate"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("BMC requests SOL session on different port"),
        "{}",
        text(&o)
    );
    // The SOL port serves everything: ipmitool -p SOL_PORT opens its session there, and typing
    // and a 100 KiB burst go through it (ipmitool closed its first session, so SOL is free).
    let info = lanplus_ok(sol_port, &["sol", "info"]);
    assert_eq!(value(&info, "Payload Port"), q, "{info}");
    let took = burst_through("127.0.0.1", sol_port, &mut machine);
    eprintln!("100 KiB over the SOL port in {took:?}");
    // The BMC's own port still serves the rest.
    lanplus_ok(port, &["chassis", "power", "status"]);
    // Stopped, both ports are free again; started, both serve.
    sim.ok(&["stop", "m"]);
    UdpSocket::bind(("127.0.0.1", sol_port)).expect("the SOL port is released");
    sim.ok(&["start", "m"]);
    let info = lanplus_ok(sol_port, &["sol", "info"]);
    assert_eq!(value(&info, "Payload Port"), q, "{info}");
}

#[test]
fn sol_port_of_its_own_ipmiconsole_moves_there() {
    require_tool("ipmiconsole");
    let addr = loopback_with_623_free();
    let sol_port = free_port_on(&[&addr]);
    let q = sol_port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serial.sock");
    let listener = Machine::listen(&path);
    let spec = format!("unix:{}", path.display());
    let mut sim = Sim::new();
    sim.ok(&[
        "add",
        "m",
        "--address",
        &addr,
        "--port",
        "623",
        "--sol-port",
        &q,
        "--console",
        &spec,
    ]);
    sim.serve();
    sim.ok(&["start", "m"]);
    let mut machine = Machine::accept(&listener);
    // Printed before anyone is attached: kept, and replayed on the SOL port (not lost to the
    // short-lived first activation on 623).
    machine.stream.write_all(b"kernel: booted\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // ipmiconsole on 623 (no port given): Activate Payload names the SOL port; it deactivates,
    // closes the session and starts again there (its --debug says so; 1.6.10's --debugfile
    // fails with "PROGRAM ERROR", so the debug lines come on the terminal).
    let mut t = Tty::spawn(
        "ipmiconsole",
        &[
            "-h", &addr, "-u", "admin", "-p", "password", "-I", "3", "--debug",
        ],
    );
    t.expect(&format!("trying new port: {sol_port:X}h"), S);
    t.expect("[SOL established]", S);
    t.expect("kernel: booted\r\n", S);
    t.send(b"ready?\r");
    let mut got = [0u8; 7];
    machine.stream.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ready?\r");
    t.send(b"&.");
    t.expect("[closing the connection]", S);
    assert!(t.wait(S).success(), "{}", t.text());

    // 100 KiB from the machine, byte for byte, over the SOL port.
    let mut t = Tty::spawn(
        "ipmiconsole",
        &["-h", &addr, "-u", "admin", "-p", "password", "-I", "17"],
    );
    t.expect("[SOL established]\r\n", S);
    let data = burst();
    machine.stream.write_all(&data).unwrap();
    let back = t.take(data.len(), Duration::from_secs(60));
    if back != data {
        let at = back.iter().zip(&data).position(|(a, b)| a != b).unwrap();
        panic!("the burst differs at byte {at}");
    }
    t.send(b"\r&.");
    assert!(t.wait(S).success(), "{}", t.text());
}

/// Collects everything a machine-side stream receives, in a thread of its own.
fn collect(mut r: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        let mut b = [0u8; 4096];
        while let Ok(n) = r.read(&mut b) {
            if n == 0 {
                break;
            }
            g.lock().unwrap().extend_from_slice(&b[..n]);
        }
    });
    got
}

/// Waits until `got` holds `needle`.
fn wait_for(got: &Arc<Mutex<Vec<u8>>>, needle: &[u8]) {
    let start = Instant::now();
    loop {
        {
            let g = got.lock().unwrap();
            if g.windows(needle.len()).any(|w| w == needle) {
                return;
            }
            if start.elapsed() > S {
                panic!(
                    "{:?} did not reach the machine; it got {:?}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(&g)
                );
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn break_reaches_a_telnet_console_as_iac_brk() {
    // The machine's side is a telnet server as QEMU's `-serial telnet::PORT,server=on` is: it
    // offers echo, suppress-go-ahead and binary on connect, and takes IAC BRK as a break.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let spec = format!("telnet:{}", listener.local_addr().unwrap());
    let (sim, port) = bmc(&["--console", &spec]);
    assert!(sim.ok(&["show", "m"]).contains(&spec));
    let (mut machine, _) = listener.accept().unwrap();
    machine
        .write_all(&[255, 251, 1, 255, 251, 3, 255, 251, 0, 255, 253, 0])
        .unwrap();
    machine
        .write_all(b"telnet console \xff\xff ready\r\n")
        .unwrap();
    let got = collect(machine.try_clone().unwrap());
    // host-sim accepts the options it can (DO echo, sga, binary; WILL binary).
    wait_for(&got, &[255, 253, 1, 255, 253, 3, 255, 253, 0, 255, 251, 0]);
    std::thread::sleep(Duration::from_millis(300));

    let mut t = sol_activate(port);
    // Negotiation stripped, IAC IAC one 0xFF.
    let want = b"telnet console \xff ready\r\n";
    assert_eq!(t.take(want.len(), S), want);
    // ipmitool's ~B: a SOL packet with the break bit, between the bytes typed around it; a
    // typed 0xFF goes out doubled.
    t.send(b"hi\r");
    wait_for(&got, b"hi\r");
    t.send(b"~B");
    t.expect("~B [send break]", S);
    t.send(b"x\xff\r");
    wait_for(&got, b"hi\r\xff\xf3x\xff\xff\r");
    t.send(b"~.");
    assert!(t.wait(S).success(), "{}", t.text());

    // ipmiconsole's &B.
    require_tool("ipmiconsole");
    let mut t = Tty::spawn(
        "ipmiconsole",
        &[
            "-h",
            &format!("127.0.0.1:{port}"),
            "-u",
            "admin",
            "-p",
            "password",
        ],
    );
    t.expect("[SOL established]", S);
    t.send(b"ok\r");
    wait_for(&got, b"ok\r");
    t.send(b"&B");
    t.send(b"z");
    wait_for(&got, b"ok\r\xff\xf3z");
    t.send(b"\r&.");
    assert!(t.wait(S).success(), "{}", t.text());
    assert!(sim.log_text().contains("IAC BRK to the telnet console"));
}

#[test]
fn break_to_a_pty_console() {
    use nix::sys::termios;
    let (sim, port) = bmc(&["--console", "pty"]);
    let tty = open_pty_console(&sim);
    // A serial line that marks a break as \377 \0 \0 in the data (PARMRK, no BRKINT/IGNBRK).
    let mut tio = termios::tcgetattr(&tty).unwrap();
    termios::cfmakeraw(&mut tio);
    tio.input_flags |= termios::InputFlags::PARMRK;
    tio.input_flags &= !(termios::InputFlags::BRKINT | termios::InputFlags::IGNBRK);
    termios::tcsetattr(&tty, termios::SetArg::TCSANOW, &tio).unwrap();
    let got = collect(tty.try_clone().unwrap());
    let mut t = sol_activate(port);
    t.send(b"a\r");
    wait_for(&got, b"a\r");
    t.send(b"~B");
    t.expect("~B [send break]", S);
    t.send(b"b");
    wait_for(&got, b"b");
    t.send(b"\r~.");
    assert!(t.wait(S).success(), "{}", t.text());
    // The break reached the pty as tcsendbreak on its master...
    assert!(
        sim.log_text().contains("tcsendbreak on the console pty"),
        "{}",
        sim.log_text()
    );
    // ... which Linux's pty driver drops (no break_ctl): the line sees the bytes around it in
    // order, and a break marker only on a kernel whose ptys carry breaks.
    let g = got.lock().unwrap().clone();
    let marked = g.windows(3).any(|w| w == b"\xff\0\0");
    let plain: Vec<u8> = String::from_utf8_lossy(&g)
        .replace("\u{fffd}\0\0", "")
        .into_bytes();
    assert!(plain.starts_with(b"a\rb"), "{g:?}");
    eprintln!("break marker seen on the pty's slave side: {marked}");
}

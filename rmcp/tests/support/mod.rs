//! A minimal std UDP shell around the sans-IO endpoint, and runners for the real clients.
//! host-sim is the real shell; this one exists so rmcp's own tests use real UDP and real
//! ipmitool/freeipmi processes.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant as StdInstant};

use ipmi_core::bmc::{Action, ActionResult, ControlOp};
use ipmi_core::{Instant, Privilege};
use rmcp::server::{Config, Endpoint, Output as EpOutput, MAX_DATAGRAM};
pub use rmcp::session::OsRandom;

/// What the fake machine behind the BMC saw.
#[derive(Debug, Default, Clone)]
pub struct Machine {
    pub on: bool,
    /// Every action the endpoint asked for, in order.
    pub actions: Vec<Action>,
}

/// A BMC serving real UDP on 127.0.0.1 in a thread.
pub struct UdpBmc {
    pub port: u16,
    pub machine: Arc<Mutex<Machine>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// The standard test configuration: admin/password (Administrator), operator/oppass
/// (Operator), user/userpass (User).
pub fn config() -> Config<8> {
    let mut c: Config<8> = Config::new();
    c.add_user(b"admin", b"password", Privilege::Administrator)
        .unwrap();
    c.add_user(b"operator", b"oppass", Privilege::Operator)
        .unwrap();
    c.add_user(b"user", b"userpass", Privilege::User).unwrap();
    c.system_guid = *b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff";
    c
}

impl UdpBmc {
    pub fn start(config: Config<8>) -> UdpBmc {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let port = sock.local_addr().unwrap().port();
        let machine = Arc::new(Mutex::new(Machine::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (machine.clone(), stop.clone());
        let thread = std::thread::spawn(move || serve(sock, config, m, s));
        UdpBmc {
            port,
            machine,
            stop,
            thread: Some(thread),
        }
    }

    pub fn actions(&self) -> Vec<Action> {
        self.machine.lock().unwrap().actions.clone()
    }
}

impl Drop for UdpBmc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(sock: UdpSocket, config: Config<8>, machine: Arc<Mutex<Machine>>, stop: Arc<AtomicBool>) {
    let epoch = StdInstant::now();
    let mut ep: Endpoint<8, 8> = Endpoint::new(config);
    let mut rng = OsRandom;
    let mut buf = [0u8; 2048];
    let mut out = [0u8; MAX_DATAGRAM];
    while !stop.load(Ordering::SeqCst) {
        let (n, peer) = match sock.recv_from(&mut buf) {
            Ok(x) => x,
            Err(_) => continue,
        };
        let now = Instant::from_millis(epoch.elapsed().as_millis() as u64);
        match ep.handle(now, peer, &buf[..n], &mut rng, &mut out) {
            EpOutput::Drop => {}
            EpOutput::Reply(len) => {
                let _ = sock.send_to(&out[..len], peer);
            }
            EpOutput::Pending(ticket, action) => {
                let result = act(&machine, action);
                if let Some(len) = ep.complete(ticket, result, now, &mut rng, &mut out) {
                    let _ = sock.send_to(&out[..len], peer);
                }
            }
        }
    }
}

fn act(machine: &Mutex<Machine>, action: Action) -> ActionResult {
    let mut m = machine.lock().unwrap();
    m.actions.push(action);
    match action {
        Action::PowerStatus => ActionResult::Power { on: m.on },
        Action::Control { op, .. } => {
            match op {
                ControlOp::PowerDown | ControlOp::SoftShutdown => m.on = false,
                ControlOp::PowerUp | ControlOp::PowerCycle | ControlOp::HardReset => m.on = true,
                ControlOp::PulseDiagnosticInterrupt => {}
            }
            ActionResult::Done
        }
        Action::Identify { .. } | Action::SetBootFlags(_) => ActionResult::Done,
        Action::ReadSensor { .. } => ActionResult::Reading { raw: None },
        // No bridge targets are configured here, so the dispatcher never defers this.
        Action::Bridge { .. } => ActionResult::Failed(ipmi_core::CompletionCode::CommandSpecific83),
    }
}

/// A finished client run.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }
    pub fn text(&self) -> String {
        format!(
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs a client, killing it after `limit`.
pub fn run(program: &str, args: &[&str], limit: Duration) -> Run {
    let start = StdInstant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/test.sh deps): {e}"));
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let Output { stdout, stderr, .. } = child.wait_with_output().unwrap_or(Output {
        status: Default::default(),
        stdout: Vec::new(),
        stderr: Vec::new(),
    });
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// `ipmitool -I lanplus` against the BMC with credentials, cipher suite and command.
pub fn ipmitool(port: u16, user: &str, pass: &str, extra: &[&str], cmd: &[&str]) -> Run {
    let port = port.to_string();
    let mut args = vec![
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        user,
        "-P",
        pass,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(cmd);
    run("ipmitool", &args, Duration::from_secs(30))
}

/// A freeipmi tool with `-D LAN_2_0` against the BMC.
pub fn freeipmi(tool: &str, port: u16, user: &str, pass: &str, extra: &[&str]) -> Run {
    let host = format!("127.0.0.1:{port}");
    let mut args = vec!["-D", "LAN_2_0", "-h", &host, "-u", user, "-p", pass];
    args.extend_from_slice(extra);
    run(tool, &args, Duration::from_secs(30))
}

/// Sends one datagram and waits briefly for a reply.
pub fn exchange(port: u16, datagram: &[u8]) -> Option<Vec<u8>> {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let to: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    sock.send_to(datagram, to).unwrap();
    let mut buf = [0u8; 2048];
    sock.recv_from(&mut buf)
        .ok()
        .map(|(n, _)| buf[..n].to_vec())
}

/// Whether an RMCP datagram belongs to a session (non-zero session id, 1.5 or 2.0 framing).
fn in_session(d: &[u8]) -> bool {
    let sid = match d.get(4) {
        Some(0x06) => d.get(6..10),
        Some(_) => d.get(9..13),
        None => None,
    };
    sid.is_some_and(|s| s != [0, 0, 0, 0])
}

/// What a relay does to the traffic between a client and the BMC.
#[derive(Debug, Clone, Copy)]
pub enum Mischief {
    /// Every in-session client datagram goes to the BMC twice (a replay of each).
    DuplicateInSession,
    /// The first reply of each of these kinds is lost; everything else passes.
    LoseFirstReplyOf(&'static [Reply]),
}

/// The BMC replies a relay can tell apart (from the framing, never from secrets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// IPMI 1.5 Get Session Challenge response.
    Challenge,
    /// IPMI 1.5 Activate Session response.
    Activate,
    /// RMCP+ Open Session Response.
    OpenSession,
    Rakp2,
    Rakp4,
    /// Close Session response (IPMI 1.5, or RMCP+ without encryption).
    Close,
    /// The first reply to a request inside a session (IPMI 1.5 or RMCP+), but Close Session.
    InSession,
}

/// Close Session's command number.
const CLOSE_SESSION: u8 = 0x3c;

impl Reply {
    /// Which kind of reply a BMC datagram is, if any of the above.
    fn of(d: &[u8]) -> Option<Reply> {
        if d.get(4) == Some(&0x06) {
            return match d.get(5).map(|t| t & 0x3f) {
                Some(0x11) => Some(Reply::OpenSession),
                Some(0x13) => Some(Reply::Rakp2),
                Some(0x15) => Some(Reply::Rakp4),
                // In clear, the LAN message follows the 16-byte session header.
                Some(0x00)
                    if in_session(d) && d[5] & 0x80 == 0 && d.get(21) == Some(&CLOSE_SESSION) =>
                {
                    Some(Reply::Close)
                }
                Some(0x00) if in_session(d) => Some(Reply::InSession),
                _ => None,
            };
        }
        // IPMI 1.5: the auth code is there unless the auth type is none; the command is byte 5
        // of the message.
        let msg = if d.get(4)? == &0 { 14 } else { 30 };
        match d.get(msg + 5)? {
            0x39 => Some(Reply::Challenge),
            0x3a => Some(Reply::Activate),
            &CLOSE_SESSION => Some(Reply::Close),
            _ if in_session(d) => Some(Reply::InSession),
            _ => None,
        }
    }
}

/// A UDP relay on 127.0.0.1 between one client and the BMC, from one socket (so the BMC sees
/// the same peer), up to some [`Mischief`].
pub struct Relay {
    pub port: u16,
    stop: Arc<AtomicBool>,
    count: Arc<Mutex<usize>>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    pub fn start(bmc_port: u16, mischief: Mischief) -> Relay {
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        front
            .set_read_timeout(Some(Duration::from_millis(5)))
            .unwrap();
        back.set_read_timeout(Some(Duration::from_millis(5)))
            .unwrap();
        let port = front.local_addr().unwrap().port();
        let bmc: SocketAddr = format!("127.0.0.1:{bmc_port}").parse().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(Mutex::new(0));
        let (s, c) = (stop.clone(), count.clone());
        let thread = std::thread::spawn(move || {
            let mut client: Option<SocketAddr> = None;
            let mut lost: Vec<Reply> = Vec::new();
            let mut buf = [0u8; 2048];
            while !s.load(Ordering::SeqCst) {
                if let Ok((n, from)) = front.recv_from(&mut buf) {
                    client = Some(from);
                    let _ = back.send_to(&buf[..n], bmc);
                    if matches!(mischief, Mischief::DuplicateInSession) && in_session(&buf[..n]) {
                        let _ = back.send_to(&buf[..n], bmc);
                        *c.lock().unwrap() += 1;
                    }
                }
                while let Ok((n, _)) = back.recv_from(&mut buf) {
                    if let Mischief::LoseFirstReplyOf(kinds) = mischief {
                        if let Some(k) = Reply::of(&buf[..n]) {
                            if kinds.contains(&k) && !lost.contains(&k) {
                                lost.push(k);
                                *c.lock().unwrap() += 1;
                                continue;
                            }
                        }
                    }
                    if let Some(to) = client {
                        let _ = front.send_to(&buf[..n], to);
                    }
                }
            }
        });
        Relay {
            port,
            stop,
            count,
            thread: Some(thread),
        }
    }

    /// Client datagrams sent twice, or replies lost.
    pub fn mischief_done(&self) -> usize {
        *self.count.lock().unwrap()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

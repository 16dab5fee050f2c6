//! A BMC's serial console: where the machine's side of Serial over LAN comes from.
//!
//! A console is one of: the built-in `echo` console (the memory provider's default: a login-like
//! banner, then it echoes what it is sent), a `pty` the daemon creates (its path is shown by
//! `show`: point a VM's serial line, `screen` or a test at it), a Unix socket (`unix:PATH`,
//! what QEMU's `-serial unix:PATH,server=on,wait=off` and libvirt's `<serial type='unix'>`
//! offer), a TCP socket (`tcp:HOST:PORT`), a telnet server (`telnet:HOST:PORT`, QEMU's
//! `-serial telnet:...,server=on`), or a command whose stdin/stdout are the console
//! (`exec:virsh console NAME`, `exec:qm terminal 100`). Sockets and commands are reconnected
//! (restarted) a second after they end.
//!
//! A console's break request (ipmitool `~B`, ipmiconsole `&B`) goes where the line can carry it:
//! a telnet console gets telnet's BREAK (IAC BRK, which QEMU turns into a break on the guest's
//! UART); a pty gets `tcsendbreak` on its master, which Linux's pty driver accepts and drops (it
//! has no `break_ctl`: the other side never sees a break); the other kinds cannot carry one and
//! log it once.
//!
//! What the machine prints is kept in a ring buffer of `console_buffer` bytes. While no SOL
//! session is active the oldest bytes make room for new ones, and what is left is replayed when
//! a console activates SOL. While SOL is active the reader waits for room instead, so a burst
//! reaches the console byte for byte. Plain threads, not tasks: a console is rare, and a blocking
//! read on a pty or a pipe is what the OS offers.
use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use nix::pty::OpenptyResult;

/// Default ring buffer size.
pub const DEFAULT_BUFFER: usize = 64 * 1024;
/// How long a reader waits before it looks at the stop flag again.
const POLL: Duration = Duration::from_millis(200);

/// Where a console's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// No console (SOL activation is refused as disabled).
    None,
    /// The built-in echo console.
    Echo,
    /// A pseudo-terminal the daemon creates.
    Pty,
    /// A Unix stream socket to connect to.
    Unix(PathBuf),
    /// A TCP socket to connect to, `HOST:PORT`.
    Tcp(String),
    /// A telnet server to connect to, `HOST:PORT` (QEMU `-serial telnet:...,server=on`): its
    /// option negotiation is answered and stripped, 0xFF escaped, and a break sent as IAC BRK.
    Telnet(String),
    /// A command run with `sh -c`, its stdin and stdout the console.
    Exec(String),
}

impl Backend {
    /// Parses `none`, `echo`, `pty`, `unix:PATH`, `tcp:HOST:PORT`, `telnet:HOST:PORT` or
    /// `exec:COMMAND`.
    pub fn parse(spec: &str) -> Result<Backend, String> {
        let spec = spec.trim();
        let bad = || {
            format!("bad console {spec:?}: use none, echo, pty, unix:PATH, tcp:HOST:PORT, telnet:HOST:PORT or exec:COMMAND")
        };
        let host_port = |a: &str| {
            a.rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
        };
        Ok(match spec {
            "none" => Backend::None,
            "echo" => Backend::Echo,
            "pty" => Backend::Pty,
            _ => match spec.split_once(':') {
                Some(("unix", p)) if !p.is_empty() => Backend::Unix(PathBuf::from(p)),
                Some(("tcp", a)) if host_port(a) => Backend::Tcp(a.to_string()),
                Some(("telnet", a)) if host_port(a) => Backend::Telnet(a.to_string()),
                Some(("exec", c)) if !c.trim().is_empty() => Backend::Exec(c.to_string()),
                _ => return Err(bad()),
            },
        })
    }

    /// The console a BMC gets: its `console` setting, else what its provider file names in
    /// `[CONSOLE] console = ...`, else `echo` for the memory provider and none otherwise.
    pub fn of(cfg: &crate::config::BmcConfig) -> Result<Backend, String> {
        if let Some(s) = &cfg.console {
            return Backend::parse(s);
        }
        if cfg.provider == "memory" {
            return Ok(Backend::Echo);
        }
        match std::fs::read_to_string(&cfg.provider) {
            Ok(text) => match provider_console(&text) {
                Some(s) => Backend::parse(&s),
                None => Ok(Backend::None),
            },
            Err(_) => Ok(Backend::None),
        }
    }
}

/// `console = SPEC` of the `[CONSOLE]` section of a shipmi-style provider file, if any.
pub fn provider_console(text: &str) -> Option<String> {
    let mut in_console = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(s) = t.strip_prefix('[') {
            in_console = s
                .trim_end_matches(']')
                .trim()
                .eq_ignore_ascii_case("CONSOLE");
            continue;
        }
        if !in_console || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(sep) = t.find(['=', ':']) {
            if t[..sep].trim().eq_ignore_ascii_case("console") {
                return Some(t[sep + 1..].trim().to_string());
            }
        }
    }
    None
}

/// The pty paths of running BMCs, for `show`.
fn ptys() -> &'static Mutex<HashMap<String, PathBuf>> {
    static P: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    P.get_or_init(Default::default)
}

/// The pty path of BMC `name`, while it runs with a pty console.
pub fn pty_path(name: &str) -> Option<PathBuf> {
    ptys()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .cloned()
}

/// The machine's output, bounded.
struct Ring {
    bytes: VecDeque<u8>,
    cap: usize,
    /// Bytes dropped to make room since the last take.
    lost: usize,
}

/// What goes to the machine: console input, or a break (in the order the console sent them).
enum Input {
    Bytes(Vec<u8>),
    Break,
}

/// How a console's line carries a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Breaks {
    /// It cannot (echo, unix:, tcp:, exec:): logged once.
    No,
    /// `tcsendbreak` on the pty's master (accepted and dropped by Linux's pty driver).
    Pty,
    /// Telnet's IAC BRK.
    Telnet,
}

/// Telnet's bytes (RFC 854, 856, 857, 858).
mod telnet {
    pub const IAC: u8 = 255;
    pub const DONT: u8 = 254;
    pub const DO: u8 = 253;
    pub const WONT: u8 = 252;
    pub const WILL: u8 = 251;
    pub const SB: u8 = 250;
    pub const BRK: u8 = 243;
    pub const SE: u8 = 240;
    pub const BINARY: u8 = 0;
    pub const ECHO: u8 = 1;
    pub const SGA: u8 = 3;
}

/// One BMC's console: the ring of machine output, the way to the machine's input, and the
/// threads that move them.
pub struct Console {
    /// The built-in echo console (no thread).
    echo: bool,
    name: String,
    ring: Mutex<Ring>,
    /// Signalled when the ring has room again (a reader waits on it while SOL is active).
    room: Condvar,
    /// SOL is active: readers wait for room instead of dropping old bytes.
    active: AtomicBool,
    stop: AtomicBool,
    input: Mutex<Option<Sender<Input>>>,
    /// How a break reaches the machine, and whether "cannot" was logged already.
    breaks: Breaks,
    break_logged: AtomicBool,
    /// Wakes the BMC's SOL pump: machine output arrived.
    pub wake: tokio::sync::Notify,
    child: Mutex<Option<std::process::Child>>,
    /// The virtual UART's pace: (bytes it may still send, when that was last topped up).
    pace: Mutex<(f64, std::time::Instant)>,
}

/// Bytes per second of a SOL bit rate code (parameters 5/6): a serial port sends 10 bits per
/// character. Code 0, "the serial port's own setting", is no limit: a socket or a pty has no
/// bit rate of its own (`ipmitool sol set non-volatile-bit-rate serial`, and the volatile one).
pub fn bytes_per_second(code: u8) -> Option<f64> {
    let bits = match code {
        0 => return None,
        6 => 9_600.0,
        7 => 19_200.0,
        8 => 38_400.0,
        9 => 57_600.0,
        _ => 115_200.0,
    };
    Some(bits / 10.0)
}

/// Most bytes the virtual UART lets out at once after a pause (one SOL packet's worth).
const PACE_BURST: f64 = 160.0;

/// Opens BMC `name`'s console pty, the slave in raw mode, and registers its path for `show`.
fn open_pty(name: &str) -> Result<OpenptyResult, String> {
    use nix::sys::termios;
    let pty = nix::pty::openpty(None, None).map_err(|e| format!("openpty: {e}"))?;
    let mut t = termios::tcgetattr(&pty.slave).map_err(|e| format!("tcgetattr: {e}"))?;
    termios::cfmakeraw(&mut t);
    termios::tcsetattr(&pty.slave, termios::SetArg::TCSANOW, &t)
        .map_err(|e| format!("tcsetattr: {e}"))?;
    let path = nix::unistd::ttyname(&pty.slave).map_err(|e| format!("ttyname: {e}"))?;
    tracing::info!(bmc = %name, path = %path.display(), "console pty");
    ptys()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), path);
    Ok(pty)
}

impl Console {
    /// Starts the console of BMC `name`; `None` for [`Backend::None`].
    pub fn start(name: &str, backend: Backend, cap: usize) -> Option<Arc<Console>> {
        if backend == Backend::None {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let echo = backend == Backend::Echo;
        let breaks = match backend {
            Backend::Pty => Breaks::Pty,
            Backend::Telnet(_) => Breaks::Telnet,
            _ => Breaks::No,
        };
        let c = Arc::new(Console {
            echo,
            name: name.to_string(),
            ring: Mutex::new(Ring {
                bytes: VecDeque::new(),
                cap: cap.max(256),
                lost: 0,
            }),
            room: Condvar::new(),
            active: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            input: Mutex::new(Some(tx)),
            breaks,
            break_logged: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
            child: Mutex::new(None),
            pace: Mutex::new((PACE_BURST, std::time::Instant::now())),
        });
        if echo {
            // No thread: the banner now, each echo when the input arrives (a BMC with the
            // built-in console costs nothing while nobody types).
            c.machine_output(
                format!("\r\nhost-sim {name} (virtual serial console)\r\n\r\n{name} login: ")
                    .as_bytes(),
                false,
            );
            return Some(c);
        }
        // The pty exists (and `show` names it) before the BMC counts as started.
        let pty = match backend {
            Backend::Pty => match open_pty(name) {
                Ok(pty) => Some(pty),
                Err(e) => {
                    tracing::error!(bmc = %name, "pty console: {e}");
                    return Some(c);
                }
            },
            _ => None,
        };
        let me = c.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("console-{name}"))
            .spawn(move || me.run(backend, rx, pty));
        if let Err(e) = spawned {
            tracing::error!(bmc = %name, "cannot start the console thread: {e}");
        }
        Some(c)
    }

    /// Stops the threads (a blocked pty or socket read ends within [`POLL`]) and a command.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.room.notify_all();
        if let Some(mut child) = self.child.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        ptys()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.name);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// SOL became active or inactive.
    pub fn set_active(&self, on: bool) {
        self.active.store(on, Ordering::Relaxed);
        self.room.notify_all();
    }

    /// Machine output, as a reader got it. `wait`: while SOL is active, wait for room rather
    /// than drop the oldest bytes (a reader thread; never the echo console, which runs on the
    /// thread that holds the BMC).
    fn machine_output(&self, mut bytes: &[u8], wait: bool) {
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        while !bytes.is_empty() && !self.stopped() {
            let room = ring.cap - ring.bytes.len();
            if room == 0 {
                if wait && self.active.load(Ordering::Relaxed) {
                    self.wake.notify_one();
                    ring = self
                        .room
                        .wait_timeout(ring, POLL)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                    continue;
                }
                let n = bytes.len().min(ring.cap);
                ring.bytes.drain(..n);
                ring.lost += n;
                continue;
            }
            let n = room.min(bytes.len());
            ring.bytes.extend(&bytes[..n]);
            bytes = &bytes[n..];
        }
        drop(ring);
        self.wake.notify_one();
    }

    /// Takes up to `max` bytes of machine output, and how many were dropped before them.
    pub fn take_output(&self, max: usize) -> (Vec<u8>, usize) {
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        let n = max.min(ring.bytes.len());
        let out: Vec<u8> = ring.bytes.drain(..n).collect();
        let lost = std::mem::take(&mut ring.lost);
        drop(ring);
        if n > 0 {
            self.room.notify_all();
        }
        (out, lost)
    }

    /// How many bytes the machine's serial line can have sent by now at `rate` bytes/s (it
    /// never outruns its bit rate, as a real BMC's UART does not: freeipmi's ipmiconsole has no
    /// flow control and fails with "internal error" when output outruns its own buffer), and
    /// the wait until the next byte is due.
    pub fn pace(&self, rate: Option<f64>) -> (usize, Duration) {
        let Some(rate) = rate else {
            return (usize::MAX, Duration::ZERO);
        };
        let mut p = self.pace.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        p.0 = (p.0 + now.duration_since(p.1).as_secs_f64() * rate).min(PACE_BURST);
        p.1 = now;
        let n = p.0.floor().max(0.0) as usize;
        let wait = if n > 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - p.0) / rate)
        };
        (n, wait)
    }

    /// `n` bytes went out on the virtual serial line.
    pub fn paced(&self, n: usize) {
        let mut p = self.pace.lock().unwrap_or_else(|e| e.into_inner());
        p.0 -= n as f64;
    }

    /// Bytes waiting in the ring.
    pub fn buffered(&self) -> usize {
        self.ring
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .bytes
            .len()
    }

    /// Console input for the machine (what the SOL console typed).
    pub fn write_input(&self, bytes: &[u8]) {
        if self.echo {
            self.echo_input(bytes);
            return;
        }
        if let Some(tx) = &*self.input.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = tx.send(Input::Bytes(bytes.to_vec()));
        }
    }

    /// The SOL console asked for a break on the machine's serial line: sent where the line can
    /// carry one (after the input before it), logged once where it cannot.
    pub fn send_break(&self) {
        let first = !self.break_logged.swap(true, Ordering::Relaxed);
        match self.breaks {
            Breaks::No => {
                if first {
                    tracing::info!(bmc = %self.name, "SOL break requested: this console cannot carry a break (only pty and telnet: consoles can); logged once");
                }
                return;
            }
            Breaks::Pty if first => {
                tracing::info!(bmc = %self.name, "SOL break: tcsendbreak on the console pty (Linux's pty driver drops breaks: the other side sees none)");
            }
            Breaks::Pty => {}
            Breaks::Telnet => {
                tracing::info!(bmc = %self.name, "SOL break: IAC BRK to the telnet console")
            }
        }
        if let Some(tx) = &*self.input.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = tx.send(Input::Break);
        }
    }

    fn run(self: Arc<Self>, backend: Backend, rx: Receiver<Input>, pty: Option<OpenptyResult>) {
        let rx = Arc::new(Mutex::new(rx));
        match backend {
            Backend::None | Backend::Echo => {}
            Backend::Pty => {
                let Some(pty) = pty else { return };
                if let Err(e) = self.pty(pty, &rx) {
                    tracing::error!(bmc = %self.name, "pty console: {e}");
                }
            }
            Backend::Unix(path) => self.reconnecting(&rx, "unix", || {
                let s = std::os::unix::net::UnixStream::connect(&path)?;
                s.set_read_timeout(Some(POLL))?;
                let w = s.try_clone()?;
                Ok((
                    Box::new(s) as Box<dyn Read + Send>,
                    Box::new(w) as Box<dyn Write + Send>,
                ))
            }),
            Backend::Tcp(addr) => self.reconnecting(&rx, "tcp", || {
                let s = std::net::TcpStream::connect(&addr)?;
                s.set_read_timeout(Some(POLL))?;
                s.set_nodelay(true)?;
                let w = s.try_clone()?;
                Ok((
                    Box::new(s) as Box<dyn Read + Send>,
                    Box::new(w) as Box<dyn Write + Send>,
                ))
            }),
            Backend::Telnet(addr) => self.reconnecting(&rx, "telnet", || {
                let s = std::net::TcpStream::connect(&addr)?;
                s.set_read_timeout(Some(POLL))?;
                s.set_nodelay(true)?;
                let (w, answers) = (s.try_clone()?, s.try_clone()?);
                Ok((
                    Box::new(TelnetReader::new(s, answers)) as Box<dyn Read + Send>,
                    Box::new(w) as Box<dyn Write + Send>,
                ))
            }),
            Backend::Exec(cmd) => {
                let me = self.clone();
                self.reconnecting(&rx, "exec", move || {
                    let mut child = std::process::Command::new("sh")
                        .arg("-c")
                        .arg(&cmd)
                        .stdin(std::process::Stdio::piped())
                        .stdout(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::null())
                        .spawn()?;
                    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take())
                    else {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(std::io::Error::other("no pipes"));
                    };
                    if let Some(mut old) = me
                        .child
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .replace(child)
                    {
                        let _ = old.kill();
                        let _ = old.wait();
                    }
                    Ok((
                        Box::new(stdout) as Box<dyn Read + Send>,
                        Box::new(stdin) as Box<dyn Write + Send>,
                    ))
                })
            }
        }
    }

    /// The built-in console: every character echoed; a line end prints a new prompt.
    fn echo_input(&self, bytes: &[u8]) {
        let prompt = format!("{} login: ", self.name);
        let mut out = Vec::with_capacity(bytes.len() + prompt.len());
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(prompt.as_bytes());
            } else {
                out.push(b);
            }
        }
        self.machine_output(&out, false);
    }

    /// A pty ([`open_pty`]): the daemon holds both ends (so the master never reads EIO while
    /// nobody is attached); the slave, in raw mode, is the machine's serial line.
    fn pty(&self, pty: OpenptyResult, rx: &Arc<Mutex<Receiver<Input>>>) -> Result<(), String> {
        let master = std::fs::File::from(pty.master);
        let writer = master.try_clone().map_err(|e| format!("dup: {e}"))?;
        let breaker = master.try_clone().map_err(|e| format!("dup: {e}"))?;
        let _slave = pty.slave;
        let done = Arc::new(AtomicBool::new(false));
        let w = self.writer(
            rx.clone(),
            Box::new(writer),
            Line::Pty(breaker),
            done.clone(),
        );
        let mut master = master;
        let mut buf = [0u8; 4096];
        while !self.stopped() {
            use std::os::fd::AsFd;
            let mut fds = [nix::poll::PollFd::new(
                master.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(200u16)) {
                Ok(0) => continue,
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(format!("poll: {e}")),
            }
            match master.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.machine_output(&buf[..n], true),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read: {e}")),
            }
        }
        done.store(true, Ordering::Relaxed);
        let _ = w.join();
        Ok(())
    }

    /// Writes console input (and breaks, as `line` carries them) to the machine until `done`
    /// (or the write fails).
    fn writer(
        &self,
        rx: Arc<Mutex<Receiver<Input>>>,
        mut w: Box<dyn Write + Send>,
        line: Line,
        done: Arc<AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            while !done.load(Ordering::Relaxed) {
                match rx.recv_timeout(POLL) {
                    Ok(input) => {
                        let wrote = match (input, &line) {
                            // Telnet: a data byte 0xFF is sent twice.
                            (Input::Bytes(bytes), Line::Telnet) => {
                                let mut esc = Vec::with_capacity(bytes.len() + 2);
                                for b in bytes {
                                    if b == telnet::IAC {
                                        esc.push(telnet::IAC);
                                    }
                                    esc.push(b);
                                }
                                w.write_all(&esc)
                            }
                            (Input::Bytes(bytes), _) => w.write_all(&bytes),
                            (Input::Break, Line::Telnet) => {
                                w.write_all(&[telnet::IAC, telnet::BRK])
                            }
                            (Input::Break, Line::Pty(master)) => {
                                // Linux answers success and sends nothing (see the module doc).
                                let _ = w.flush();
                                let _ = nix::sys::termios::tcsendbreak(master, 0);
                                Ok(())
                            }
                            (Input::Break, Line::Plain) => Ok(()),
                        };
                        if wrote.and_then(|_| w.flush()).is_err() {
                            done.store(true, Ordering::Relaxed);
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        })
    }

    /// Connects with `connect`, moves bytes until the connection ends, and connects again a
    /// second later, until the console stops.
    #[allow(clippy::type_complexity)]
    fn reconnecting(
        &self,
        rx: &Arc<Mutex<Receiver<Input>>>,
        kind: &str,
        mut connect: impl FnMut() -> std::io::Result<(Box<dyn Read + Send>, Box<dyn Write + Send>)>,
    ) {
        let mut logged = false;
        while !self.stopped() {
            match connect() {
                Ok((mut r, w)) => {
                    tracing::info!(bmc = %self.name, kind, "console connected");
                    logged = false;
                    let done = Arc::new(AtomicBool::new(false));
                    let line = if kind == "telnet" {
                        Line::Telnet
                    } else {
                        Line::Plain
                    };
                    let wt = self.writer(rx.clone(), w, line, done.clone());
                    let mut buf = [0u8; 4096];
                    while !self.stopped() && !done.load(Ordering::Relaxed) {
                        match r.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => self.machine_output(&buf[..n], true),
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock
                                        | std::io::ErrorKind::TimedOut
                                        | std::io::ErrorKind::Interrupted
                                ) => {}
                            Err(_) => break,
                        }
                    }
                    done.store(true, Ordering::Relaxed);
                    let _ = wt.join();
                    tracing::info!(bmc = %self.name, kind, "console disconnected");
                }
                Err(e) => {
                    if !logged {
                        tracing::warn!(bmc = %self.name, kind, "console: {e}; retrying every second");
                        logged = true;
                    }
                }
            }
            for _ in 0..5 {
                if self.stopped() {
                    return;
                }
                std::thread::sleep(POLL);
            }
        }
    }
}

/// The machine's side as the writer sees it (what a break becomes).
enum Line {
    Plain,
    /// A dup of the pty's master.
    Pty(std::fs::File),
    Telnet,
}

/// Where a telnet stream's reader is between bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TelnetState {
    Data,
    Iac,
    /// After IAC WILL/WONT/DO/DONT: the option comes next.
    Option(u8),
    /// Inside IAC SB ... IAC SE.
    Sub,
    SubIac,
}

/// The machine's output from a telnet server: data with IAC IAC made one 0xFF, every command
/// and subnegotiation removed, and option requests answered (binary, echo and suppress-go-ahead
/// accepted, anything else refused; each answered once, so no negotiation loops).
struct TelnetReader<R, W> {
    inner: R,
    answers: W,
    state: TelnetState,
    answered: Vec<(u8, u8)>,
    buf: Vec<u8>,
}

impl<R: Read, W: Write> TelnetReader<R, W> {
    fn new(inner: R, answers: W) -> Self {
        TelnetReader {
            inner,
            answers,
            state: TelnetState::Data,
            answered: Vec::new(),
            buf: vec![0u8; 4096],
        }
    }

    /// Strips `input` into `out`; returns how many data bytes it wrote.
    fn filter(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        use telnet::*;
        let mut n = 0;
        for &b in input {
            self.state = match (self.state, b) {
                (TelnetState::Data, IAC) => TelnetState::Iac,
                (TelnetState::Data, _) | (TelnetState::Iac, IAC) => {
                    out[n] = b;
                    n += 1;
                    TelnetState::Data
                }
                (TelnetState::Iac, WILL..=DONT) => TelnetState::Option(b),
                (TelnetState::Iac, SB) => TelnetState::Sub,
                (TelnetState::Iac, _) => TelnetState::Data,
                (TelnetState::Option(verb), option) => {
                    self.answer(verb, option);
                    TelnetState::Data
                }
                (TelnetState::Sub, IAC) => TelnetState::SubIac,
                (TelnetState::Sub, _) => TelnetState::Sub,
                (TelnetState::SubIac, SE) => TelnetState::Data,
                (TelnetState::SubIac, _) => TelnetState::Sub,
            };
        }
        n
    }

    fn answer(&mut self, verb: u8, option: u8) {
        use telnet::*;
        let reply = match verb {
            WILL if matches!(option, BINARY | ECHO | SGA) => DO,
            WILL => DONT,
            DO if matches!(option, BINARY | SGA) => WILL,
            DO => WONT,
            _ => return,
        };
        if self.answered.contains(&(verb, option)) || self.answered.len() > 64 {
            return;
        }
        self.answered.push((verb, option));
        let _ = self.answers.write_all(&[IAC, reply, option]);
    }
}

impl<R: Read, W: Write> Read for TelnetReader<R, W> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let want = out.len().min(self.buf.len());
            let got = self.inner.read(&mut self.buf[..want])?;
            if got == 0 {
                return Ok(0);
            }
            let input = std::mem::take(&mut self.buf);
            let n = self.filter(&input[..got], out);
            self.buf = input;
            if n > 0 {
                return Ok(n);
            }
            // Only telnet commands so far: read on.
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(Backend::parse("pty"), Ok(Backend::Pty));
        assert_eq!(
            Backend::parse("unix:/run/vm.sock"),
            Ok(Backend::Unix("/run/vm.sock".into()))
        );
        assert_eq!(
            Backend::parse("tcp:127.0.0.1:4555"),
            Ok(Backend::Tcp("127.0.0.1:4555".into()))
        );
        assert_eq!(
            Backend::parse("exec:virsh console vm1"),
            Ok(Backend::Exec("virsh console vm1".into()))
        );
        assert!(Backend::parse("tcp:nohost").is_err());
        assert!(Backend::parse("serial").is_err());
        assert_eq!(
            provider_console("[POWER]\non=x\n[CONSOLE]\nconsole = unix:/tmp/s\n"),
            Some("unix:/tmp/s".into())
        );
        assert_eq!(provider_console("[POWER]\nconsole=x\n"), None);
    }

    #[test]
    fn telnet_commands_stripped_and_answered_once() {
        // QEMU's greeting, data with an escaped 0xFF, a subnegotiation and a NOP, split
        // anywhere across reads.
        let stream: Vec<u8> = [
            &[255, 251, 1, 255, 251, 3, 255, 251, 0, 255, 253, 0][..],
            b"ab",
            &[255, 255],
            b"c",
            &[255, 250, 24, 1, 255, 255, 255, 240],
            &[255, 241, 255, 253, 24, 255, 251, 1],
            b"d",
        ]
        .concat();
        for chunk in [1, 2, 3, 7, 100] {
            let mut answers = Vec::new();
            let mut r = TelnetReader::new(std::io::Cursor::new(Vec::new()), &mut answers);
            let mut data = Vec::new();
            for part in stream.chunks(chunk) {
                let mut out = [0u8; 64];
                let n = r.filter(part, &mut out);
                data.extend_from_slice(&out[..n]);
            }
            assert_eq!(data, b"ab\xffcd", "chunk {chunk}");
            drop(r);
            // DO echo, DO sga, DO binary, WILL binary, WONT terminal-type; the second WILL echo
            // is not answered again.
            assert_eq!(
                answers,
                [255, 253, 1, 255, 253, 3, 255, 253, 0, 255, 251, 0, 255, 252, 24],
                "chunk {chunk}"
            );
        }
        // Through `Read`: commands only, then data; the stream's end is 0.
        let mut r = TelnetReader::new(
            std::io::Cursor::new(vec![255, 251, 1, b'x']),
            std::io::sink(),
        );
        let mut out = [0u8; 8];
        assert_eq!(r.read(&mut out).unwrap(), 1);
        assert_eq!(out[0], b'x');
        assert_eq!(r.read(&mut out).unwrap(), 0);
        assert_eq!(
            Backend::parse("telnet:127.0.0.1:4555"),
            Ok(Backend::Telnet("127.0.0.1:4555".into()))
        );
        assert!(Backend::parse("telnet:4555").is_err());
    }

    #[test]
    fn ring_keeps_the_newest_while_inactive_and_waits_while_active() {
        let c = Console::start("t", Backend::Echo, 256).unwrap();
        let (banner, _) = c.take_output(4096);
        assert!(String::from_utf8_lossy(&banner).contains("t login: "));
        c.machine_output(&[b'a'; 300], true);
        c.machine_output(b"end", true);
        let (kept, lost) = c.take_output(4096);
        assert_eq!(kept.len(), 256);
        assert!(kept.ends_with(b"end"));
        assert_eq!(lost, 47);
        c.write_input(b"hi\r");
        let (echo, _) = c.take_output(4096);
        assert_eq!(&echo[..], b"hi\r\nt login: ");
        c.stop();
    }
}

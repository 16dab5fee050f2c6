//! A BMC's serial console: where the machine's side of Serial over LAN comes from.
//!
//! A console is one of: the built-in `echo` console (the memory provider's default: a login-like
//! banner, then it echoes what it is sent), a `pty` the daemon creates (its path is shown by
//! `show`: point a VM's serial line, `screen` or a test at it), a Unix socket (`unix:PATH`,
//! what QEMU's `-serial unix:PATH,server=on,wait=off` and libvirt's `<serial type='unix'>`
//! offer), a TCP socket (`tcp:HOST:PORT`), or a command whose stdin/stdout are the console
//! (`exec:virsh console NAME`, `exec:qm terminal 100`). Sockets and commands are reconnected
//! (restarted) a second after they end.
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
    /// A command run with `sh -c`, its stdin and stdout the console.
    Exec(String),
}

impl Backend {
    /// Parses `none`, `echo`, `pty`, `unix:PATH`, `tcp:HOST:PORT` or `exec:COMMAND`.
    pub fn parse(spec: &str) -> Result<Backend, String> {
        let spec = spec.trim();
        let bad = || {
            format!("bad console {spec:?}: use none, echo, pty, unix:PATH, tcp:HOST:PORT or exec:COMMAND")
        };
        Ok(match spec {
            "none" => Backend::None,
            "echo" => Backend::Echo,
            "pty" => Backend::Pty,
            _ => match spec.split_once(':') {
                Some(("unix", p)) if !p.is_empty() => Backend::Unix(PathBuf::from(p)),
                Some(("tcp", a))
                    if a.rsplit_once(':')
                        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) =>
                {
                    Backend::Tcp(a.to_string())
                }
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
    input: Mutex<Option<Sender<Vec<u8>>>>,
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

impl Console {
    /// Starts the console of BMC `name`; `None` for [`Backend::None`].
    pub fn start(name: &str, backend: Backend, cap: usize) -> Option<Arc<Console>> {
        if backend == Backend::None {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let echo = backend == Backend::Echo;
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
        let me = c.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("console-{name}"))
            .spawn(move || me.run(backend, rx));
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
            let _ = tx.send(bytes.to_vec());
        }
    }

    fn run(self: Arc<Self>, backend: Backend, rx: Receiver<Vec<u8>>) {
        let rx = Arc::new(Mutex::new(rx));
        match backend {
            Backend::None | Backend::Echo => {}
            Backend::Pty => {
                if let Err(e) = self.pty(&rx) {
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

    /// A pty: the daemon holds both ends (so the master never reads EIO while nobody is
    /// attached); the slave, in raw mode, is the machine's serial line.
    fn pty(&self, rx: &Arc<Mutex<Receiver<Vec<u8>>>>) -> Result<(), String> {
        use nix::sys::termios;
        let pty = nix::pty::openpty(None, None).map_err(|e| format!("openpty: {e}"))?;
        let mut t = termios::tcgetattr(&pty.slave).map_err(|e| format!("tcgetattr: {e}"))?;
        termios::cfmakeraw(&mut t);
        termios::tcsetattr(&pty.slave, termios::SetArg::TCSANOW, &t)
            .map_err(|e| format!("tcsetattr: {e}"))?;
        let path = nix::unistd::ttyname(&pty.slave).map_err(|e| format!("ttyname: {e}"))?;
        tracing::info!(bmc = %self.name, path = %path.display(), "console pty");
        ptys()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(self.name.clone(), path);
        let master = std::fs::File::from(pty.master);
        let writer = master.try_clone().map_err(|e| format!("dup: {e}"))?;
        let _slave = pty.slave;
        let done = Arc::new(AtomicBool::new(false));
        let w = self.writer(rx.clone(), Box::new(writer), done.clone());
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

    /// Writes console input to the machine until `done` (or the write fails).
    fn writer(
        &self,
        rx: Arc<Mutex<Receiver<Vec<u8>>>>,
        mut w: Box<dyn Write + Send>,
        done: Arc<AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            while !done.load(Ordering::Relaxed) {
                match rx.recv_timeout(POLL) {
                    Ok(bytes) => {
                        if w.write_all(&bytes).and_then(|_| w.flush()).is_err() {
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
        rx: &Arc<Mutex<Receiver<Vec<u8>>>>,
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
                    let wt = self.writer(rx.clone(), w, done.clone());
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

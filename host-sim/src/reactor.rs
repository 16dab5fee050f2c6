//! The datagram fast path. The first `DEDICATED` BMCs each get a thread of their own blocked in
//! `recvfrom` on their socket (a request costs one `recvfrom` and one `sendto`); the rest share a
//! few threads, each waiting in one level-triggered epoll set on the sockets of its share (one
//! `epoll_wait` more per request, but no thread per BMC: 10,000 BMCs stay 10,000 sockets, not
//! 10,000 threads, which systemd's default TasksMax would refuse). Either way a datagram is
//! answered on the thread that received it.
//!
//! Why not a tokio task per BMC: a request then costs two epoll waits, a failed `recvfrom`, a task
//! wake-up and the timer wheel on top of the one `recvfrom` and one `sendto` it needs; measured,
//! that doubled the daemon's CPU per in-session command (28-43 µs, against 10 µs on the epoll
//! threads and 7 µs on a dedicated thread). Provider scripts still run as tokio tasks (see `bmc`),
//! and a finished one hands its result back through the BMC's mutex.

use std::collections::{HashMap, HashSet};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::socket::SockaddrStorage;

/// How often idle workers wake to run session time-outs.
const TICK: Duration = Duration::from_millis(500);
/// The largest datagram read; RMCP+ requests are far smaller, longer ones are cut and then dropped.
const INBUF: usize = 2048;
/// How many BMCs get a thread of their own.
const DEDICATED: usize = 64;

/// What the reactor serves: one BMC's socket and its request handling.
pub trait Served: Send + Sync + 'static {
    /// The BMC's socket, non-blocking.
    fn socket(&self) -> &std::net::UdpSocket;
    /// One datagram arrived; answer it (or not) through `socket()`.
    fn datagram(&self, data: &[u8], peer: std::net::SocketAddr);
    /// Periodic: run time-outs. Returns whether the BMC needs more ticks; once it says no, it
    /// gets none until its next datagram (an idle BMC costs no wake-ups at all).
    fn tick(&self) -> bool;
}

/// Who answers a BMC's datagrams.
enum Server {
    /// The epoll worker with this index.
    Shared(usize),
    /// A thread of its own, stopped through the flag and a shutdown of the socket's read side.
    Dedicated(Arc<AtomicBool>, std::thread::JoinHandle<()>),
}

/// A served BMC and who serves it.
type Entry = (Server, Arc<dyn Served>);

struct Worker {
    epoll: Epoll,
    /// The thread is started with the first BMC it serves: with 64 or fewer BMCs there is none,
    /// and nothing wakes every `TICK` for nothing.
    started: OnceLock<Result<(), String>>,
}

/// The fast-path threads and the BMCs they serve.
pub struct Reactor {
    workers: Vec<Worker>,
    served: RwLock<HashMap<u64, Entry>>,
    next: AtomicU64,
    dedicated: AtomicUsize,
}

/// Where a BMC is registered; give it back to `remove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token(u64);

impl Reactor {
    /// The process's reactor.
    pub fn get() -> &'static Reactor {
        static REACTOR: OnceLock<&'static Reactor> = OnceLock::new();
        REACTOR.get_or_init(|| {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
            let workers = (0..threads)
                .map(|_| Worker {
                    epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).unwrap_or_else(|e| {
                        eprintln!("host-sim: cannot create an epoll set: {e}");
                        std::process::exit(1)
                    }),
                    started: OnceLock::new(),
                })
                .collect();
            Box::leak(Box::new(Reactor {
                workers,
                served: RwLock::new(HashMap::new()),
                next: AtomicU64::new(1),
                dedicated: AtomicUsize::new(0),
            }))
        })
    }

    /// Starts epoll worker `i` unless it runs already.
    fn start(&'static self, i: usize) -> Result<(), String> {
        self.workers[i]
            .started
            .get_or_init(|| {
                std::thread::Builder::new()
                    .name(format!("udp-{i}"))
                    .stack_size(256 * 1024)
                    .spawn(move || self.run(i))
                    .map(drop)
                    .map_err(|e| format!("cannot start a datagram thread: {e}"))
            })
            .clone()
    }

    /// Starts serving a BMC: its datagrams are answered from now on.
    pub fn add(&'static self, bmc: Arc<dyn Served>) -> Result<Token, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if self.dedicated.fetch_add(1, Ordering::Relaxed) < DEDICATED {
            match dedicated(bmc.clone()) {
                Ok(server) => {
                    let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
                    served.insert(id, (server, bmc));
                    return Ok(Token(id));
                }
                Err(e) => tracing::warn!("no thread of its own for a BMC ({e}); sharing one"),
            }
        }
        self.dedicated.fetch_sub(1, Ordering::Relaxed);
        let worker = (id % self.workers.len() as u64) as usize;
        self.start(worker)?;
        let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
        self.workers[worker]
            .epoll
            .add(bmc.socket(), EpollEvent::new(EpollFlags::EPOLLIN, id))
            .map_err(|e| format!("cannot watch the UDP socket: {e}"))?;
        served.insert(id, (Server::Shared(worker), bmc));
        Ok(Token(id))
    }

    /// Stops serving a BMC. When this returns no thread of the reactor touches it any more.
    pub fn remove(&self, token: Token) -> Option<Arc<dyn Served>> {
        // Workers answer under the read lock, so taking the write lock waits out a datagram in
        // flight: afterwards the socket can be closed and its port bound again at once.
        let (server, bmc) = {
            let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
            served.remove(&token.0)?
        };
        match server {
            Server::Shared(worker) => {
                let _ = self.workers[worker].epoll.delete(bmc.socket());
            }
            Server::Dedicated(stop, join) => {
                stop.store(true, Ordering::SeqCst);
                // Wakes the blocked recvfrom (Linux answers ENOTCONN for an unconnected UDP
                // socket, but wakes the reader all the same).
                let _ = nix::sys::socket::shutdown(
                    bmc.socket().as_raw_fd(),
                    nix::sys::socket::Shutdown::Read,
                );
                let _ = join.join();
                self.dedicated.fetch_sub(1, Ordering::Relaxed);
            }
        }
        Some(bmc)
    }

    fn run(&self, me: usize) {
        let epoll = &self.workers[me].epoll;
        let mut events = [EpollEvent::empty(); 64];
        let mut inbuf = vec![0u8; INBUF].into_boxed_slice();
        let mut next_tick = std::time::Instant::now() + TICK;
        // The BMCs of this worker that had a datagram and still want ticks: only they are
        // ticked, and with none the worker sleeps until the next datagram.
        let mut ticking: HashSet<u64> = HashSet::new();
        loop {
            let n = if ticking.is_empty() {
                epoll.wait(&mut events, EpollTimeout::NONE)
            } else {
                let timeout = next_tick.saturating_duration_since(std::time::Instant::now());
                // Rounded up: rounded down, the last millisecond before a tick was a busy loop
                // of zero-timeout waits (about 1 ms of CPU per worker and tick).
                let millis = timeout.as_micros().div_ceil(1000);
                epoll.wait(&mut events, u16::try_from(millis).unwrap_or(u16::MAX))
            };
            let n = match n {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => 0,
                Err(e) => {
                    tracing::error!("epoll_wait: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                    0
                }
            };
            if n > 0 {
                let served = self.served.read().unwrap_or_else(|p| p.into_inner());
                for ev in &events[..n] {
                    let Some((_, bmc)) = served.get(&ev.data()) else {
                        continue;
                    };
                    // Level-triggered: one datagram per wake-up and BMC keeps BMCs fair; a second
                    // one waiting makes the next epoll_wait return at once.
                    match bmc.socket().recv_from(&mut inbuf) {
                        Ok((len, peer)) => {
                            bmc.datagram(&inbuf[..len], peer);
                            if ticking.is_empty() {
                                next_tick = std::time::Instant::now() + TICK;
                            }
                            ticking.insert(ev.data());
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => tracing::debug!("recv: {e}"),
                    }
                }
            }
            if !ticking.is_empty() && std::time::Instant::now() >= next_tick {
                let served = self.served.read().unwrap_or_else(|p| p.into_inner());
                // A BMC removed meanwhile is gone from `served` and drops out here too.
                ticking.retain(|id| served.get(id).is_some_and(|(_, bmc)| bmc.tick()));
                next_tick = std::time::Instant::now() + TICK;
            }
        }
    }
}

/// A thread of its own for one BMC: blocked in `recvfrom`, waking every `TICK` while the BMC wants
/// ticks and not at all when it is idle.
fn dedicated(bmc: Arc<dyn Served>) -> std::io::Result<Server> {
    let sock = bmc.socket();
    sock.set_nonblocking(false)?;
    sock.set_read_timeout(None)?;
    let stop = Arc::new(AtomicBool::new(false));
    let (flag, served) = (stop.clone(), bmc.clone());
    let join = std::thread::Builder::new()
        .name("udp-bmc".into())
        .stack_size(128 * 1024)
        .spawn(move || {
            let mut inbuf = vec![0u8; INBUF].into_boxed_slice();
            let mut next_tick = std::time::Instant::now() + TICK;
            // Whether recvfrom wakes every TICK (the BMC wants ticks) or only for datagrams.
            let mut ticking = false;
            while !flag.load(Ordering::SeqCst) {
                // nix's recvfrom, not std's: after the shutdown that stops this thread the kernel
                // returns no address, on which std's `recv_from` asserts.
                let fd = served.socket().as_raw_fd();
                match nix::sys::socket::recvfrom::<SockaddrStorage>(fd, &mut inbuf) {
                    Ok(_) if flag.load(Ordering::SeqCst) => break,
                    Ok((len, Some(from))) => {
                        if let Some(peer) = socket_addr(&from) {
                            served.datagram(&inbuf[..len.min(INBUF)], peer);
                            if !ticking {
                                ticking = served.socket().set_read_timeout(Some(TICK)).is_ok();
                                next_tick = std::time::Instant::now() + TICK;
                            }
                        }
                    }
                    Ok((_, None)) => {}
                    Err(Errno::EAGAIN | Errno::EINTR) => {}
                    Err(e) => {
                        tracing::debug!("recv: {e}");
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
                if ticking && std::time::Instant::now() >= next_tick {
                    if !served.tick() {
                        ticking = served.socket().set_read_timeout(None).is_err();
                    }
                    next_tick = std::time::Instant::now() + TICK;
                }
            }
        });
    match join {
        Ok(join) => Ok(Server::Dedicated(stop, join)),
        Err(e) => {
            let _ = bmc.socket().set_nonblocking(true);
            Err(e)
        }
    }
}

/// The peer of a received datagram as a std address (IPv4 or IPv6; anything else is dropped).
fn socket_addr(from: &SockaddrStorage) -> Option<std::net::SocketAddr> {
    if let Some(v4) = from.as_sockaddr_in() {
        return Some(std::net::SocketAddrV4::from(*v4).into());
    }
    from.as_sockaddr_in6()
        .map(|v6| std::net::SocketAddrV6::from(*v6).into())
}

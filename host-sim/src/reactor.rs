//! The datagram fast path: a few OS threads, each waiting in one level-triggered epoll set on the
//! UDP sockets of its share of the BMCs, and answering a datagram on the thread that received it.
//!
//! Why not a tokio task per BMC: a request then costs two epoll waits, a failed `recvfrom`, a task
//! wake-up and the timer wheel on top of the one `recvfrom` and one `sendto` it needs; measured,
//! that doubled the daemon's CPU per in-session command. Here a request costs one `epoll_wait`, one
//! `recvfrom` and one `sendto`. Provider scripts still run as tokio tasks (see `bmc`), and a
//! finished one hands its result back through the BMC's mutex.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};

/// How often idle workers wake to run session time-outs.
const TICK: Duration = Duration::from_millis(500);
/// The largest datagram read; RMCP+ requests are far smaller, longer ones are cut and then dropped.
const INBUF: usize = 2048;

/// What the reactor serves: one BMC's socket and its request handling.
pub trait Served: Send + Sync + 'static {
    /// The BMC's socket, non-blocking.
    fn socket(&self) -> &std::net::UdpSocket;
    /// One datagram arrived; answer it (or not) through `socket()`.
    fn datagram(&self, data: &[u8], peer: std::net::SocketAddr);
    /// Periodic: run time-outs.
    fn tick(&self);
}

/// A served BMC and the worker whose epoll set holds its socket.
type Entry = (usize, Arc<dyn Served>);

struct Worker {
    epoll: Epoll,
}

/// The fast-path threads and the BMCs they serve.
pub struct Reactor {
    workers: Vec<Worker>,
    served: RwLock<HashMap<u64, Entry>>,
    next: AtomicU64,
}

/// Where a BMC is registered; give it back to `remove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token(u64);

impl Reactor {
    /// The process's reactor, its threads started on first use.
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
                })
                .collect();
            let r: &'static Reactor = Box::leak(Box::new(Reactor {
                workers,
                served: RwLock::new(HashMap::new()),
                next: AtomicU64::new(1),
            }));
            for i in 0..threads {
                let spawned = std::thread::Builder::new()
                    .name(format!("udp-{i}"))
                    .stack_size(256 * 1024)
                    .spawn(move || r.run(i));
                if let Err(e) = spawned {
                    eprintln!("host-sim: cannot start a datagram thread: {e}");
                    std::process::exit(1);
                }
            }
            r
        })
    }

    /// Starts serving a BMC: its datagrams are answered from now on.
    pub fn add(&self, bmc: Arc<dyn Served>) -> Result<Token, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let worker = (id % self.workers.len() as u64) as usize;
        let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
        self.workers[worker]
            .epoll
            .add(bmc.socket(), EpollEvent::new(EpollFlags::EPOLLIN, id))
            .map_err(|e| format!("cannot watch the UDP socket: {e}"))?;
        served.insert(id, (worker, bmc));
        Ok(Token(id))
    }

    /// Stops serving a BMC. When this returns no thread of the reactor touches it any more.
    pub fn remove(&self, token: Token) -> Option<Arc<dyn Served>> {
        // Workers answer under the read lock, so taking the write lock waits out a datagram in
        // flight: afterwards the socket can be closed and its port bound again at once.
        let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
        let (worker, bmc) = served.remove(&token.0)?;
        let _ = self.workers[worker].epoll.delete(bmc.socket());
        Some(bmc)
    }

    fn run(&self, me: usize) {
        let epoll = &self.workers[me].epoll;
        let mut events = [EpollEvent::empty(); 64];
        let mut inbuf = vec![0u8; INBUF].into_boxed_slice();
        let mut next_tick = std::time::Instant::now() + TICK;
        loop {
            let timeout = next_tick.saturating_duration_since(std::time::Instant::now());
            let n = match epoll.wait(
                &mut events,
                u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX),
            ) {
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
                        Ok((len, peer)) => bmc.datagram(&inbuf[..len], peer),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => tracing::debug!("recv: {e}"),
                    }
                }
            }
            if std::time::Instant::now() >= next_tick {
                let served = self.served.read().unwrap_or_else(|p| p.into_inner());
                for (worker, bmc) in served.values() {
                    if *worker == me {
                        bmc.tick();
                    }
                }
                next_tick = std::time::Instant::now() + TICK;
            }
        }
    }
}

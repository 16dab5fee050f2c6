//! A blocking driver over `std::net::UdpSocket` (feature `std`): the loop every caller of the
//! sans-IO [`Session`] would otherwise write, with ipmitool's time-out and retries (1 s, 3 tries
//! by default). For tests, tools and the load generator; firmware uses the sans-IO API.
use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use ipmi_core::cmd::{Body, Command};
use ipmi_core::{CompletionCode, NetFn};

use super::presession::{CipherSuiteQuery, QueryStep};
use super::{ClientConfig, ClientError, Event, Failure, Session, Stage, MAX_DATAGRAM};
pub use crate::session::OsRandom;

/// Time-out and retries for every exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How long to wait for each reply before sending again.
    pub timeout: Duration,
    /// How many times a datagram is sent in all (1 = no retransmission).
    pub tries: u32,
}

impl Default for Options {
    /// 1 s per try, 3 tries: enough on a LAN, and a dead BMC costs at most 3 s per step.
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(1),
            tries: 3,
        }
    }
}

/// Why a blocking call failed.
#[derive(Debug)]
pub enum DriverError {
    /// The socket failed.
    Io(io::Error),
    /// No answer to this step after every try.
    Timeout(Stage),
    /// The BMC refused the session (RMCP+ status, completion code) or failed to authenticate.
    Failed(Failure),
    /// The session could not carry out the call.
    Client(ClientError),
}

impl core::fmt::Display for DriverError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DriverError::Io(e) => write!(f, "socket error: {e}"),
            DriverError::Timeout(stage) => write!(f, "no reply to {stage} (time-out)"),
            DriverError::Failed(why) => write!(f, "{why}"),
            DriverError::Client(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DriverError {}

impl From<io::Error> for DriverError {
    fn from(e: io::Error) -> Self {
        DriverError::Io(e)
    }
}

impl From<ClientError> for DriverError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Failed(f) => DriverError::Failed(f),
            e => DriverError::Client(e),
        }
    }
}

/// A reply to an in-session request, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The completion code.
    pub completion_code: CompletionCode,
    /// The data after the completion code.
    pub data: heapless::Vec<u8, { super::MAX_MESSAGE }>,
}

impl Reply {
    /// Parses the data as `C`'s response body after checking the completion code is normal.
    pub fn parse<'a, C: Command>(&'a self) -> Result<C::Response<'a>, ReplyError> {
        if self.completion_code != CompletionCode::Normal {
            return Err(ReplyError::CompletionCode(self.completion_code));
        }
        C::Response::parse(&self.data).map_err(ReplyError::Malformed)
    }
}

/// Why [`Reply::parse`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyError {
    /// The BMC answered with this completion code.
    CompletionCode(CompletionCode),
    /// The data does not parse as the command's response.
    Malformed(ipmi_core::Error),
}

impl core::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReplyError::CompletionCode(cc) => write!(f, "completion code 0x{:02x}", u8::from(*cc)),
            ReplyError::Malformed(e) => write!(f, "malformed response: {e}"),
        }
    }
}

impl std::error::Error for ReplyError {}

/// What one exchange produced (an owned [`Event`]).
enum Outcome {
    Send(usize),
    Established,
    Response(Reply),
    Closed,
}

/// An established session with one BMC over a connected UDP socket.
pub struct Client {
    sock: UdpSocket,
    session: Session,
    rng: OsRandom,
    options: Options,
    out: [u8; MAX_DATAGRAM],
    buf: [u8; 2048],
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("peer", &self.sock.peer_addr().ok())
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// A UDP socket of the right family, connected to the first address of `bmc`.
fn socket(bmc: impl ToSocketAddrs) -> Result<UdpSocket, DriverError> {
    let peer: SocketAddr = bmc.to_socket_addrs()?.next().ok_or_else(|| {
        DriverError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address for the BMC",
        ))
    })?;
    let local: SocketAddr = if peer.is_ipv4() {
        "0.0.0.0:0".parse().map_err(io::Error::other)?
    } else {
        "[::]:0".parse().map_err(io::Error::other)?
    };
    let sock = UdpSocket::bind(local)?;
    sock.connect(peer)?;
    Ok(sock)
}

/// Receives datagrams until `deadline`; `Ok(None)` on time-out.
fn recv_until(sock: &UdpSocket, buf: &mut [u8], deadline: Instant) -> io::Result<Option<usize>> {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        sock.set_read_timeout(Some(deadline - now))?;
        match sock.recv(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None)
            }
            // A previous datagram was refused (ICMP port unreachable): keep waiting.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
            Err(e) => return Err(e),
        }
    }
}

impl Client {
    /// Sets up a session with the BMC at `bmc` (handshake and, for Operator and Administrator,
    /// Set Session Privilege Level).
    pub fn connect(
        bmc: impl ToSocketAddrs,
        config: ClientConfig,
        options: Options,
    ) -> Result<Client, DriverError> {
        let sock = socket(bmc)?;
        let mut rng = OsRandom;
        let session = Session::new(config, &mut rng);
        let mut client = Client {
            sock,
            session,
            rng,
            options,
            out: [0; MAX_DATAGRAM],
            buf: [0; 2048],
        };
        let mut n = client.session.start(&mut client.rng, &mut client.out)?;
        loop {
            match client.exchange(n)? {
                Outcome::Send(m) => n = m,
                Outcome::Established => return Ok(client),
                Outcome::Response(_) | Outcome::Closed => {
                    return Err(DriverError::Client(ClientError::NotReady))
                }
            }
        }
    }

    /// The session (ids, granted privilege, BMC capabilities).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Sends one in-session request and waits for its reply.
    pub fn request(&mut self, netfn: NetFn, cmd: u8, data: &[u8]) -> Result<Reply, DriverError> {
        let n = self
            .session
            .request(netfn, cmd, data, &mut self.rng, &mut self.out)?;
        match self.exchange(n)? {
            Outcome::Response(r) => Ok(r),
            _ => Err(DriverError::Client(ClientError::NotReady)),
        }
    }

    /// Sends command `C` with `request` as its body and waits for the reply.
    pub fn call<'r, C: Command>(&mut self, request: &C::Request<'r>) -> Result<Reply, DriverError> {
        let mut body = [0u8; super::MAX_REQUEST_DATA];
        let len = request
            .emit(&mut body)
            .map_err(|_| DriverError::Client(ClientError::BufferTooSmall))?;
        self.request(C::NETFN, C::CMD, &body[..len])
    }

    /// Closes the session and waits for the BMC's acknowledgement.
    pub fn close(mut self) -> Result<(), DriverError> {
        let n = self.session.close(&mut self.rng, &mut self.out)?;
        match self.exchange(n)? {
            Outcome::Closed => Ok(()),
            _ => Err(DriverError::Client(ClientError::NotReady)),
        }
    }

    /// Sends `out[..n]`, waits for the event it leads to, retransmitting on time-outs.
    fn exchange(&mut self, n: usize) -> Result<Outcome, DriverError> {
        let mut n = n;
        for attempt in 0..self.options.tries.max(1) {
            if attempt > 0 {
                n = self.session.retransmit(&mut self.out)?;
            }
            self.sock.send(&self.out[..n])?;
            let deadline = Instant::now() + self.options.timeout;
            while let Some(len) = recv_until(&self.sock, &mut self.buf, deadline)? {
                let event = self
                    .session
                    .handle(&self.buf[..len], &mut self.rng, &mut self.out)?;
                match event {
                    Event::Ignored => continue,
                    Event::Send(m) => return Ok(Outcome::Send(m)),
                    Event::Established => return Ok(Outcome::Established),
                    Event::Closed => return Ok(Outcome::Closed),
                    Event::Response(r) => {
                        let mut data = heapless::Vec::new();
                        // r.data is at most MAX_MESSAGE bytes: it was copied from a buffer of
                        // that size.
                        let _ = data.extend_from_slice(r.data);
                        return Ok(Outcome::Response(Reply {
                            completion_code: r.completion_code,
                            data,
                        }));
                    }
                    Event::Failed { failure, send } => {
                        if send > 0 {
                            let _ = self.sock.send(&self.out[..send]);
                        }
                        return Err(DriverError::Failed(failure));
                    }
                }
            }
        }
        Err(DriverError::Timeout(
            self.session.waiting_for().unwrap_or(Stage::Request),
        ))
    }
}

impl Drop for Client {
    /// A session still up (also one stuck on an unanswered request) is closed without waiting
    /// (one datagram), so a BMC's session table does not fill with sessions nobody uses.
    fn drop(&mut self) {
        if self.session.is_authenticated() {
            if let Ok(n) = self.session.close(&mut self.rng, &mut self.out) {
                let _ = self.sock.send(&self.out[..n]);
            }
        }
    }
}

/// Asks the BMC at `bmc` which cipher suites it offers (Get Channel Cipher Suites, before any
/// session). `Ok(Err(cc))` when the BMC answers with a completion code instead.
pub fn cipher_suites(
    bmc: impl ToSocketAddrs,
    options: Options,
) -> Result<Result<CipherSuiteQuery, CompletionCode>, DriverError> {
    let sock = socket(bmc)?;
    let mut query = CipherSuiteQuery::new();
    let mut out = [0u8; MAX_DATAGRAM];
    let mut buf = [0u8; 2048];
    let mut n = query.start(&mut out)?;
    'next: loop {
        for attempt in 0..options.tries.max(1) {
            if attempt > 0 {
                n = query.retransmit(&mut out)?;
            }
            sock.send(&out[..n])?;
            let deadline = Instant::now() + options.timeout;
            while let Some(len) = recv_until(&sock, &mut buf, deadline)? {
                match query.handle(&buf[..len], &mut out)? {
                    QueryStep::Ignored => continue,
                    QueryStep::Send(m) => {
                        n = m;
                        continue 'next;
                    }
                    QueryStep::Done => return Ok(Ok(query)),
                    QueryStep::Refused(cc) => return Ok(Err(cc)),
                }
            }
        }
        return Err(DriverError::Timeout(Stage::CipherSuites));
    }
}

//! The console side: a sans-IO IPMI session client for RMCP+ (every suite in
//! [`crate::crypto::SUITES`]) and IPMI 1.5 with MD5.
//!
//! Like the server, it never does I/O: the caller owns the socket, the clock and the random
//! source. A [`Session`] writes the next datagram into the caller's buffer and consumes each
//! datagram the BMC sends back, returning an [`Event`]:
//!
//! ```text
//! let mut s = Session::new(config, &mut rng);
//! let n = s.start(&mut rng, &mut out)?;            send out[..n]
//! loop on each reply d: match s.handle(d, &mut rng, &mut out)? {
//!     Event::Send(n) => send out[..n],             handshake goes on
//!     Event::Established => break,
//!     Event::Failed { failure, send } => ...,      send out[..send] if non-zero, give up
//!     Event::Ignored => keep waiting (stale, forged or foreign datagram),
//! }
//! let n = s.request(NetFn::App, 0x01, &[], &mut rng, &mut out)?;   then Event::Response
//! let n = s.close(&mut rng, &mut out)?;                             then Event::Closed
//! ```
//!
//! Time-outs are the caller's: when nothing useful arrives in time, [`Session::retransmit`]
//! writes the last datagram again (same sequence numbers, so the BMC answers from its reply cache
//! and runs nothing twice). `blocking` (feature `std`) is such a loop over a `UdpSocket`.
//!
//! The client refuses a BMC that cannot prove it knows the password (RAKP2 auth code) and the
//! session key (RAKP4 ICV), verifies every protected reply, and never panics on any datagram.
use ipmi_core::cmd::app::{
    CloseSessionRequest, GetChannelAuthCapabilitiesResponse, SetSessionPrivilegeLevelRequest,
};
use ipmi_core::cmd::Body;
use ipmi_core::types::AppCmd;
use ipmi_core::wire::{RequestRepr, ResponseRepr, BMC_ADDR, REMOTE_CONSOLE_ADDR};
use ipmi_core::{CompletionCode, NetFn, Privilege};

use crate::session::window::{self, Verdict, Window};
use crate::session::{self as sealing, SessionKeys};
use crate::wire::{v15 as wv15, v20, Datagram};

#[cfg(feature = "std")]
pub mod blocking;
mod config;
mod error;
pub mod presession;
mod rmcpplus;
mod v15;

pub use crate::session::Random;
pub use config::{ClientConfig, Protocol, MAX_USER_NAME};
pub use error::{ClientError, Failure, Stage};

/// Bytes an output buffer needs for any datagram the client writes.
pub const MAX_DATAGRAM: usize = 320;
/// Largest IPMI LAN message (request or response) the client handles.
pub const MAX_MESSAGE: usize = 192;
/// Largest request data [`Session::request`] takes.
pub const MAX_REQUEST_DATA: usize = MAX_MESSAGE - ipmi_core::wire::OVERHEAD;

/// What a received datagram meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// Not a reply we are waiting for (stale retransmission, other session, failed integrity
    /// check, malformed): nothing changed, keep waiting.
    Ignored,
    /// The handshake goes on: send the first `n` bytes of the output buffer.
    Send(usize),
    /// The session is up at the requested privilege; [`Session::request`] may be called.
    Established,
    /// The reply to the outstanding [`Session::request`].
    Response(Response<'a>),
    /// The BMC acknowledged Close Session.
    Closed,
    /// The session failed and is dead. When `send` is not 0, send those bytes first (RAKP3 with
    /// an error status tells the BMC to forget the half-open session).
    Failed {
        /// Why.
        failure: Failure,
        /// Bytes of the output buffer to send as a courtesy (0 for none).
        send: usize,
    },
}

/// An in-session response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The response NetFn (request NetFn + 1).
    pub netfn: NetFn,
    /// The command.
    pub cmd: u8,
    /// The completion code.
    pub completion_code: CompletionCode,
    /// The data after the completion code.
    pub data: &'a [u8],
}

/// Where the session is: an enum of per-state structs, moved by value from one state to the next
/// (as the server's `state.rs` does), so that a state holds exactly what the steps before it
/// proved: the keys exist from RAKP2 on, and sealed requests only once RAKP4 (or Activate
/// Session) verified.
#[derive(Debug)]
// One session per console, inline (no allocator): boxing the keys would not save a byte.
#[allow(clippy::large_enum_variant)]
enum State {
    /// Before [`Session::start`].
    Idle,
    /// Get Channel Authentication Capabilities sent.
    AuthCapabilities,
    /// Open Session Request sent (RMCP+).
    OpenSession,
    /// RAKP1 sent; RAKP2 expected.
    Rakp1Sent,
    /// RAKP3 sent; RAKP4 expected.
    Rakp3Sent(Rakp3Sent),
    /// Get Session Challenge sent (IPMI 1.5).
    Challenge,
    /// Activate Session sent under the temporary session id (IPMI 1.5).
    Activating,
    /// Authenticated: requests flow.
    Established(Established),
    /// Closed by Close Session.
    Closed,
    /// Failed for good.
    Failed(Failure),
}

/// After RAKP2 verified: the keys derived from it, and the GUID the RAKP4 ICV covers.
#[derive(Debug)]
struct Rakp3Sent {
    keys: SessionKeys,
    guid: [u8; 16],
}

/// An authenticated session.
#[derive(Debug)]
struct Established {
    /// How its packets are protected.
    protection: Protection,
    /// Next outbound session sequence number.
    out_seq: u32,
    /// Replay window for protected replies.
    window: Window,
    /// The reply awaited, if any: [`Stage::SetPrivilege`], [`Stage::Request`] or
    /// [`Stage::CloseSession`].
    waiting: Option<Stage>,
}

/// How an established session's packets are protected.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum Protection {
    /// RMCP+ with the suite's keys (RAKP4 verified).
    V20(SessionKeys),
    /// IPMI 1.5 with MD5 auth codes over the password.
    V15Md5,
}

impl State {
    /// The reply this state waits for.
    fn waiting_for(&self) -> Option<Stage> {
        match self {
            State::AuthCapabilities => Some(Stage::AuthCapabilities),
            State::OpenSession => Some(Stage::OpenSession),
            State::Rakp1Sent => Some(Stage::Rakp2),
            State::Rakp3Sent(_) => Some(Stage::Rakp4),
            State::Challenge => Some(Stage::SessionChallenge),
            State::Activating => Some(Stage::ActivateSession),
            State::Established(e) => e.waiting,
            State::Idle | State::Closed | State::Failed(_) => None,
        }
    }
}

/// The LAN request a reply must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outstanding {
    netfn: NetFn,
    cmd: u8,
    rq_seq: u8,
}

/// How a LAN message is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// IPMI 1.5 header, auth type none, session 0 (pre-session commands).
    V15Plain,
    /// IPMI 1.5 header with an MD5 auth code, this session id and sequence number.
    V15Md5 { session_id: u32, sequence: u32 },
}

/// One console session with one BMC: handshake, requests, close. See the [module docs](self).
///
/// A whole session against the crate's own endpoint, in memory (a real console sends `out[..n]`
/// over UDP and feeds each received datagram to [`Session::handle`]):
///
/// ```
/// use rmcp::client::{ClientConfig, Event, Random, Session, MAX_DATAGRAM};
/// use rmcp::server::{Config, Endpoint, Output};
/// use ipmi_core::{CompletionCode, Instant, NetFn, Privilege};
///
/// struct Counter(u8); // a toy random source; use the OS or a hardware RNG
/// impl Random for Counter {
///     fn fill(&mut self, buf: &mut [u8]) {
///         for b in buf { self.0 = self.0.wrapping_mul(31).wrapping_add(7); *b = self.0; }
///     }
/// }
/// let mut bmc_config: Config<4> = Config::new();
/// bmc_config.add_user(b"admin", b"password", Privilege::Administrator).unwrap();
/// let mut bmc: Endpoint<4, 4> = Endpoint::new(bmc_config);
/// let peer = "127.0.0.1:50000".parse().unwrap();
/// let (mut rng, mut bmc_rng) = (Counter(1), Counter(2));
/// // The BMC side of the "network".
/// let mut exchange = |datagram: &[u8], reply: &mut [u8]| {
///     match bmc.handle(Instant::from_millis(0), peer, datagram, &mut bmc_rng, reply) {
///         Output::Reply(n) => n,
///         _ => panic!("no reply"),
///     }
/// };
///
/// let config = ClientConfig::new(b"admin", b"password", Privilege::Administrator)?
///     .with_suite(17)?;
/// let mut session = Session::new(config, &mut rng);
/// let (mut out, mut reply) = ([0u8; MAX_DATAGRAM], [0u8; 512]);
/// let mut n = session.start(&mut rng, &mut out)?;
/// loop {
///     let m = exchange(&out[..n], &mut reply);
///     match session.handle(&reply[..m], &mut rng, &mut out)? {
///         Event::Send(next) => n = next,
///         Event::Established => break,
///         other => panic!("{other:?}"),
///     }
/// }
/// // Get Device ID (NetFn App, command 0x01).
/// let n = session.request(NetFn::App, 0x01, &[], &mut rng, &mut out)?;
/// let m = exchange(&out[..n], &mut reply);
/// match session.handle(&reply[..m], &mut rng, &mut out)? {
///     Event::Response(r) => assert_eq!(r.completion_code, CompletionCode::Normal),
///     other => panic!("{other:?}"),
/// }
/// let n = session.close(&mut rng, &mut out)?;
/// let m = exchange(&out[..n], &mut reply);
/// assert_eq!(session.handle(&reply[..m], &mut rng, &mut out)?, Event::Closed);
/// # Ok::<(), rmcp::client::ClientError>(())
/// ```
pub struct Session {
    config: ClientConfig,
    state: State,
    /// Tag of the last set-up message (RMCP+) sent.
    tag: u8,
    /// SIDm: our session id (random, never 0).
    console_id: u32,
    /// SIDc: the BMC's session id (RMCP+), or the IPMI 1.5 session id (0 until the BMC said).
    bmc_id: u32,
    /// Rm: our random number (RAKP1).
    rm: [u8; 16],
    /// The maximum privilege the BMC granted in Open Session / Activate Session.
    max_privilege: Privilege,
    /// Next rqSeq of the LAN message (6 bits).
    rq_seq: u8,
    /// The LAN request awaiting its reply.
    outstanding: Option<Outstanding>,
    /// What Get Channel Authentication Capabilities said.
    caps: Option<GetChannelAuthCapabilitiesResponse>,
    /// The last datagram sent, for [`Session::retransmit`].
    last: [u8; MAX_DATAGRAM],
    last_len: usize,
    /// The data of the last response, borrowed by [`Event::Response`].
    data: [u8; MAX_MESSAGE],
    data_len: usize,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state)
            .field("protocol", &self.config.protocol)
            .field("bmc_id", &self.bmc_id)
            .finish_non_exhaustive()
    }
}

/// Whether a parsed LAN response answers the `outstanding` request.
fn answers(outstanding: Option<Outstanding>, rsp: &ResponseRepr<'_>) -> bool {
    outstanding.is_some_and(|o| {
        rsp.netfn == o.netfn.response() && rsp.cmd == o.cmd && rsp.rq_seq == o.rq_seq
    })
}

fn random_u32(rng: &mut dyn Random) -> u32 {
    loop {
        let mut b = [0u8; 4];
        rng.fill(&mut b);
        let v = u32::from_le_bytes(b);
        if v != 0 {
            return v;
        }
    }
}

impl Session {
    /// A session for `config`; draws its console session id and Rm from `rng`.
    pub fn new(config: ClientConfig, rng: &mut dyn Random) -> Session {
        let mut rm = [0u8; 16];
        rng.fill(&mut rm);
        Session {
            console_id: random_u32(rng),
            config,
            state: State::Idle,
            tag: 0,
            bmc_id: 0,
            rm,
            max_privilege: Privilege::Highest,
            rq_seq: 0,
            outstanding: None,
            caps: None,
            last: [0; MAX_DATAGRAM],
            last_len: 0,
            data: [0; MAX_MESSAGE],
            data_len: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The reply the session is waiting for, if any (for time-out messages).
    pub fn waiting_for(&self) -> Option<Stage> {
        self.state.waiting_for()
    }

    /// Whether the session is established and idle (ready for [`Session::request`]).
    pub fn is_active(&self) -> bool {
        matches!(&self.state, State::Established(e) if e.waiting.is_none())
    }

    /// Whether RAKP (or Activate Session) succeeded and the session is not closed or failed:
    /// [`Session::close`] can be sent.
    pub fn is_authenticated(&self) -> bool {
        matches!(&self.state, State::Established(e) if e.waiting != Some(Stage::CloseSession))
    }

    /// Whether the session was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Why the session failed, if it did.
    pub fn failure(&self) -> Option<Failure> {
        match self.state {
            State::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// SIDm, our session id (RMCP+).
    pub fn console_session_id(&self) -> u32 {
        self.console_id
    }

    /// The BMC's session id (0 before Open Session / Activate Session).
    pub fn bmc_session_id(&self) -> u32 {
        self.bmc_id
    }

    /// The maximum privilege the BMC granted (Open Session or Activate Session reply).
    pub fn max_privilege(&self) -> Privilege {
        self.max_privilege
    }

    /// The BMC's answer to Get Channel Authentication Capabilities, once received.
    pub fn auth_capabilities(&self) -> Option<&GetChannelAuthCapabilitiesResponse> {
        self.caps.as_ref()
    }

    /// Writes the first datagram of the handshake into `out`; returns its length.
    pub fn start(&mut self, rng: &mut dyn Random, out: &mut [u8]) -> Result<usize, ClientError> {
        if !matches!(self.state, State::Idle) {
            return Err(ClientError::NotReady);
        }
        let _ = rng;
        if self.config.auth_capabilities {
            return self.send_auth_capabilities(out);
        }
        match self.config.protocol {
            Protocol::RmcpPlus(_) => self.send_open_session(out),
            Protocol::V15Md5 => self.send_challenge(out),
        }
    }

    /// Writes an in-session request (`netfn`, `cmd`, `data`) into `out`; returns its length.
    /// Its reply comes back as [`Event::Response`].
    pub fn request(
        &mut self,
        netfn: NetFn,
        cmd: u8,
        data: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        match &self.state {
            State::Established(e) if e.waiting.is_none() => {}
            State::Failed(f) => return Err(ClientError::Failed(*f)),
            s if s.waiting_for().is_some() => return Err(ClientError::Busy),
            _ => return Err(ClientError::NotReady),
        }
        if data.len() > MAX_REQUEST_DATA || !netfn.is_request() {
            return Err(ClientError::BufferTooSmall);
        }
        self.send_in_session(netfn, cmd, data, Stage::Request, rng, out)
    }

    /// Writes Close Session into `out`; returns its length. Its reply is [`Event::Closed`].
    /// Allowed once the session is authenticated, also while a request (or Set Session
    /// Privilege) is unanswered: that request is abandoned, so a console that gives up on a
    /// reply can still free the BMC's session slot.
    pub fn close(&mut self, rng: &mut dyn Random, out: &mut [u8]) -> Result<usize, ClientError> {
        match &self.state {
            State::Established(e)
                if matches!(e.waiting, None | Some(Stage::Request | Stage::SetPrivilege)) => {}
            State::Failed(f) => return Err(ClientError::Failed(*f)),
            s if s.waiting_for().is_some() => return Err(ClientError::Busy),
            _ => return Err(ClientError::NotReady),
        }
        let mut body = [0u8; 8];
        let len = CloseSessionRequest::by_id(self.bmc_id)
            .emit(&mut body)
            .map_err(|_| ClientError::BufferTooSmall)?;
        self.send_in_session(
            NetFn::App,
            AppCmd::CloseSession.into(),
            &body[..len],
            Stage::CloseSession,
            rng,
            out,
        )
    }

    /// Writes the last datagram again (after a time-out); returns its length. Same bytes, same
    /// sequence numbers: a BMC answers a duplicate from its reply cache.
    pub fn retransmit(&self, out: &mut [u8]) -> Result<usize, ClientError> {
        if self.state.waiting_for().is_none() || self.last_len == 0 {
            return Err(ClientError::NotReady);
        }
        let dst = out
            .get_mut(..self.last_len)
            .ok_or(ClientError::BufferTooSmall)?;
        dst.copy_from_slice(&self.last[..self.last_len]);
        Ok(self.last_len)
    }

    /// Consumes one datagram from the BMC. Anything that is not the awaited reply is
    /// [`Event::Ignored`]; a next handshake message is written into `out`.
    pub fn handle(
        &mut self,
        datagram: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        match &self.state {
            State::AuthCapabilities => self.on_auth_capabilities(datagram, rng, out),
            State::OpenSession => self.on_open_session(datagram, out),
            State::Rakp1Sent => self.on_rakp2(datagram, out),
            State::Rakp3Sent(_) => self.on_rakp4(datagram, rng, out),
            State::Challenge => self.on_challenge(datagram, rng, out),
            State::Activating => self.on_activate(datagram, rng, out),
            State::Established(Established {
                waiting: Some(stage),
                ..
            }) => {
                let stage = *stage;
                self.on_in_session(stage, datagram)
            }
            _ => Ok(Event::Ignored),
        }
    }

    /// Marks the session failed and reports it.
    fn fail(&mut self, failure: Failure, send: usize) -> Result<Event<'_>, ClientError> {
        self.state = State::Failed(failure);
        self.outstanding = None;
        Ok(Event::Failed { failure, send })
    }

    /// Remembers `out[..n]` for [`Session::retransmit`].
    fn remember(&mut self, out: &[u8], n: usize) -> Result<usize, ClientError> {
        let src = out.get(..n).ok_or(ClientError::BufferTooSmall)?;
        self.last
            .get_mut(..n)
            .ok_or(ClientError::BufferTooSmall)?
            .copy_from_slice(src);
        self.last_len = n;
        Ok(n)
    }

    /// Builds the next LAN request message into `msg`; returns its length and rqSeq.
    fn lan_request(
        &self,
        netfn: NetFn,
        cmd: u8,
        data: &[u8],
        msg: &mut [u8; MAX_MESSAGE],
    ) -> Result<(usize, u8), ClientError> {
        let rq_seq = self.rq_seq;
        let req = RequestRepr {
            rs_addr: BMC_ADDR,
            netfn,
            rs_lun: 0,
            rq_addr: REMOTE_CONSOLE_ADDR,
            rq_seq,
            rq_lun: 0,
            cmd,
            data,
        };
        let len = req.emit(msg).map_err(|_| ClientError::BufferTooSmall)?;
        Ok((len, rq_seq))
    }

    /// Remembers the datagram `out[..n]` carrying the request `netfn`/`cmd`/`rq_seq` as sent and
    /// outstanding.
    fn sent(
        &mut self,
        out: &[u8],
        n: usize,
        netfn: NetFn,
        cmd: u8,
        rq_seq: u8,
    ) -> Result<usize, ClientError> {
        self.remember(out, n)?;
        self.rq_seq = (rq_seq + 1) & 0x3F;
        self.outstanding = Some(Outstanding { netfn, cmd, rq_seq });
        Ok(n)
    }

    /// Builds a LAN request outside an established session, seals it with `framing`, records it
    /// as outstanding.
    fn send_lan(
        &mut self,
        netfn: NetFn,
        cmd: u8,
        data: &[u8],
        framing: Framing,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        let mut msg = [0u8; MAX_MESSAGE];
        let (len, rq_seq) = self.lan_request(netfn, cmd, data, &mut msg)?;
        let msg = &msg[..len];
        let n = match framing {
            Framing::V15Plain => sealing::v15::seal(out, wv15::AuthType::None, 0, 0, msg, None),
            Framing::V15Md5 {
                session_id,
                sequence,
            } => sealing::v15::seal(
                out,
                wv15::AuthType::Md5,
                sequence,
                session_id,
                msg,
                Some(&self.config.password),
            ),
        }
        .map_err(|_| ClientError::BufferTooSmall)?;
        self.sent(out, n, netfn, cmd, rq_seq)
    }

    /// Seals an in-session request with the session's protection and next sequence number, and
    /// waits for its reply (`stage`).
    fn send_in_session(
        &mut self,
        netfn: NetFn,
        cmd: u8,
        data: &[u8],
        stage: Stage,
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        let mut msg = [0u8; MAX_MESSAGE];
        let (len, rq_seq) = self.lan_request(netfn, cmd, data, &mut msg)?;
        let msg = &msg[..len];
        let State::Established(e) = &mut self.state else {
            return Err(ClientError::NotReady);
        };
        let n = match &e.protection {
            Protection::V20(keys) => {
                let mut iv = [0u8; v20::IV_LEN];
                if keys.suite().encrypted() {
                    rng.fill(&mut iv);
                }
                sealing::v20::seal(
                    out,
                    v20::PayloadType::Ipmi,
                    self.bmc_id,
                    e.out_seq,
                    msg,
                    Some(keys),
                    &iv,
                )
            }
            Protection::V15Md5 => sealing::v15::seal(
                out,
                wv15::AuthType::Md5,
                e.out_seq,
                self.bmc_id,
                msg,
                Some(&self.config.password),
            ),
        }
        .map_err(|_| ClientError::BufferTooSmall)?;
        let n = self.sent(out, n, netfn, cmd, rq_seq)?;
        if let State::Established(e) = &mut self.state {
            e.out_seq = e.out_seq.wrapping_add(1).max(1);
            e.waiting = Some(stage);
        }
        Ok(n)
    }

    /// Authentication succeeded (RAKP4 or Activate Session): the session is established with
    /// `protection`, its first outbound sequence number `out_seq`. Sends Set Session Privilege
    /// Level when more than User is wanted; else the session is up.
    fn established(
        &mut self,
        protection: Protection,
        out_seq: u32,
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let reach = match protection {
            Protection::V20(_) => window::V20,
            Protection::V15Md5 => window::V15,
        };
        self.state = State::Established(Established {
            protection,
            out_seq,
            window: Window::new(reach),
            waiting: None,
        });
        if self.config.privilege.rank() <= Privilege::User.rank() {
            self.outstanding = None;
            return Ok(Event::Established);
        }
        let mut body = [0u8; 1];
        SetSessionPrivilegeLevelRequest {
            privilege: self.config.privilege,
        }
        .emit(&mut body)
        .map_err(|_| ClientError::InvalidConfig)?;
        let n = self.send_in_session(
            NetFn::App,
            AppCmd::SetSessionPrivilegeLevel.into(),
            &body,
            Stage::SetPrivilege,
            rng,
            out,
        )?;
        Ok(Event::Send(n))
    }

    /// Whether a parsed LAN response answers the outstanding request.
    fn matches(&self, rsp: &ResponseRepr<'_>) -> bool {
        answers(self.outstanding, rsp)
    }

    /// An in-session reply: Set Session Privilege, a request's response, or Close Session.
    fn on_in_session(&mut self, stage: Stage, datagram: &[u8]) -> Result<Event<'_>, ClientError> {
        let mut scratch = [0u8; MAX_DATAGRAM];
        let Some((cc, len)) = self.open_in_session(datagram, &mut scratch) else {
            return Ok(Event::Ignored);
        };
        let Some(o) = self.outstanding.take() else {
            return Ok(Event::Ignored);
        };
        match stage {
            Stage::SetPrivilege if cc != CompletionCode::Normal => self.fail(
                Failure::CompletionCode {
                    stage,
                    completion_code: cc,
                },
                0,
            ),
            Stage::SetPrivilege => {
                self.set_waiting(None);
                Ok(Event::Established)
            }
            Stage::CloseSession => {
                // Any answer ends it: 0x87/0x88 say the session is gone already. The keys go
                // with the state.
                self.state = State::Closed;
                Ok(Event::Closed)
            }
            _ => {
                self.set_waiting(None);
                Ok(Event::Response(Response {
                    netfn: o.netfn.response(),
                    cmd: o.cmd,
                    completion_code: cc,
                    data: &self.data[..len],
                }))
            }
        }
    }

    fn set_waiting(&mut self, waiting: Option<Stage>) {
        if let State::Established(e) = &mut self.state {
            e.waiting = waiting;
        }
    }

    /// Opens an in-session reply, checks it answers the outstanding request, and copies its data
    /// into `self.data`. `None` for anything else.
    fn open_in_session(
        &mut self,
        datagram: &[u8],
        scratch: &mut [u8],
    ) -> Option<(CompletionCode, usize)> {
        let State::Established(e) = &mut self.state else {
            return None;
        };
        let (message, sequence) = match (Datagram::parse(datagram).ok()?, &e.protection) {
            (Datagram::V20 { header, body, .. }, Protection::V20(keys)) => {
                if header.session_id != self.console_id
                    || header.payload_type != v20::PayloadType::Ipmi
                {
                    return None;
                }
                let opened = sealing::v20::open_parsed(&header, body, Some(keys), scratch).ok()?;
                let seq = opened.header.authenticated.then_some(opened.sequence());
                (opened.payload, seq)
            }
            (Datagram::V15 { session, .. }, Protection::V15Md5) => {
                if session.session_id != self.bmc_id
                    || session.auth_type != wv15::AuthType::Md5
                    || sealing::v15::verify(&session, &self.config.password).is_err()
                {
                    return None;
                }
                (session.message, Some(session.sequence))
            }
            _ => return None,
        };
        let rsp = ResponseRepr::parse_bytes(message).ok()?;
        if !answers(self.outstanding, &rsp) {
            return None;
        }
        if let Some(seq) = sequence {
            if e.window.check(seq) != Verdict::Fresh {
                return None;
            }
            e.window.accept(seq);
        }
        let len = rsp.data.len();
        self.data.get_mut(..len)?.copy_from_slice(rsp.data);
        self.data_len = len;
        Some((rsp.completion_code, len))
    }

    /// A pre-session LAN reply (1.5 framing with auth type none, or RMCP+ framing with session
    /// 0) that answers the outstanding request; its data is copied into `self.data`.
    fn open_presession(&mut self, datagram: &[u8]) -> Option<(CompletionCode, usize)> {
        let message = match Datagram::parse(datagram).ok()? {
            Datagram::V15 { session, .. } => {
                if session.auth_type != wv15::AuthType::None || session.session_id != 0 {
                    return None;
                }
                session.message
            }
            Datagram::V20 { header, body, .. } => {
                presession::plain_payload(&header, body, v20::PayloadType::Ipmi)?
            }
            Datagram::Asf { .. } => return None,
        };
        let rsp = ResponseRepr::parse_bytes(message).ok()?;
        if !self.matches(&rsp) {
            return None;
        }
        let len = rsp.data.len();
        self.data.get_mut(..len)?.copy_from_slice(rsp.data);
        self.data_len = len;
        self.outstanding = None;
        Some((rsp.completion_code, len))
    }
}

#[cfg(test)]
mod tests;

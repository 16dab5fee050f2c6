//! The sans-IO BMC endpoint: one datagram in, at most one datagram out.
//!
//! [`Endpoint::handle`] takes the time, the peer, the datagram and a random source, and writes at
//! most one reply. When a command needs the platform (power, chassis control, identify, boot
//! flags) it returns [`Output::Pending`]; the shell does the work, as slowly as it must, and calls
//! [`Endpoint::complete`]. Meanwhile the endpoint keeps serving every other session and
//! handshake, and a retransmission of the pending request runs nothing twice.
//!
//! Every answer can be lost on the way, and consoles retry with the same request (ipmitool) or
//! with a new tag, rqSeq or sequence number (freeipmi). Each retry gets the answer it missed, from
//! what the session kept, and never runs anything again: Open Session and Get Session Challenge
//! (the same half-open session), RAKP1 (the same RAKP2), RAKP3 (the same RAKP4), Activate
//! Session (until the first request), any request (the cached response), Close Session (`Closed`).
use core::net::SocketAddr;

use ipmi_core::bmc::{Action, ActionResult, Bmc as Dispatcher, Context, Outcome};
use ipmi_core::{Instant, Privilege};

mod commands;
pub mod config;
/// Fuzzing-only view of the session table (cargo-fuzz builds only).
#[cfg(fuzzing)]
pub mod fuzzing;
pub mod limiter;
mod rmcpplus;
mod sol;
mod state;
mod table;
mod users;
mod v15;

pub use config::{Config, ConfigError, User, DEFAULT_SUITES, KNOWN_SUITES};
pub use limiter::LimiterConfig;

use crate::wire::Datagram;
use limiter::Limiter;
use state::{Cached, Header, Pending, State};
use table::{Others, Slot, Table};

/// Bytes an output buffer needs for any reply this endpoint writes.
pub const MAX_DATAGRAM: usize = 256;
/// Largest IPMI LAN message (request or response) this endpoint handles inside a session.
pub(crate) const MAX_MESSAGE: usize = 64;
/// Close Session answers kept to send again ([`Closed`]), how long and how many times.
const CLOSED: usize = 2;
const CLOSED_ANSWER_MS: u64 = 5_000;
const CLOSED_ANSWERS: u8 = 3;

pub use crate::session::Random;

/// What [`Endpoint::handle`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Output {
    /// Nothing to send (malformed, unauthenticated, replayed, or expired).
    Drop,
    /// Send the first `n` bytes of the output buffer back to the peer.
    Reply(usize),
    /// Perform `Action`, then call [`Endpoint::complete`] with the ticket.
    Pending(Ticket, Action),
}

/// Names a pending request so its completion finds the right session (or none, if it closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ticket {
    index: u8,
    session_id: u32,
    serial: u16,
}

/// The BMC endpoint with room for `SESSIONS` sessions and `USERS` users.
pub struct Endpoint<const SESSIONS: usize = 8, const USERS: usize = 8> {
    config: Config<USERS>,
    /// The command dispatcher (ipmi-core's `Bmc`): everything but the session commands.
    dispatcher: Dispatcher,
    table: Table<SESSIONS>,
    /// Login rationing and lockout per (user, source).
    limiter: Limiter,
    closed: Closed,
    /// The one SOL instance (see `sol.rs`).
    sol: crate::sol::SolPort,
    /// A bridged answer that follows a Send Message response in a second datagram.
    follow_up: FollowUp,
}

/// A second message for a session after its last completed request: a tracked Send Message's
/// target answer, which ipmitool and freeipmi expect as a datagram of its own after the bare
/// Send Message response.
#[derive(Default)]
struct FollowUp {
    /// To be sealed by [`Endpoint::take_follow_up`] after the datagram just answered.
    next: Option<(u32, ipmi_core::bmc::Message)>,
    /// The last one sent, with its session id and request fingerprint: it goes out again when
    /// the console retransmits that request.
    sent: Option<(u32, u32, ipmi_core::bmc::Message)>,
}

/// The answers to the last Close Sessions. When that answer is lost the console retries the
/// Close (ipmitool for 10 s, then "Close Session command failed"), but the session, its keys
/// and its sequence numbers are gone: the very bytes of the answer go out again instead, only
/// to the same peer, for that session id, a few times within a few seconds. Nothing new is
/// said, and nothing is amplified.
#[derive(Default)]
struct Closed {
    recent: [Option<ClosedAnswer>; CLOSED],
    next: usize,
}

struct ClosedAnswer {
    session_id: u32,
    peer: SocketAddr,
    until: Instant,
    left: u8,
    datagram: heapless::Vec<u8, 96>,
}

impl Closed {
    fn record(&mut self, session_id: u32, peer: SocketAddr, now: Instant, datagram: &[u8]) {
        let Ok(datagram) = heapless::Vec::from_slice(datagram) else {
            return;
        };
        if let Some(entry) = self.recent.get_mut(self.next % CLOSED) {
            *entry = Some(ClosedAnswer {
                session_id,
                peer,
                until: now.add_millis(CLOSED_ANSWER_MS),
                left: CLOSED_ANSWERS,
                datagram,
            });
        }
        self.next = (self.next + 1) % CLOSED;
    }

    /// A datagram for a session id that is not in the table: the answer to its Close again,
    /// if that is recent and from the same peer; otherwise nothing.
    fn answer(
        &mut self,
        session_id: u32,
        peer: SocketAddr,
        now: Instant,
        out: &mut [u8],
    ) -> Output {
        let found =
            self.recent.iter_mut().flatten().find(|a| {
                a.session_id == session_id && a.peer == peer && now < a.until && a.left > 0
            });
        let Some(a) = found else {
            return Output::Drop;
        };
        let Some(dst) = out.get_mut(..a.datagram.len()) else {
            return Output::Drop;
        };
        dst.copy_from_slice(&a.datagram);
        a.left -= 1;
        Output::Reply(a.datagram.len())
    }
}

impl<const SESSIONS: usize, const USERS: usize> Endpoint<SESSIONS, USERS> {
    /// An endpoint serving `config`.
    pub fn new(config: Config<USERS>) -> Self {
        let channel = ipmi_core::bmc::ChannelConfig {
            privilege_limit: config.channel_privilege_limit,
            ..ipmi_core::bmc::ChannelConfig::default()
        };
        let mut dispatcher = Dispatcher::new(config.identity, channel);
        // LAN parameters 22-24 list the enabled suites with their caps; what Set LAN
        // Configuration Parameters 24 writes there is what Open Session holds new sessions to.
        let lan = dispatcher.lan_mut();
        lan.set_suites(config.enabled_suites().map(|id| (id, config.suite_cap(id))));
        lan.auth_type_support = config.v15_auth_types & 0x37;
        Endpoint {
            config,
            dispatcher,
            table: Table::new(),
            limiter: Limiter::default(),
            closed: Closed::default(),
            follow_up: FollowUp::default(),
            sol: crate::sol::SolPort::default(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config<USERS> {
        &self.config
    }

    /// Puts `user` into slot `id` (or empties it) while the endpoint runs: the next login sees
    /// it. Sessions already open keep going.
    pub fn set_user(&mut self, id: u8, user: Option<User>) -> Result<(), ConfigError> {
        self.config.set_user(id, user)?;
        self.limiter.forget_user(id);
        Ok(())
    }

    /// Whether state a shell persists changed since the last call (users, channel access, LAN
    /// parameters, boot options, restore policy); clears the flag. See [`Dispatcher::take_changed`].
    pub fn take_changed(&mut self) -> bool {
        self.dispatcher.take_changed()
    }

    /// The command dispatcher (ipmi-core's `Bmc`: boot flags, restore policy...), e.g. to save
    /// its state.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// The command dispatcher, e.g. to restore saved state.
    pub fn dispatcher_mut(&mut self) -> &mut Dispatcher {
        &mut self.dispatcher
    }

    /// [`Endpoint::dispatcher`] under its older name (the shells' call sites).
    pub fn bmc(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// [`Endpoint::dispatcher_mut`] under its older name (the shells' call sites).
    pub fn bmc_mut(&mut self) -> &mut Dispatcher {
        &mut self.dispatcher
    }

    /// Active sessions right now.
    pub fn active_sessions(&self) -> usize {
        self.table.active()
    }

    /// Runs timers: expires sessions and lets the dispatcher clear stale boot flags.
    pub fn poll(&mut self, now: Instant) {
        self.expire(now);
        self.dispatcher.poll(now);
    }

    /// Expires the table's sessions (the dispatcher runs its own timers whenever a request or a
    /// completion reaches it, so a datagram runs each timer once).
    fn expire(&mut self, now: Instant) {
        self.table.expire(
            now,
            self.config.handshake_timeout_ms,
            self.config.session_timeout_ms,
        );
    }

    /// Handles one datagram from `peer`; writes at most one reply into `out`.
    pub fn handle(
        &mut self,
        now: Instant,
        peer: SocketAddr,
        datagram: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Output {
        self.expire(now);
        // A follow-up belongs to the datagram just answered, never to a later one.
        self.follow_up.next = None;
        let Ok(parsed) = Datagram::parse(datagram) else {
            return Output::Drop;
        };
        match parsed {
            Datagram::Asf { rmcp, message } => rmcpplus::asf(rmcp, message, out),
            Datagram::V15 { rmcp, session } => {
                v15::handle(self, now, peer, rmcp, session, rng, out)
            }
            Datagram::V20 { header, body, .. } => {
                rmcpplus::handle(self, now, peer, header, body, rng, out)
            }
        }
    }

    /// Finishes a request that returned [`Output::Pending`]; returns the reply length, or
    /// `None` when the session has gone meanwhile.
    pub fn complete(
        &mut self,
        ticket: Ticket,
        result: ActionResult,
        now: Instant,
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Option<usize> {
        let slot = self.table.at_mut(usize::from(ticket.index))?;
        if slot.id != ticket.session_id {
            return None;
        }
        let State::Active(active) = &mut slot.state else {
            return None;
        };
        let pending = active.pending.take_if(|p| p.serial == ticket.serial)?;
        slot.last = now;
        let mut data = [0u8; MAX_MESSAGE];
        let reply = self
            .dispatcher
            .complete(now, &pending.action, result, &mut data);
        let follow_up = self.dispatcher.take_follow_up();
        let mut msg = [0u8; MAX_MESSAGE];
        let len = response_message(
            &pending.header,
            reply.completion_code,
            &data[..reply.len],
            &mut msg,
        )?;
        active.cached = Some(Cached {
            fingerprint: pending.fingerprint,
            response: heapless::Vec::from_slice(&msg[..len]).ok()?,
        });
        if let Some(m) = follow_up {
            self.follow_up.next = Some((slot.id, m));
            self.follow_up.sent = Some((slot.id, pending.fingerprint, m));
        }
        seal_reply(slot, &self.config, &msg[..len], rng, out)
    }

    /// A second datagram to send right after the one [`Endpoint::complete`] (or
    /// [`Endpoint::handle`], for a retransmitted request) returned, when the request needs two:
    /// a tracked Send Message, whose target's answer follows the bare Send Message response
    /// (ipmitool `-b -t`, `-B -T -b -t`; freeipmi `--target-channel-number`). `None` when there
    /// is none.
    pub fn take_follow_up(&mut self, rng: &mut dyn Random, out: &mut [u8]) -> Option<usize> {
        let (id, message) = self.follow_up.next.take()?;
        let index = self.table.index_of(id)?;
        let slot = self.table.at_mut(index)?;
        seal_reply(slot, &self.config, message.as_bytes(), rng, out)
    }

    /// One request of the active session in slot `index`, from a single lookup of that slot:
    /// `admit` authenticates it (integrity, confidentiality, replay window) and hands back the
    /// LAN request message (borrowed from the datagram or the caller's decryption scratch, never
    /// copied), or answers by itself; then the request is served and its response sealed under
    /// the same slot.
    pub(crate) fn request<'r>(
        &mut self,
        index: usize,
        now: Instant,
        rng: &mut dyn Random,
        out: &mut [u8],
        admit: impl FnOnce(&mut Slot, &Config<USERS>, &mut [u8]) -> Admit<'r>,
    ) -> Output {
        // SOL ends with its session: a closed or expired owner frees it before this request.
        self.sol_check_owner();
        let Endpoint {
            config,
            dispatcher,
            table,
            limiter,
            closed,
            follow_up,
            sol,
        } = self;
        let Some((slot, mut others)) = table.split(index) else {
            return Output::Drop;
        };
        let request = match admit(slot, config, out) {
            Admit::Request(request) => request,
            Admit::Answered(output) => return output,
            Admit::Sol { payload, again } => {
                slot.last = now;
                return sol::packet(sol, slot, now, payload, again, rng, out);
            }
        };
        slot.last = now;
        let mut msg = [0u8; MAX_MESSAGE];
        let desk = Desk {
            config,
            dispatcher,
            limiter,
            follow_up,
            sol,
        };
        let served = serve(desk, index, slot, &mut others, now, request, &mut msg);
        match served {
            SessionAnswer::Drop => Output::Drop,
            SessionAnswer::Pending(t, a) => Output::Pending(t, a),
            SessionAnswer::Reply(n) => {
                seal_reply(slot, config, msg.get(..n).unwrap_or(&[]), rng, out)
                    .map_or(Output::Drop, Output::Reply)
            }
            SessionAnswer::Close(n) => {
                let (id, peer) = (slot.id, slot.peer);
                let r = seal_reply(slot, config, msg.get(..n).unwrap_or(&[]), rng, out);
                table.clear(index);
                if let Some(len) = r {
                    closed.record(id, peer, now, out.get(..len).unwrap_or(&[]));
                }
                r.map_or(Output::Drop, Output::Reply)
            }
        }
    }
}

/// What authenticating an in-session packet decided (see [`Endpoint::request`]).
pub(crate) enum Admit<'r> {
    /// Serve this LAN request message.
    Request(&'r [u8]),
    /// Nothing to serve: this is the answer (a drop, or a set-up answer sent again).
    Answered(Output),
    /// A SOL packet (payload type 1) for the SOL instance; `again`: a duplicate in the window.
    Sol {
        /// The plaintext SOL payload.
        payload: &'r [u8],
        /// The session sequence number was seen before.
        again: bool,
    },
}

/// The parts of the endpoint that serving a request uses beside its session's slot.
struct Desk<'a, const USERS: usize> {
    config: &'a mut Config<USERS>,
    dispatcher: &'a mut Dispatcher,
    limiter: &'a mut Limiter,
    follow_up: &'a mut FollowUp,
    sol: &'a mut crate::sol::SolPort,
}

/// Seals a LAN response message for the active session in `slot`, in whichever framing it uses.
fn seal_reply<const USERS: usize>(
    slot: &mut Slot,
    config: &Config<USERS>,
    msg: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Option<usize> {
    let id = slot.id;
    let State::Active(active) = &mut slot.state else {
        return None;
    };
    match active.protection {
        state::Protection::V20(_) => rmcpplus::seal_active(active, msg, rng, out),
        state::Protection::V15 { .. } => {
            let password = &config.user(active.user_id)?.password;
            v15::seal_active(id, active, msg, password, out)
        }
    }
}

/// Serves one authenticated, in-window request message of the active session in `slot` (table
/// index `index`): session commands here, everything else through the dispatcher. Writes the LAN
/// response message into `msg_out`.
fn serve<const USERS: usize>(
    desk: Desk<'_, USERS>,
    index: usize,
    slot: &mut Slot,
    others: &mut Others<'_>,
    now: Instant,
    request: &[u8],
    msg_out: &mut [u8; MAX_MESSAGE],
) -> SessionAnswer {
    let Ok(req) = ipmi_core::wire::RequestRepr::parse_bytes(request) else {
        return SessionAnswer::Drop;
    };
    let header = Header::from(&req);
    let fingerprint = state::fingerprint(request);
    let own_id = slot.id;
    let State::Active(active) = &mut slot.state else {
        return SessionAnswer::Drop;
    };
    // A retransmission of the last request (freeipmi resends with a new session sequence
    // number): answer again from the cache, run nothing.
    if let Some(c) = &active.cached {
        if c.fingerprint == fingerprint && c.response.len() <= MAX_MESSAGE {
            msg_out[..c.response.len()].copy_from_slice(&c.response);
            // A bridged answer that followed this response goes out again too.
            if let Some((sid, fp, m)) = desk.follow_up.sent {
                if sid == own_id && fp == fingerprint {
                    desk.follow_up.next = Some((sid, m));
                }
            }
            return SessionAnswer::Reply(c.response.len());
        }
    }
    if let Some(p) = &active.pending {
        if p.fingerprint == fingerprint {
            return SessionAnswer::Drop; // still working on it
        }
        let n = response_message(&header, ipmi_core::CompletionCode::NodeBusy, &[], msg_out);
        return n.map_or(SessionAnswer::Drop, SessionAnswer::Reply);
    }
    let (privilege, user_id) = (active.privilege, active.user_id);

    let mut data = [0u8; MAX_MESSAGE];
    let mut close_own = false;
    let (cc, len) = match (req.netfn, ipmi_core::types::AppCmd::from(req.cmd)) {
        (ipmi_core::NetFn::App, _) if crate::sol::is_payload_command(req.cmd) => sol::command(
            desk.sol,
            desk.dispatcher.sol_mut(),
            slot,
            req.cmd,
            req.data,
            &mut data,
        ),
        (ipmi_core::NetFn::App, cmd) if is_session_command(cmd) => {
            use ipmi_core::types::AppCmd as A;
            match cmd {
                A::GetChannelAuthCapabilities => {
                    commands::auth_capabilities(desk.config, req.data, &mut data)
                }
                A::GetChannelCipherSuites => {
                    commands::cipher_suites(desk.config, desk.dispatcher.lan(), req.data, &mut data)
                }
                A::SetSessionPrivilegeLevel => {
                    let max = active.max_privilege;
                    commands::set_session_privilege(&mut active.privilege, max, req.data, &mut data)
                }
                A::CloseSession => match commands::close_session(slot, others, privilege, req.data)
                {
                    commands::Close::Own => {
                        close_own = true;
                        (ipmi_core::CompletionCode::Normal, 0)
                    }
                    commands::Close::Other => (ipmi_core::CompletionCode::Normal, 0),
                    commands::Close::Refuse(cc) => (cc, 0),
                },
                A::GetSessionInfo => {
                    commands::session_info(slot, others, others.capacity(), req.data, &mut data)
                }
                // Session set-up commands make no sense inside a session.
                _ => (ipmi_core::CompletionCode::NotSupportedInPresentState, 0),
            }
        }
        _ => {
            let ctx = Context {
                now,
                privilege,
                user_id,
                channel: commands::LAN_CHANNEL,
            };
            let request = ipmi_core::bmc::Request {
                netfn: req.netfn,
                cmd: req.cmd,
                lun: req.rs_lun,
                data: req.data,
            };
            let active_count = others.active(slot).min(63) as u8;
            let mut store = users::Store {
                config: desk.config,
                limiter: desk.limiter,
                active: active_count,
            };
            match desk
                .dispatcher
                .handle(&ctx, &request, &mut store, &mut data)
            {
                Outcome::Reply(r) => (r.completion_code, r.len),
                Outcome::Defer(action) => {
                    let State::Active(active) = &mut slot.state else {
                        return SessionAnswer::Drop;
                    };
                    active.serial = active.serial.wrapping_add(1);
                    let serial = active.serial;
                    active.pending = Some(Pending {
                        fingerprint,
                        header,
                        action,
                        serial,
                    });
                    let ticket = Ticket {
                        index: index as u8,
                        session_id: own_id,
                        serial,
                    };
                    return SessionAnswer::Pending(ticket, action);
                }
            }
        }
    };
    let Some(n) = response_message(&header, cc, &data[..len.min(MAX_MESSAGE)], msg_out) else {
        return SessionAnswer::Drop;
    };
    if let State::Active(active) = &mut slot.state {
        active.cached = heapless::Vec::from_slice(&msg_out[..n])
            .ok()
            .map(|response| Cached {
                fingerprint,
                response,
            });
    }
    if close_own {
        SessionAnswer::Close(n)
    } else {
        SessionAnswer::Reply(n)
    }
}

/// What serving one in-session request produced.
pub(crate) enum SessionAnswer {
    Drop,
    /// A LAN response message of this length.
    Reply(usize),
    /// The same, and the session ends after it is sent.
    Close(usize),
    Pending(Ticket, Action),
}

fn is_session_command(cmd: ipmi_core::types::AppCmd) -> bool {
    use ipmi_core::types::AppCmd as A;
    matches!(
        cmd,
        A::GetChannelAuthCapabilities
            | A::GetChannelCipherSuites
            | A::SetSessionPrivilegeLevel
            | A::CloseSession
            | A::GetSessionInfo
            | A::GetSessionChallenge
            | A::ActivateSession
    )
}

/// Builds the LAN response message to `header` into `out`.
pub(crate) fn response_message(
    header: &Header,
    cc: ipmi_core::CompletionCode,
    data: &[u8],
    out: &mut [u8],
) -> Option<usize> {
    ipmi_core::wire::ResponseRepr {
        rq_addr: header.rq_addr,
        netfn: header.netfn.response(),
        rq_lun: header.rq_lun,
        rs_addr: header.rs_addr,
        rq_seq: header.rq_seq,
        rs_lun: header.rs_lun,
        cmd: header.cmd,
        completion_code: cc,
        data,
    }
    .emit(out)
    .ok()
}

/// The session's privilege: min(requested, user limit, channel limit, suite cap).
pub(crate) fn session_privilege(limits: &[Privilege]) -> Privilege {
    limits.iter().copied().fold(Privilege::Oem, Privilege::min)
}

//! IPMI 1.5 sessions: Get Session Challenge, Activate Session, then per-message auth codes.
//! fence_ipmilan and `ipmitool -I lan` use this unless told `--lanplus`; MD5 by default, the
//! weaker auth types only when configured.
use core::net::SocketAddr;

use ipmi_core::cmd::app::{
    ActivateSessionRequest, ActivateSessionResponse, GetSessionChallengeRequest,
    GetSessionChallengeResponse,
};
use ipmi_core::cmd::Body;
use ipmi_core::types::AppCmd;
use ipmi_core::wire::RequestRepr;
use ipmi_core::{CompletionCode as Cc, Instant, NetFn, Privilege};
use subtle::ConstantTimeEq;

use super::config::Config;
use super::limiter::Refusal;
use super::state::{fingerprint, Active, Challenged, Header, Opening, Protection, State};
use super::{commands, response_message, Admit, Endpoint, Output, Random, MAX_MESSAGE};
use crate::session::v15 as sealing;
use crate::session::window::{self, Verdict, Window};
use crate::wire::rmcp::RmcpRepr;
use crate::wire::v15::{AuthType, SessionRepr};

/// Answers one IPMI 1.5 datagram.
pub(crate) fn handle<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    _rmcp: RmcpRepr,
    session: SessionRepr<'_>,
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    if session.session_id == 0 {
        return presession(ep, now, peer, &session, rng, out);
    }
    let Some(index) = ep.table.index_of(session.session_id) else {
        return ep.closed.answer(session.session_id, peer, now, out);
    };
    // One lookup of the slot: an active session's packet is served under it; a challenged
    // one goes on to Activate Session.
    let mut challenged = None;
    let output = ep.request(index, now, rng, out, |slot, config, out| {
        if slot.peer != peer {
            return Admit::Answered(Output::Drop);
        }
        match &mut slot.state {
            State::Challenged(c) => {
                challenged = Some(*c);
                Admit::Answered(Output::Drop)
            }
            State::Active(active) => in_session(slot.id, active, config, &session, out),
            _ => Admit::Answered(Output::Drop),
        }
    });
    match challenged {
        Some(c) => activate(ep, now, index, c, &session, rng, out),
        None => output,
    }
}

/// Session-less requests: capabilities, cipher suites and the challenge.
fn presession<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    session: &SessionRepr<'_>,
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    if session.auth_type != AuthType::None {
        return Output::Drop;
    }
    let Ok(req) = RequestRepr::parse_bytes(session.message) else {
        return Output::Drop;
    };
    let mut data = [0u8; MAX_MESSAGE];
    let (cc, len) = if req.netfn != NetFn::App {
        (Cc::InsufficientPrivilege, 0)
    } else {
        match AppCmd::from(req.cmd) {
            AppCmd::GetChannelAuthCapabilities => {
                commands::auth_capabilities(&ep.config, req.data, &mut data)
            }
            AppCmd::GetChannelCipherSuites => {
                commands::cipher_suites(&ep.config, ep.dispatcher.lan(), req.data, &mut data)
            }
            AppCmd::GetSessionChallenge => challenge(ep, now, peer, req.data, rng, &mut data),
            _ => (Cc::InsufficientPrivilege, 0),
        }
    };
    let mut msg = [0u8; MAX_MESSAGE];
    let Some(n) = response_message(&Header::from(&req), cc, &data[..len], &mut msg) else {
        return Output::Drop;
    };
    sealing::seal(out, AuthType::None, 0, 0, &msg[..n], None).map_or(Output::Drop, Output::Reply)
}

/// Get Session Challenge: a temporary session with a random id and challenge.
fn challenge<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    data: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> (Cc, usize) {
    let req = match GetSessionChallengeRequest::parse(data) {
        Ok(r) => r,
        Err(e) => return (e.completion_code(), 0),
    };
    let t = u8::from(req.auth_type);
    if t == 0 || t > 7 || ep.config.v15_auth_types & (1 << t) == 0 {
        return (Cc::InvalidDataField, 0);
    }
    let name = req.user_name.as_bytes();
    if name.is_empty() && !ep.config.allow_null_users {
        return (Cc::CommandSpecific82, 0);
    }
    let Some(user_id) = ep.config.find_user(name) else {
        return (Cc::CommandSpecific81, 0);
    };
    if !ep.config.user(user_id).is_some_and(|u| u.can_log_in()) {
        return (Cc::CommandSpecific81, 0);
    }
    // The same request again from the same console while its challenge is pending: the answer
    // was lost. The same temporary session again, not a second one holding a slot until it
    // times out.
    let again = ep.table.iter().find_map(|s| match &s.state {
        State::Challenged(c) if s.peer == peer && c.user_id == user_id && c.auth_type == t => {
            Some((s.id, c.challenge))
        }
        _ => None,
    });
    let (temporary_session_id, challenge) = match again {
        Some(pending) => pending,
        None => {
            // Each challenge allows one guess at the password: rationed per (user, source)
            // like RAKP2 codes, and a locked pair is refused as an unknown name would be.
            match ep
                .limiter
                .admit(now, &ep.config.limiter, user_id, peer.ip(), None)
            {
                Ok(()) => {}
                Err(Refusal::Locked) => return (Cc::CommandSpecific81, 0),
                Err(Refusal::Busy) => return (Cc::NodeBusy, 0),
            }
            let mut challenge = [0u8; 16];
            rng.fill(&mut challenge);
            let state = State::Challenged(Challenged {
                auth_type: t,
                user_id,
                challenge,
            });
            let known = |ip| ep.limiter.knows(ip);
            let Some(slot) = ep.table.insert(peer, now, state, rng, &known) else {
                return (Cc::NodeBusy, 0);
            };
            (slot.id, challenge)
        }
    };
    let rsp = GetSessionChallengeResponse {
        temporary_session_id,
        challenge,
    };
    match rsp.emit(out) {
        Ok(n) => (Cc::Normal, n),
        Err(_) => (Cc::Unspecified, 0),
    }
}

/// Activate Session: proves the password through the packet's auth code and the challenge.
#[allow(clippy::too_many_arguments)]
fn activate<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    index: usize,
    c: Challenged,
    session: &SessionRepr<'_>,
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    let _ = rng;
    let Some(user) = ep.config.user(c.user_id) else {
        return Output::Drop;
    };
    let Some(peer) = ep.table.at_mut(index).map(|s| s.peer) else {
        return Output::Drop;
    };
    // The lockout first, the password after: a locked (user, source) gets silence whether
    // the password is right or wrong, exactly what a wrong password gets.
    let locked = ep
        .limiter
        .locked(now, &ep.config.limiter, c.user_id, peer.ip());
    if locked
        || u8::from(session.auth_type) != c.auth_type
        || sealing::verify(session, &user.password).is_err()
    {
        // Wrong password: counted, and the temporary session is gone.
        if !locked {
            ep.limiter
                .fail(now, &ep.config.limiter, c.user_id, peer.ip(), false);
        }
        let id = ep.table.at_mut(index).map(|s| s.id).unwrap_or(0);
        ep.table.remove(id);
        return Output::Drop;
    }
    let password = user.password.clone();
    let user_limit = user.lan_limit();
    let Ok(req) = RequestRepr::parse_bytes(session.message) else {
        return Output::Drop;
    };
    let header = Header::from(&req);
    let mut data = [0u8; MAX_MESSAGE];
    let id = session.session_id;
    let (cc, len, active) =
        if req.netfn != NetFn::App || req.cmd != u8::from(AppCmd::ActivateSession) {
            (Cc::NotSupportedInPresentState, 0, None)
        } else {
            match ActivateSessionRequest::parse(req.data) {
                Err(e) => (e.completion_code(), 0, None),
                Ok(a) if u8::from(a.auth_type) != c.auth_type => (Cc::InvalidDataField, 0, None),
                Ok(a) if !bool::from(a.challenge.ct_eq(&c.challenge)) => {
                    (Cc::CommandSpecific85, 0, None)
                }
                Ok(a) => {
                    let limit = super::session_privilege(&[
                        user_limit,
                        ep.dispatcher.channel().privilege_limit,
                    ]);
                    let want = if a.max_privilege == Privilege::Highest {
                        limit
                    } else {
                        a.max_privilege
                    };
                    if want.rank() == 0 || want.rank() > limit.rank() {
                        (Cc::CommandSpecific86, 0, None)
                    } else {
                        let mut seq = [0u8; 4];
                        rng.fill(&mut seq);
                        let inbound = u32::from_le_bytes(seq).max(1);
                        let rsp = ActivateSessionResponse {
                            auth_type: a.auth_type,
                            session_id: id,
                            initial_inbound_sequence: inbound,
                            max_privilege: want,
                        };
                        match rsp.emit(&mut data) {
                            Ok(n) => {
                                let active = Active {
                                    console_id: 0,
                                    user_id: c.user_id,
                                    protection: Protection::V15 {
                                        auth_type: c.auth_type,
                                    },
                                    max_privilege: want,
                                    privilege: Privilege::User.min(want),
                                    window_auth: Window::starting_at(window::V15, inbound),
                                    window_plain: Window::new(window::V15),
                                    out_seq: a.initial_outbound_sequence.max(1),
                                    cached: None,
                                    pending: None,
                                    serial: 0,
                                    opening: Some(Opening::Activated {
                                        request: fingerprint(req.data),
                                        response: rsp,
                                    }),
                                };
                                (Cc::Normal, n, Some(active))
                            }
                            Err(_) => (Cc::Unspecified, 0, None),
                        }
                    }
                }
            }
        };
    let out_seq = active.as_ref().map_or(0, |a| a.out_seq);
    if let Some(active) = active {
        if let Some(slot) = ep.table.at_mut(index) {
            slot.state = State::Active(active);
            slot.last = now;
        }
        ep.limiter
            .succeed(now, &ep.config.limiter, c.user_id, peer.ip(), false);
    }
    let seal = (out_seq, id, &password);
    activation_reply(&header, cc, &data[..len], c.auth_type, seal, out)
}

/// The console retried the Activate Session that opened this session (its answer was lost):
/// the same answer again, to the retry's rqSeq. Anything else with sequence number 0 is dropped.
fn activate_again(
    active: &Active,
    id: u32,
    auth_type: u8,
    message: &[u8],
    password: &crate::crypto::Kuid,
    out: &mut [u8],
) -> Output {
    let Some(Opening::Activated { request, response }) = active.opening else {
        return Output::Drop;
    };
    let Ok(req) = RequestRepr::parse_bytes(message) else {
        return Output::Drop;
    };
    if req.netfn != NetFn::App
        || req.cmd != u8::from(AppCmd::ActivateSession)
        || fingerprint(req.data) != request
    {
        return Output::Drop;
    }
    let mut data = [0u8; MAX_MESSAGE];
    let Ok(n) = response.emit(&mut data) else {
        return Output::Drop;
    };
    let seal = (active.out_seq, id, password);
    activation_reply(
        &Header::from(&req),
        Cc::Normal,
        &data[..n],
        auth_type,
        seal,
        out,
    )
}

/// An Activate Session response, sealed with the session's password (`seal`: the outbound
/// sequence number, the session id and the password).
fn activation_reply(
    header: &Header,
    cc: Cc,
    data: &[u8],
    auth_type: u8,
    seal: (u32, u32, &crate::crypto::Kuid),
    out: &mut [u8],
) -> Output {
    let mut msg = [0u8; MAX_MESSAGE];
    let Some(n) = response_message(header, cc, data, &mut msg) else {
        return Output::Drop;
    };
    let (seq, id, password) = seal;
    let t = AuthType::from(auth_type);
    sealing::seal(out, t, seq, id, &msg[..n], Some(password)).map_or(Output::Drop, Output::Reply)
}

/// A packet of an active 1.5 session (`id`): check its auth code and sequence number; its LAN
/// request is then served.
fn in_session<'m, const U: usize>(
    id: u32,
    active: &mut Active,
    config: &Config<U>,
    session: &SessionRepr<'m>,
    out: &mut [u8],
) -> Admit<'m> {
    let drop = Admit::Answered(Output::Drop);
    let Protection::V15 { auth_type } = active.protection else {
        return drop;
    };
    let Some(user) = config.user(active.user_id) else {
        return drop;
    };
    if u8::from(session.auth_type) != auth_type || sealing::verify(session, &user.password).is_err()
    {
        return drop;
    }
    match active.window_auth.check(session.sequence) {
        // Sequence number 0 belongs to the Activate Session packet alone.
        Verdict::Outside if session.sequence == 0 => {
            return Admit::Answered(activate_again(
                active,
                id,
                auth_type,
                session.message,
                &user.password,
                out,
            ))
        }
        Verdict::Outside => return drop,
        Verdict::Duplicate => {
            // ipmitool resends the very same packet when a reply was lost: answer from the
            // cache if it is the last request, never run it again.
            let fp = super::state::fingerprint(session.message);
            if active.cached.as_ref().is_none_or(|c| c.fingerprint != fp) {
                return drop;
            }
        }
        Verdict::Fresh => {
            active.window_auth.accept(session.sequence);
            // A request inside the session: the console has the Activate Session answer.
            active.opening = None;
        }
    }
    Admit::Request(session.message)
}

/// Seals a LAN response message for an active 1.5 session.
pub(crate) fn seal_active(
    id: u32,
    active: &mut Active,
    msg: &[u8],
    password: &crate::crypto::Kuid,
    out: &mut [u8],
) -> Option<usize> {
    let Protection::V15 { auth_type } = active.protection else {
        return None;
    };
    let seq = active.next_out_seq();
    sealing::seal(out, AuthType::from(auth_type), seq, id, msg, Some(password)).ok()
}

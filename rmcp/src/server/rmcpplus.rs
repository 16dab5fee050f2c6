//! RMCP+ (IPMI 2.0): Open Session, RAKP 1-4, the session-less capability requests in 2.0
//! framing, and the packets of active sessions. Every set-up failure gets an explicit status code:
//! a client that hears nothing hangs until its time-out.
use core::net::SocketAddr;

use ipmi_core::types::AppCmd;
use ipmi_core::wire::RequestRepr;
use ipmi_core::{CompletionCode as Cc, Instant, NetFn, Privilege};

use super::limiter::Refusal;
use super::state::{Active, Header, Opened, Opening, Protection, Rakp2Sent, SentRakp4, State};
use super::{commands, response_message, Admit, Endpoint, Output, Random, MAX_MESSAGE};
use crate::crypto::{self, RakpContext};
use crate::session::window::Verdict;
use crate::session::{self as sealing, SessionKeys};
use crate::wire::asf::AsfRepr;
use crate::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use crate::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4, RmcpPlusStatus as Status};
use crate::wire::rmcp::RmcpRepr;
use crate::wire::v20::{self, PayloadType};

/// Answers an ASF presence ping with a pong that announces IPMI.
pub(crate) fn asf(rmcp: RmcpRepr, message: AsfRepr, out: &mut [u8]) -> Output {
    let AsfRepr::PresencePing { tag } = message else {
        return Output::Drop;
    };
    let pong = AsfRepr::pong(tag);
    let Ok(n) = RmcpRepr { ..rmcp }.emit(out) else {
        return Output::Drop;
    };
    match out.get_mut(n..).map(|rest| pong.emit(rest)) {
        Some(Ok(m)) => Output::Reply(n + m),
        _ => Output::Drop,
    }
}

/// Answers one IPMI 2.0 datagram (`body` starts at the 0x06 auth type byte).
pub(crate) fn handle<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    header: v20::Header,
    body: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    if header.session_id == 0 {
        // Nothing before a session is authenticated or encrypted.
        if header.authenticated || header.encrypted {
            return Output::Drop;
        }
        let Ok(opened) = sealing::v20::open_parsed(&header, body, None, &mut []) else {
            return Output::Drop;
        };
        let payload = opened.payload;
        return match header.payload_type {
            PayloadType::OpenSessionRequest => open_session(ep, now, peer, payload, rng, out),
            PayloadType::Rakp1 => rakp1(ep, now, peer, payload, rng, out),
            PayloadType::Rakp3 => rakp3(ep, now, peer, payload, out),
            PayloadType::Ipmi => presession(ep, payload, out),
            _ => Output::Drop,
        };
    }
    in_session(ep, now, peer, &header, body, rng, out)
}

/// Get Channel Authentication Capabilities and Get Channel Cipher Suites in 2.0 framing.
fn presession<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    message: &[u8],
    out: &mut [u8],
) -> Output {
    let Ok(req) = RequestRepr::parse_bytes(message) else {
        return Output::Drop;
    };
    let mut data = [0u8; MAX_MESSAGE];
    let (cc, len) = match (req.netfn, AppCmd::from(req.cmd)) {
        (NetFn::App, AppCmd::GetChannelAuthCapabilities) => {
            commands::auth_capabilities(&ep.config, req.data, &mut data)
        }
        (NetFn::App, AppCmd::GetChannelCipherSuites) => {
            commands::cipher_suites(&ep.config, ep.dispatcher.lan(), req.data, &mut data)
        }
        _ => (Cc::InsufficientPrivilege, 0),
    };
    let header = Header::from(&req);
    let mut msg = [0u8; MAX_MESSAGE];
    let Some(n) = response_message(&header, cc, &data[..len], &mut msg) else {
        return Output::Drop;
    };
    seal_plain(PayloadType::Ipmi, &msg[..n], out)
}

fn seal_plain(payload_type: PayloadType, payload: &[u8], out: &mut [u8]) -> Output {
    sealing::v20::seal(out, payload_type, 0, 0, payload, None, &[0u8; 16])
        .map_or(Output::Drop, Output::Reply)
}

/// Open Session: pick the suite that matches the proposal exactly, or say why not.
fn open_session<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    payload: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    let Ok(req) = OpenSessionRequest::parse(payload) else {
        return Output::Drop;
    };
    let refuse = |status: Status, out: &mut [u8]| {
        let rsp = OpenSessionResponse::error(req.tag, status, req.console_session_id);
        emit_payload(PayloadType::OpenSessionResponse, |b| rsp.emit(b), out)
    };
    // A null record lets the BMC choose that algorithm: take the strongest enabled suite that
    // matches every algorithm the console did name.
    // A suite whose entry in LAN parameter 24 is "unused" is not offered.
    let suite = crate::crypto::SUITES.iter().rev().find(|s| {
        ep.config.suite_enabled(s.id)
            && ep.dispatcher.lan().suite_cap(s.id).rank() > 0
            && req.auth.is_none_or(|a| a == s.auth)
            && req.integrity.is_none_or(|i| i == s.integrity)
            && req.confidentiality.is_none_or(|c| c == s.confidentiality)
    });
    let Some(suite) = suite else {
        return refuse(no_match_status(&req), out);
    };
    let limit = super::session_privilege(&[
        ep.dispatcher.channel().privilege_limit,
        ep.dispatcher.lan().suite_cap(suite.id),
    ]);
    let max_privilege = match req.max_privilege {
        Privilege::Highest => limit,
        p if p.rank() == 0 || p == Privilege::Oem => return refuse(Status::InvalidRole, out),
        p if p.rank() > limit.rank() => return refuse(Status::UnauthorizedRole, out),
        p => p,
    };
    let opened = Opened {
        console_id: req.console_session_id,
        suite,
        max_privilege,
    };
    // The same proposal again from the same console while its session is still half-open: the
    // answer was lost (freeipmi retries under a new tag, ipmitool with the same bytes). The same
    // session again, not a second one that would hold a slot until it times out.
    let again = ep.table.iter().find(|s| {
        s.peer == peer
            && matches!(&s.state, State::Opened(o) if o.console_id == opened.console_id
                && o.suite.id == suite.id && o.max_privilege == max_privilege)
    });
    let bmc_session_id = match again {
        Some(slot) => slot.id,
        None => match ep
            .table
            .insert(peer, now, State::Opened(opened), rng, &|ip| {
                ep.limiter.knows(ip)
            }) {
            Some(slot) => slot.id,
            None => return refuse(Status::InsufficientResources, out),
        },
    };
    // Echo exactly the algorithms chosen: ipmitool rejects a reply that differs from its request.
    let rsp = OpenSessionResponse {
        tag: req.tag,
        status: Status::NoErrors,
        max_privilege,
        console_session_id: req.console_session_id,
        bmc_session_id,
        auth: suite.auth,
        integrity: suite.integrity,
        confidentiality: suite.confidentiality,
    };
    emit_payload(PayloadType::OpenSessionResponse, |b| rsp.emit(b), out)
}

/// Which algorithm of a proposal we cannot offer.
fn no_match_status(req: &OpenSessionRequest) -> Status {
    use crate::crypto::{AuthAlg, ConfAlg, IntegrityAlg};
    if matches!(req.auth, Some(AuthAlg::Unknown(_))) {
        Status::InvalidAuthAlgorithm
    } else if matches!(req.integrity, Some(IntegrityAlg::Unknown(_))) {
        Status::InvalidIntegrityAlgorithm
    } else if matches!(req.confidentiality, Some(ConfAlg::Unknown(_))) {
        Status::InvalidConfidentialityAlgorithm
    } else {
        Status::NoCipherSuiteMatch
    }
}

/// Writes a session-less payload through `emit` and seals it.
fn emit_payload(
    payload_type: PayloadType,
    emit: impl FnOnce(&mut [u8]) -> Result<usize, crate::wire::WireError>,
    out: &mut [u8],
) -> Output {
    let mut payload = [0u8; 96];
    match emit(&mut payload) {
        Ok(n) => seal_plain(payload_type, &payload[..n], out),
        Err(_) => Output::Drop,
    }
}

/// RAKP1 -> RAKP2: find the user, check the role, ration real codes, prove the BMC knows Kuid.
fn rakp1<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    payload: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    let Ok(req) = Rakp1::parse(payload) else {
        return Output::Drop;
    };
    let tag = req.tag;
    let refuse = |status: Status, console_id: u32, out: &mut [u8]| {
        let rsp = Rakp2::error(tag, status, console_id);
        emit_payload(PayloadType::Rakp2, |b| rsp.emit(b), out)
    };
    let Some(index) = ep.table.index_of(req.bmc_session_id) else {
        return refuse(Status::InvalidSessionId, 0, out);
    };
    let Some(slot) = ep.table.at_mut(index) else {
        return Output::Drop;
    };
    if slot.peer != peer {
        return refuse(Status::InvalidSessionId, 0, out);
    }
    let (opened, resend) = match &slot.state {
        State::Opened(o) => (*o, None),
        // A retransmitted RAKP1 (its RAKP2 was lost) gets the very same RAKP2 again: a fresh Rc
        // would leave the console with keys the BMC does not have.
        State::Rakp2Sent(r) if r.rm == req.console_random && r.role == req.role => {
            (r.opened, Some(r.rc))
        }
        _ => return refuse(Status::InvalidSessionId, 0, out),
    };
    let console_id = opened.console_id;
    let session_id = slot.id;
    let role = req.role;
    let requested = Privilege::from(role & 0x0F);
    if requested.rank() == 0 || requested == Privilege::Oem {
        return refuse(Status::InvalidRole, console_id, out);
    }
    if req.user_name.len() > 16 {
        return refuse(Status::InvalidNameLength, console_id, out);
    }
    let name = req.user_name;
    let user_id = if name.is_empty() && !ep.config.allow_null_users {
        None
    } else {
        ep.config
            .find_user(name)
            .filter(|&id| ep.config.user(id).is_some_and(|u| u.can_log_in()))
    };
    let Some(user_id) = user_id else {
        // Unknown user: charged to the source.
        ep.limiter
            .charge_unknown(now, &ep.config.limiter, peer.ip());
        ep.table.remove(session_id);
        return refuse(Status::UnauthorizedName, console_id, out);
    };
    let Some(user) = ep.config.user(user_id) else {
        return Output::Drop;
    };
    let limit = super::session_privilege(&[user.lan_limit(), opened.max_privilege]);
    // Name+privilege lookup (bit 4 clear) asks for a user at exactly this level: we match by name
    // and then require the level to be within the user's limit in both modes.
    if requested.rank() > limit.rank() {
        ep.table.remove(session_id);
        return refuse(Status::UnauthorizedRole, console_id, out);
    }
    // Ration the codes an attacker could crack offline, per (user, source); honest logins give
    // them back at RAKP3, and a code whose RAKP3 never comes is a failed login.
    let rc = match resend {
        Some(rc) => rc,
        None => {
            let cfg = &ep.config.limiter;
            let pending = Some(ep.config.handshake_timeout_ms);
            match ep.limiter.admit(now, cfg, user_id, peer.ip(), pending) {
                Ok(()) => {}
                Err(refusal) => {
                    ep.table.remove(session_id);
                    let status = match refusal {
                        Refusal::Locked => Status::UnauthorizedName,
                        Refusal::Busy => Status::InsufficientResources,
                    };
                    return refuse(status, console_id, out);
                }
            }
            let mut rc = [0u8; 16];
            rng.fill(&mut rc);
            rc
        }
    };
    let ctx = RakpContext {
        console_session_id: console_id,
        bmc_session_id: session_id,
        console_random: req.console_random,
        bmc_random: rc,
        bmc_guid: ep.config.system_guid,
        role,
        user_name: name,
    };
    let Ok(code) = crypto::rakp::rakp2_auth_code(opened.suite.auth, &user.password, &ctx) else {
        return refuse(Status::InsufficientResources, console_id, out);
    };
    let rsp = Rakp2 {
        tag,
        status: Status::NoErrors,
        console_session_id: console_id,
        bmc_random: rc,
        bmc_guid: ep.config.system_guid,
        key_exchange_auth_code: code.as_bytes(),
    };
    if let Some(slot) = ep.table.at_mut(index) {
        slot.state = State::Rakp2Sent(Rakp2Sent {
            opened,
            rm: req.console_random,
            rc,
            role,
            user_id,
        });
    }
    emit_payload(PayloadType::Rakp2, |b| rsp.emit(b), out)
}

/// What tells a retransmitted RAKP3 from another: everything but its message tag (byte 0).
fn rakp3_fingerprint(payload: &[u8]) -> u32 {
    super::state::fingerprint(payload.get(1..).unwrap_or(&[]))
}

/// RAKP3 -> RAKP4: the console proves it knows Kuid; derive the keys and activate.
fn rakp3<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    payload: &[u8],
    out: &mut [u8],
) -> Output {
    let Ok(req) = Rakp3::parse(payload) else {
        return Output::Drop;
    };
    let tag = req.tag;
    let refuse = |status: Status, console_id: u32, out: &mut [u8]| {
        let rsp = Rakp4 {
            tag,
            status,
            console_session_id: console_id,
            integrity_check_value: &[],
        };
        emit_payload(PayloadType::Rakp4, |b| rsp.emit(b), out)
    };
    let Some(index) = ep.table.index_of(req.bmc_session_id) else {
        return refuse(Status::InvalidSessionId, 0, out);
    };
    let Some(slot) = ep.table.at_mut(index) else {
        return Output::Drop;
    };
    let r = match (&slot.state, slot.peer == peer) {
        (State::Rakp2Sent(r), true) => *r,
        // The same RAKP3 again for a session that is up: its RAKP4 was lost, send it again
        // (what went out before, under the retry's message tag: freeipmi takes a new tag for
        // every retransmission, ipmitool keeps it). Anything else is dropped.
        (State::Active(a), true) => {
            let fp = rakp3_fingerprint(payload);
            return match &a.opening {
                Some(Opening::Rakp4(sent)) if sent.rakp3 == fp => {
                    let rsp = Rakp4 {
                        tag,
                        status: Status::NoErrors,
                        console_session_id: a.console_id,
                        integrity_check_value: &sent.icv,
                    };
                    emit_payload(PayloadType::Rakp4, |b| rsp.emit(b), out)
                }
                _ => Output::Drop,
            };
        }
        _ => return refuse(Status::InvalidSessionId, 0, out),
    };
    let session_id = slot.id;
    let console_id = r.opened.console_id;
    if req.status != Status::NoErrors {
        // The console gave up (e.g. it could not verify RAKP2: a wrong password): a failed
        // login, and the session is forgotten.
        ep.limiter
            .fail(now, &ep.config.limiter, r.user_id, peer.ip(), true);
        ep.table.remove(session_id);
        return Output::Drop;
    }
    let Some(user) = ep.config.user(r.user_id) else {
        ep.table.remove(session_id);
        return refuse(Status::InvalidSessionId, console_id, out);
    };
    let user_name = user.name.clone();
    let ctx = RakpContext {
        console_session_id: console_id,
        bmc_session_id: session_id,
        console_random: r.rm,
        bmc_random: r.rc,
        bmc_guid: ep.config.system_guid,
        role: r.role,
        user_name: &user_name,
    };
    let suite = r.opened.suite;
    // A locked pair is refused before the password is looked at: the same answer either way.
    let locked = ep
        .limiter
        .locked(now, &ep.config.limiter, r.user_id, peer.ip());
    if locked
        || crypto::rakp::verify_rakp3_auth_code(
            suite.auth,
            &user.password,
            &ctx,
            req.key_exchange_auth_code,
        )
        .is_err()
    {
        // A wrong password: counted towards the lockout of this (user, source).
        ep.limiter
            .fail(now, &ep.config.limiter, r.user_id, peer.ip(), true);
        ep.table.remove(session_id);
        return refuse(Status::InvalidIntegrityCheckValue, console_id, out);
    }
    let Ok(keys) = SessionKeys::derive(suite, &user.password, ep.config.kg(), &ctx) else {
        ep.table.remove(session_id);
        return refuse(Status::InsufficientResources, console_id, out);
    };
    let Ok(icv) = keys.rakp4_icv(&ctx) else {
        ep.table.remove(session_id);
        return refuse(Status::InsufficientResources, console_id, out);
    };
    ep.limiter
        .succeed(now, &ep.config.limiter, r.user_id, peer.ip(), true);
    let max_privilege = Privilege::from(r.role & 0x0F);
    let mut active = Active::v20(&r.opened, r.user_id, max_privilege, keys);
    active.opening = heapless::Vec::from_slice(icv.as_bytes()).ok().map(|icv| {
        Opening::Rakp4(SentRakp4 {
            rakp3: rakp3_fingerprint(payload),
            icv,
        })
    });
    if let Some(slot) = ep.table.at_mut(index) {
        slot.state = State::Active(active);
        slot.last = now;
    }
    let rsp = Rakp4 {
        tag,
        status: Status::NoErrors,
        console_session_id: console_id,
        integrity_check_value: icv.as_bytes(),
    };
    emit_payload(PayloadType::Rakp4, |b| rsp.emit(b), out)
}

/// A packet of an active RMCP+ session: verify, decrypt, window, then serve and seal (one lookup
/// of the session's slot for all of it).
fn in_session<const S: usize, const U: usize>(
    ep: &mut Endpoint<S, U>,
    now: Instant,
    peer: SocketAddr,
    header: &v20::Header,
    body: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    let session_id = header.session_id;
    let Some(index) = ep.table.index_of(session_id) else {
        return ep.closed.answer(session_id, peer, now, out);
    };
    // Room for the largest SOL packet a console may send (see `crate::sol::port::IN_DATA`).
    let mut scratch = [0u8; 288];
    let scratch = &mut scratch;
    ep.request(index, now, rng, out, move |slot, _, _| {
        let drop = Admit::Answered(Output::Drop);
        if slot.peer != peer {
            return drop;
        }
        let State::Active(active) = &mut slot.state else {
            return drop;
        };
        let Protection::V20(keys) = &active.protection else {
            return drop;
        };
        let Ok(opened) = sealing::v20::open_parsed(header, body, Some(keys), scratch) else {
            return drop; // unauthenticated or malformed: silently dropped
        };
        // IPMI messages, and Serial over LAN (type 1) for the endpoint's SOL instance.
        let sol = opened.payload_type() == PayloadType::Sol;
        if opened.payload_type() != PayloadType::Ipmi && !sol {
            return drop;
        }
        let window = if opened.header.authenticated {
            &mut active.window_auth
        } else {
            &mut active.window_plain
        };
        let verdict = window.check(opened.sequence());
        match verdict {
            Verdict::Outside => return drop,
            // ipmitool resends a SOL packet with the same bytes: its ACK may have been lost.
            Verdict::Duplicate if sol => {}
            Verdict::Duplicate => {
                let fp = super::state::fingerprint(opened.payload);
                if active.cached.as_ref().is_none_or(|c| c.fingerprint != fp) {
                    return drop;
                }
            }
            Verdict::Fresh => window.accept(opened.sequence()),
        }
        if sol {
            return Admit::Sol {
                payload: opened.payload,
                again: verdict == Verdict::Duplicate,
            };
        }
        if opened.payload.len() > MAX_MESSAGE {
            slot.last = now;
            return drop;
        }
        Admit::Request(opened.payload)
    })
}

/// Seals a LAN response message for an active RMCP+ session.
pub(crate) fn seal_active(
    active: &mut Active,
    msg: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Option<usize> {
    let seq = active.next_out_seq();
    let Protection::V20(keys) = &active.protection else {
        return None;
    };
    let mut iv = [0u8; 16];
    if keys.suite().encrypted() {
        rng.fill(&mut iv);
    }
    sealing::v20::seal(
        out,
        PayloadType::Ipmi,
        active.console_id,
        seq,
        msg,
        Some(keys),
        &iv,
    )
    .ok()
}

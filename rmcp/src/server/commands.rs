//! The commands that need the session itself, and so live here rather than in the dispatcher:
//! channel authentication capabilities, cipher suites, session privilege, close, session info.
use core::net::{IpAddr, SocketAddr};

use ipmi_core::cmd::app::{
    AuthTypeSupport, CloseSessionRequest, GetChannelAuthCapabilitiesRequest,
    GetChannelAuthCapabilitiesResponse, GetChannelCipherSuitesRequest, GetSessionInfoRequest,
    GetSessionInfoResponse, LanSessionData, SessionDetails, SessionIndex,
    SetSessionPrivilegeLevelRequest, SetSessionPrivilegeLevelResponse, CHANNEL_CURRENT,
};
use ipmi_core::cmd::Body;
use ipmi_core::{CompletionCode as Cc, Privilege};

use super::config::Config;
use super::state::{Protection, State};
use super::table::{Others, Slot};
use crate::crypto::CipherSuite;

/// The LAN channel this endpoint serves.
pub(crate) const LAN_CHANNEL: u8 = 1;

/// A reply body: completion code plus data written into the caller's buffer.
pub(crate) type Answer = (Cc, usize);

fn channel_ok(channel: u8) -> bool {
    channel == LAN_CHANNEL || channel == CHANNEL_CURRENT
}

fn emit<'a, B: Body<'a>>(body: &B, out: &mut [u8]) -> Answer {
    match body.emit(out) {
        Ok(n) => (Cc::Normal, n),
        Err(_) => (Cc::Unspecified, 0),
    }
}

fn parse<'a, B: Body<'a>>(data: &'a [u8]) -> Result<B, Answer> {
    B::parse(data).map_err(|e| (e.completion_code(), 0))
}

/// Get Channel Authentication Capabilities: truthful about users, K_g and auth types, because
/// freeipmi checks the user-name and K_g bits before it logs in.
pub(crate) fn auth_capabilities<const U: usize>(
    config: &Config<U>,
    data: &[u8],
    out: &mut [u8],
) -> Answer {
    let req: GetChannelAuthCapabilitiesRequest = match parse(data) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if !channel_ok(req.channel) {
        return (Cc::InvalidDataField, 0);
    }
    let t = config.v15_auth_types;
    let named = config
        .users
        .iter()
        .flatten()
        .any(|u| u.can_log_in() && !u.name.is_empty());
    let null = config.allow_null_users
        && config
            .users
            .iter()
            .flatten()
            .any(|u| u.can_log_in() && u.name.is_empty());
    let rsp = GetChannelAuthCapabilitiesResponse {
        channel: LAN_CHANNEL,
        ipmi_v20_extended_capabilities: req.get_ipmi_v20_extended_data,
        auth_types: AuthTypeSupport {
            oem: false,
            straight_password: t & (1 << 4) != 0,
            md5: t & (1 << 2) != 0,
            md2: t & (1 << 1) != 0,
            none: false,
        },
        kg_non_default: config.kg().is_some(),
        per_message_auth_disabled: false,
        user_level_auth_disabled: false,
        non_null_usernames: named,
        null_usernames: null,
        anonymous_login: null,
        supports_ipmi_v20: req.get_ipmi_v20_extended_data && config.suites != 0,
        supports_ipmi_v15: req.get_ipmi_v20_extended_data && t & 0b1_0110 != 0,
        oem_iana: 0,
        oem_aux: 0,
    };
    emit(&rsp, out)
}

/// Get Channel Cipher Suites: the enabled suites, 16 record bytes per reply; a suite that LAN
/// parameter 24 marks "unused" is not listed (a console would pick it and fail).
pub(crate) fn cipher_suites<const U: usize>(
    config: &Config<U>,
    lan: &ipmi_core::bmc::LanConfig,
    data: &[u8],
    out: &mut [u8],
) -> Answer {
    let req: GetChannelCipherSuitesRequest = match parse(data) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if !channel_ok(req.channel) || req.payload_type != 0 {
        return (Cc::InvalidDataField, 0);
    }
    // At most 12 suites x 5 record bytes; build the list, then cut the requested chunk.
    let mut records = [0u8; 5 * 12];
    let mut len = 0;
    if req.list_by_cipher_suite {
        for s in config
            .enabled_suites()
            .filter(|&id| lan.suite_cap(id).rank() > 0)
            .filter_map(CipherSuite::by_id)
        {
            records[len..len + 5].copy_from_slice(&s.record());
            len += 5;
        }
    } else {
        // "List supported algorithms": each algorithm tag once, authentication (00h|alg) first,
        // then integrity (40h|alg), then confidentiality (80h|alg).
        for field in 2..5 {
            for s in config
                .enabled_suites()
                .filter(|&id| lan.suite_cap(id).rank() > 0)
                .filter_map(CipherSuite::by_id)
            {
                let tag = s.record()[field];
                if !records[..len].contains(&tag) {
                    records[len] = tag;
                    len += 1;
                }
            }
        }
    }
    let start = usize::from(req.list_index) * 16;
    let Some(out_first) = out.first_mut() else {
        return (Cc::Unspecified, 0);
    };
    *out_first = LAN_CHANNEL;
    if start > len {
        return (Cc::ParameterOutOfRange, 0);
    }
    let chunk = &records[start..len.min(start + 16)];
    match out.get_mut(1..1 + chunk.len()) {
        Some(dst) => {
            dst.copy_from_slice(chunk);
            (Cc::Normal, 1 + chunk.len())
        }
        None => (Cc::Unspecified, 0),
    }
}

/// Set Session Privilege Level: up to the session's maximum, 0 only asks.
pub(crate) fn set_session_privilege(
    current: &mut Privilege,
    max: Privilege,
    data: &[u8],
    out: &mut [u8],
) -> Answer {
    let req: SetSessionPrivilegeLevelRequest = match parse(data) {
        Ok(r) => r,
        Err(a) => return a,
    };
    if !req.is_query() {
        let want = req.privilege;
        if want.rank() == 0 || want == Privilege::Oem {
            return (Cc::InvalidDataField, 0);
        }
        if want.rank() > max.rank() {
            return (Cc::CommandSpecific81, 0);
        }
        *current = want;
    }
    emit(
        &SetSessionPrivilegeLevelResponse {
            privilege: *current,
        },
        out,
    )
}

/// What Close Session decided.
pub(crate) enum Close {
    /// Close the requesting session after answering.
    Own,
    /// Another session (by id) was closed; answer normally.
    Other,
    /// Answer with this code.
    Refuse(Cc),
}

/// Close Session: one's own session (`own`), or (as Administrator) another by id or handle.
pub(crate) fn close_session(
    own: &Slot,
    others: &mut Others<'_>,
    privilege: Privilege,
    data: &[u8],
) -> Close {
    let own_id = own.id;
    let req: CloseSessionRequest = match CloseSessionRequest::parse(data) {
        Ok(r) => r,
        Err(e) => return Close::Refuse(e.completion_code()),
    };
    let target = if req.session_id != 0 {
        others
            .around(own)
            .find(|s| s.id == req.session_id && s.state.is_active())
            .map(|s| s.id)
    } else {
        match req.session_handle {
            Some(h) => others
                .around(own)
                .find(|s| s.handle == h && s.state.is_active())
                .map(|s| s.id),
            None => return Close::Refuse(Cc::RequestDataLengthInvalid),
        }
    };
    match target {
        Some(id) if id == own_id => Close::Own,
        Some(id) if privilege.allows(Privilege::Administrator) => {
            others.remove(id);
            Close::Other
        }
        Some(_) => Close::Refuse(Cc::InsufficientPrivilege),
        None if req.session_id != 0 => Close::Refuse(Cc::CommandSpecific87),
        None => Close::Refuse(Cc::CommandSpecific88),
    }
}

/// Get Session Info: the current session (`own`), the Nth active one, or one by handle or id;
/// `capacity` is the size of the session table.
pub(crate) fn session_info(
    own: &Slot,
    others: &Others<'_>,
    capacity: usize,
    data: &[u8],
    out: &mut [u8],
) -> Answer {
    let req: GetSessionInfoRequest = match parse(data) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let mut active = others.around(own).filter(|s| s.state.is_active());
    let found = match req.index {
        SessionIndex::Current => Some(own),
        SessionIndex::Index(n) => active.nth(usize::from(n).saturating_sub(1)),
        SessionIndex::Handle(h) => active.find(|s| s.handle == h),
        SessionIndex::Id(id) => active.find(|s| s.id == id),
    };
    let count = others.active(own);
    let session = found.and_then(|s| match &s.state {
        State::Active(a) => Some((s, a)),
        _ => None,
    });
    let rsp = GetSessionInfoResponse {
        session_handle: session.map_or(0, |(s, _)| s.handle),
        possible_active_sessions: capacity.min(63) as u8,
        active_sessions: count.min(63) as u8,
        session: session.map(|(s, a)| SessionDetails {
            user_id: a.user_id,
            privilege: a.privilege,
            protocol_aux: match a.protection {
                Protection::V15 { .. } => SessionDetails::PROTOCOL_IPMI_V15,
                Protection::V20(_) => SessionDetails::PROTOCOL_IPMI_V20,
            },
            channel: LAN_CHANNEL,
            lan: Some(lan_data(s.peer)),
        }),
    };
    if matches!(
        req.index,
        SessionIndex::Index(_) | SessionIndex::Handle(_) | SessionIndex::Id(_)
    ) && session.is_none()
    {
        return (Cc::InvalidDataField, 0);
    }
    emit(&rsp, out)
}

fn lan_data(peer: SocketAddr) -> LanSessionData {
    let console_ip = match peer.ip() {
        IpAddr::V4(v4) => v4.octets(),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or([0; 4], |v4| v4.octets()),
    };
    LanSessionData {
        console_ip,
        console_mac: [0; 6],
        console_port: peer.port(),
    }
}

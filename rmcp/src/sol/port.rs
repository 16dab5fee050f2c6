//! The BMC's one SOL port: who has it, the payload commands, and the engine while it runs.
//!
//! [`SolPort`] is what the endpoint keeps beside its session table. It answers the payload
//! commands (Activate / Deactivate Payload, Get Payload Activation Status, Get Payload
//! Instance Info, Get Channel Payload Support / Version) for a session described by a
//! [`SessionView`], takes the SOL packets of the session that activated it, and says which
//! packet goes to which session next. Sealing and session lookup stay with the endpoint, so
//! this file knows nothing of keys or the table.
use core::net::SocketAddr;

use ipmi_core::bmc::SolConfig;
use ipmi_core::cmd::app::{
    ActivatePayloadRequest, ActivatePayloadResponse, DeactivatePayloadRequest,
    GetChannelPayloadSupportRequest, GetChannelPayloadSupportResponse,
    GetChannelPayloadVersionRequest, GetChannelPayloadVersionResponse,
    GetPayloadActivationStatusRequest, GetPayloadActivationStatusResponse,
    GetPayloadInstanceInfoRequest, GetPayloadInstanceInfoResponse, GetUserPayloadAccessRequest,
    SetUserPayloadAccessRequest, UserPayloadAccess, CHANNEL_CURRENT,
};
use ipmi_core::cmd::Body;
use ipmi_core::{CompletionCode as Cc, Instant, Privilege};

use super::{Events, Params, SolEngine};
use crate::wire::sol::{SolRepr, HEADER_LEN};

/// Payload type 1.
pub const PAYLOAD_SOL: u8 = 1;
/// Most characters the BMC sends in one packet: an encrypted SHA-256 packet of this size
/// still fits the endpoint's 256-byte datagrams.
pub const OUT_DATA: u8 = 160;
/// Most characters the BMC accepts in one packet (the Activate Payload answer says so).
pub const IN_DATA: u8 = 200;
/// Bytes a payload buffer for [`SolPort::poll`] needs.
pub const MAX_PAYLOAD: usize = HEADER_LEN + OUT_DATA as usize;
/// Machine output the engine holds (in flight and waiting).
pub const OUT_BUFFER: usize = 512;
/// Console input the engine holds until the platform takes it.
pub const IN_BUFFER: usize = 256;
/// The LAN channel's number.
const LAN_CHANNEL: u8 = 1;

/// The engine the endpoint runs.
pub type Engine = SolEngine<OUT_BUFFER, IN_BUFFER>;

/// What the SOL port needs to know about the session that asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionView {
    /// The BMC's session id.
    pub session_id: u32,
    /// The console's session id (SOL packets to the console carry it).
    pub console_id: u32,
    /// Where the session's packets come from.
    pub peer: SocketAddr,
    /// Its operating privilege.
    pub privilege: Privilege,
    /// Its user id.
    pub user_id: u8,
    /// Its suite encrypts payloads.
    pub encrypted: bool,
}

/// The session SOL is active on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// The BMC's session id.
    pub session_id: u32,
    /// The console's session id.
    pub console_id: u32,
    /// Where its packets go.
    pub peer: SocketAddr,
}

/// App commands of the payload family, by number.
pub fn is_payload_command(cmd: u8) -> bool {
    matches!(cmd, 0x48..=0x4F)
}

/// The BMC's one SOL instance.
#[derive(Debug, Default)]
pub struct SolPort {
    active: Option<(Owner, Engine)>,
    /// A "deactivating" packet owed to a console whose SOL another session ended.
    farewell: Option<Owner>,
    /// Activation changed since the shell last asked.
    changed: bool,
}

impl SolPort {
    /// The session SOL is active on, if any.
    pub fn owner(&self) -> Option<Owner> {
        self.active.as_ref().map(|(o, _)| *o)
    }

    /// The engine while SOL is active.
    pub fn engine(&mut self) -> Option<&mut Engine> {
        self.active.as_mut().map(|(_, e)| e)
    }

    /// Whether SOL was activated or deactivated since the last call.
    pub fn take_changed(&mut self) -> bool {
        core::mem::take(&mut self.changed)
    }

    /// Session `session_id` ended (Close Session, time-out): its SOL ends with it, quietly.
    pub fn session_ended(&mut self, session_id: u32) {
        if self.owner().is_some_and(|o| o.session_id == session_id) {
            self.active = None;
            self.changed = true;
        }
        if self.farewell.is_some_and(|o| o.session_id == session_id) {
            self.farewell = None;
        }
    }

    /// Answers a payload command (`is_payload_command`) of session `s`: completion code and
    /// response data length in `out` (at least 12 bytes).
    pub fn command(
        &mut self,
        s: &SessionView,
        cfg: &mut SolConfig,
        cmd: u8,
        data: &[u8],
        out: &mut [u8],
    ) -> (Cc, usize) {
        let needed = match cmd {
            0x4C => Privilege::Administrator,
            0x4D => Privilege::Operator,
            _ => Privilege::User,
        };
        if !s.privilege.allows(needed) {
            return (Cc::InsufficientPrivilege, 0);
        }
        let r = match cmd {
            0x4C => set_user_payload_access(cfg, data),
            0x4D => get_user_payload_access(cfg, data, out),
            0x48 => self.activate(s, cfg, data, out),
            0x49 => self.deactivate(s, data),
            0x4A => self.activation_status(data, out),
            0x4B => self.instance_info(data, out),
            0x4E => channel_payload_support(data, out),
            0x4F => channel_payload_version(data, out),
            _ => Err(Cc::InvalidCommand),
        };
        match r {
            Ok(n) => (Cc::Normal, n),
            Err(cc) => (cc, 0),
        }
    }

    fn activate(
        &mut self,
        s: &SessionView,
        cfg: &SolConfig,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Cc> {
        let r = ActivatePayloadRequest::parse(data).map_err(ipmi_core::Error::completion_code)?;
        if r.payload_type != PAYLOAD_SOL || r.instance == 0 {
            return Err(Cc::InvalidDataField);
        }
        if r.instance > 1 {
            return Err(Cc::CommandSpecific82); // activation limit reached
        }
        if self.active.is_some() {
            return Err(Cc::CommandSpecific80); // already active on another session
        }
        if !cfg.enabled() {
            return Err(Cc::CommandSpecific81); // payload type disabled
        }
        if !s.privilege.allows(cfg.privilege()) || !cfg.user_sol(s.user_id) {
            return Err(Cc::InsufficientPrivilege);
        }
        if cfg.force_encryption() && !s.encrypted {
            return Err(Cc::CommandSpecific84); // cannot activate without encryption
        }
        let rsp = ActivatePayloadResponse {
            aux: [0; 4],
            inbound_payload_size: u16::from(IN_DATA) + HEADER_LEN as u16,
            outbound_payload_size: u16::from(OUT_DATA) + HEADER_LEN as u16,
            port: cfg.port,
            vlan: ipmi_core::cmd::app::activate_payload::NO_VLAN,
        };
        let n = rsp.emit(out).map_err(ipmi_core::Error::completion_code)?;
        let owner = Owner {
            session_id: s.session_id,
            console_id: s.console_id,
            peer: s.peer,
        };
        self.active = Some((owner, Engine::new(Params::from_config(cfg, OUT_DATA))));
        if self.farewell.is_some_and(|f| f.session_id == s.session_id) {
            self.farewell = None;
        }
        self.changed = true;
        Ok(n)
    }

    fn deactivate(&mut self, s: &SessionView, data: &[u8]) -> Result<usize, Cc> {
        let r = DeactivatePayloadRequest::parse(data).map_err(ipmi_core::Error::completion_code)?;
        if r.payload_type != PAYLOAD_SOL || r.instance != 1 {
            return Err(Cc::InvalidDataField);
        }
        let Some((owner, _)) = self.active.take() else {
            return Err(Cc::CommandSpecific80); // already deactivated
        };
        if owner.session_id != s.session_id {
            self.farewell = Some(owner);
        }
        self.changed = true;
        Ok(0)
    }

    fn activation_status(&self, data: &[u8], out: &mut [u8]) -> Result<usize, Cc> {
        let r = GetPayloadActivationStatusRequest::parse(data)
            .map_err(ipmi_core::Error::completion_code)?;
        let rsp = if r.payload_type == PAYLOAD_SOL {
            GetPayloadActivationStatusResponse {
                capacity: 1,
                active: u16::from(self.active.is_some()),
            }
        } else {
            GetPayloadActivationStatusResponse {
                capacity: 0,
                active: 0,
            }
        };
        rsp.emit(out).map_err(ipmi_core::Error::completion_code)
    }

    fn instance_info(&self, data: &[u8], out: &mut [u8]) -> Result<usize, Cc> {
        let r = GetPayloadInstanceInfoRequest::parse(data)
            .map_err(ipmi_core::Error::completion_code)?;
        if r.payload_type != PAYLOAD_SOL || r.instance != 1 {
            return Err(Cc::InvalidDataField);
        }
        let rsp = GetPayloadInstanceInfoResponse {
            session_id: self.owner().map_or(0, |o| o.session_id),
            data: [1, 0, 0, 0, 0, 0, 0, 0],
        };
        rsp.emit(out).map_err(ipmi_core::Error::completion_code)
    }

    /// A SOL packet's plaintext from session `session_id`; `again` when its session sequence
    /// number was seen before (see [`SolEngine::receive_again`]). Returns whether an answer is
    /// due at once ([`SolPort::poll`] gives it). Packets of other sessions, and packets that
    /// do not parse, are ignored.
    pub fn packet(&mut self, now: Instant, session_id: u32, payload: &[u8], again: bool) -> bool {
        let Some((owner, engine)) = self.active.as_mut() else {
            return false;
        };
        if owner.session_id != session_id {
            return false;
        }
        match SolRepr::parse(payload) {
            Ok(pkt) if again => engine.receive_again(&pkt),
            Ok(pkt) => engine.receive(now, &pkt),
            Err(_) => false,
        }
    }

    /// The next SOL payload to send, written into `buf` ([`MAX_PAYLOAD`] bytes), and to whom.
    pub fn poll(&mut self, now: Instant, buf: &mut [u8]) -> Option<(Owner, usize)> {
        if let Some(f) = self.farewell.take() {
            let n = Engine::farewell(buf)?;
            return Some((f, n));
        }
        let (owner, engine) = self.active.as_mut()?;
        let n = engine.poll(now, buf)?;
        Some((*owner, n))
    }

    /// Like [`SolPort::poll`], but only the active instance's packets (not a farewell to
    /// another session): what answers a packet of the owner at once.
    pub fn poll_active(&mut self, now: Instant, buf: &mut [u8]) -> Option<(Owner, usize)> {
        let (owner, engine) = self.active.as_mut()?;
        let n = engine.poll(now, buf)?;
        Some((*owner, n))
    }

    /// When [`SolPort::poll`] next has something to send.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.farewell.is_some() {
            return Some(Instant::from_millis(0));
        }
        self.active.as_ref().and_then(|(_, e)| e.next_deadline())
    }

    /// Takes the console's line and break requests since the last call.
    pub fn take_events(&mut self) -> Events {
        self.engine().map(|e| e.take_events()).unwrap_or_default()
    }
}

fn set_user_payload_access(cfg: &mut SolConfig, data: &[u8]) -> Result<usize, Cc> {
    let r = SetUserPayloadAccessRequest::parse(data).map_err(ipmi_core::Error::completion_code)?;
    if (r.channel != CHANNEL_CURRENT && r.channel != LAN_CHANNEL) || r.user_id == 0 {
        return Err(Cc::InvalidDataField);
    }
    if r.payloads.sol() {
        cfg.set_user_sol(r.user_id, !r.disable);
    }
    Ok(0)
}

fn get_user_payload_access(cfg: &SolConfig, data: &[u8], out: &mut [u8]) -> Result<usize, Cc> {
    let r = GetUserPayloadAccessRequest::parse(data).map_err(ipmi_core::Error::completion_code)?;
    if (r.channel != CHANNEL_CURRENT && r.channel != LAN_CHANNEL) || r.user_id == 0 {
        return Err(Cc::InvalidDataField);
    }
    let sol = if cfg.user_sol(r.user_id) {
        ipmi_core::cmd::app::user_payload_access::PAYLOAD_SOL_BIT
    } else {
        0
    };
    UserPayloadAccess {
        payloads: [sol, 0, 0, 0],
    }
    .emit(out)
    .map_err(ipmi_core::Error::completion_code)
}

fn channel_payload_support(data: &[u8], out: &mut [u8]) -> Result<usize, Cc> {
    let r =
        GetChannelPayloadSupportRequest::parse(data).map_err(ipmi_core::Error::completion_code)?;
    if r.channel != CHANNEL_CURRENT && r.channel != LAN_CHANNEL {
        return Err(Cc::InvalidDataField);
    }
    GetChannelPayloadSupportResponse {
        standard: 0b11,
        session_setup: 0x3F,
        oem: 0,
        reserved: 0,
    }
    .emit(out)
    .map_err(ipmi_core::Error::completion_code)
}

fn channel_payload_version(data: &[u8], out: &mut [u8]) -> Result<usize, Cc> {
    let r =
        GetChannelPayloadVersionRequest::parse(data).map_err(ipmi_core::Error::completion_code)?;
    if r.channel != CHANNEL_CURRENT && r.channel != LAN_CHANNEL {
        return Err(Cc::InvalidDataField);
    }
    if r.payload_type > PAYLOAD_SOL {
        return Err(Cc::CommandSpecific80); // not available on this channel
    }
    GetChannelPayloadVersionResponse { version: 0x10 }
        .emit(out)
        .map_err(ipmi_core::Error::completion_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: u32, privilege: Privilege) -> SessionView {
        SessionView {
            session_id: id,
            console_id: id ^ 0xA0A2_A3A4,
            peer: "127.0.0.1:9000".parse().unwrap(),
            privilege,
            user_id: 2,
            encrypted: true,
        }
    }

    const ACTIVATE: [u8; 6] = [1, 1, 0xC6, 0, 0, 0];
    const DEACTIVATE: [u8; 6] = [1, 1, 0, 0, 0, 0];

    #[test]
    fn one_instance_refused_twice_and_deactivated_from_elsewhere() {
        let mut p = SolPort::default();
        let mut cfg = SolConfig::default();
        let mut out = [0u8; 32];
        let a = view(1, Privilege::Administrator);
        let b = view(2, Privilege::Administrator);
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &ACTIVATE, &mut out),
            (Cc::Normal, 12)
        );
        assert_eq!(&out[4..12], &[204, 0, 164, 0, 0x6F, 0x02, 0xFF, 0xFF]);
        assert!(p.take_changed());
        // A second activation, from any session: 0x80 (ipmitool: "SOL payload already active
        // on another session").
        assert_eq!(
            p.command(&b, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::CommandSpecific80
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::CommandSpecific80
        );
        assert_eq!(
            p.command(&b, &mut cfg, 0x4A, &[1], &mut out),
            (Cc::Normal, 3)
        );
        assert_eq!(&out[..3], &[1, 1, 0]);
        assert_eq!(
            p.command(&b, &mut cfg, 0x4B, &[1, 1], &mut out),
            (Cc::Normal, 12)
        );
        assert_eq!(&out[..5], &[1, 0, 0, 0, 1]);
        // Deactivated by the other session: the owner gets a last "deactivating" packet.
        assert_eq!(
            p.command(&b, &mut cfg, 0x49, &DEACTIVATE, &mut out),
            (Cc::Normal, 0)
        );
        let mut buf = [0u8; MAX_PAYLOAD];
        let (to, n) = p.poll(Instant::from_millis(0), &mut buf).unwrap();
        assert_eq!((to.session_id, n, buf[3]), (1, 4, 0x10));
        assert!(p.poll(Instant::from_millis(0), &mut buf).is_none());
        assert_eq!(
            p.command(&b, &mut cfg, 0x49, &DEACTIVATE, &mut out).0,
            Cc::CommandSpecific80
        );
        assert_eq!(
            p.command(&b, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::Normal
        );
        p.session_ended(2);
        assert!(p.owner().is_none());
    }

    #[test]
    fn refusals() {
        let mut p = SolPort::default();
        let mut cfg = SolConfig::default();
        let mut out = [0u8; 32];
        let a = view(1, Privilege::Administrator);
        let mut two = ACTIVATE;
        two[1] = 2;
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &two, &mut out).0,
            Cc::CommandSpecific82
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &[1, 1, 0], &mut out).0,
            Cc::RequestDataLengthInvalid
        );
        cfg.set(ipmi_core::cmd::transport::SolParameter::Enable, &[0])
            .unwrap();
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::CommandSpecific81
        );
        let mut cfg = SolConfig::default();
        cfg.set(
            ipmi_core::cmd::transport::SolParameter::Authentication,
            &[0x84],
        )
        .unwrap();
        let op = view(3, Privilege::Operator);
        assert_eq!(
            p.command(&op, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::InsufficientPrivilege
        );
        let plain = SessionView {
            encrypted: false,
            ..a
        };
        assert_eq!(
            p.command(&plain, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::CommandSpecific84
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x4E, &[0x0E], &mut out),
            (Cc::Normal, 8)
        );
        assert_eq!(out[0], 0x03);
        assert_eq!(
            p.command(&a, &mut cfg, 0x4F, &[0x0E, 1], &mut out),
            (Cc::Normal, 1)
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x4F, &[0x0E, 2], &mut out).0,
            Cc::CommandSpecific80
        );
        // User payload access: SOL denied to user 2, activation refused, Get says so.
        let mut cfg = SolConfig::default();
        assert_eq!(
            p.command(&a, &mut cfg, 0x4D, &[1, 2], &mut out),
            (Cc::Normal, 4)
        );
        assert_eq!(out[0], 0x02);
        assert_eq!(
            p.command(&op, &mut cfg, 0x4C, &[1, 0x42, 2, 0, 0, 0], &mut out)
                .0,
            Cc::InsufficientPrivilege
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x4C, &[1, 0x42, 2, 0, 0, 0], &mut out)
                .0,
            Cc::Normal
        );
        assert!(cfg.take_changed());
        assert_eq!(
            p.command(&a, &mut cfg, 0x4D, &[1, 2], &mut out),
            (Cc::Normal, 4)
        );
        assert_eq!(out[0], 0x00);
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::InsufficientPrivilege
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x4C, &[1, 0x02, 2, 0, 0, 0], &mut out)
                .0,
            Cc::Normal
        );
        assert_eq!(
            p.command(&a, &mut cfg, 0x48, &ACTIVATE, &mut out).0,
            Cc::Normal
        );
    }
}

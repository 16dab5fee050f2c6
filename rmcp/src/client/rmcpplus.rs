//! The RMCP+ handshake, console side: Open Session, RAKP1 -> RAKP2 (verify the BMC's proof),
//! RAKP3 -> RAKP4 (verify the ICV with the derived SIK), then the session keys.
use crate::crypto::{rakp, RakpContext};
use crate::session::{self as sealing, SessionKeys};
use crate::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use crate::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4, RmcpPlusStatus, ROLE_NAME_ONLY_LOOKUP};
use crate::wire::{v20, Datagram};

use super::presession::plain_payload;
use super::{
    ClientError, Event, Failure, Protection, Protocol, Rakp3Sent, Random, Session, Stage, State,
};

/// Most bytes of an RMCP+ set-up payload the client writes (RAKP1 with a 16-byte name).
const SETUP_PAYLOAD: usize = 48;

impl Session {
    fn suite(&self) -> Result<&'static crate::crypto::CipherSuite, ClientError> {
        match self.config.protocol {
            Protocol::RmcpPlus(s) => Ok(s),
            Protocol::V15Md5 => Err(ClientError::NotReady),
        }
    }

    /// The RAKP1 role byte: the privilege, plus bit 4 for a name-only lookup.
    fn role(&self) -> u8 {
        (u8::from(self.config.privilege) & 0x0F)
            | if self.config.name_only_lookup {
                ROLE_NAME_ONLY_LOOKUP
            } else {
                0
            }
    }

    /// Seals an unprotected set-up payload (session id 0, sequence 0) and remembers it.
    fn send_setup(
        &mut self,
        payload_type: v20::PayloadType,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        let n = sealing::v20::seal(out, payload_type, 0, 0, payload, None, &[0; v20::IV_LEN])
            .map_err(|_| ClientError::BufferTooSmall)?;
        self.remember(out, n)
    }

    /// Open Session Request naming the suite's three algorithms and the privilege wanted.
    pub(super) fn send_open_session(&mut self, out: &mut [u8]) -> Result<usize, ClientError> {
        let suite = self.suite()?;
        self.tag = self.tag.wrapping_add(1);
        let req = OpenSessionRequest {
            tag: self.tag,
            max_privilege: self.config.privilege,
            console_session_id: self.console_id,
            auth: Some(suite.auth),
            integrity: Some(suite.integrity),
            confidentiality: Some(suite.confidentiality),
        };
        let mut payload = [0u8; SETUP_PAYLOAD];
        let len = req
            .emit(&mut payload)
            .map_err(|_| ClientError::BufferTooSmall)?;
        let n = self.send_setup(v20::PayloadType::OpenSessionRequest, &payload[..len], out)?;
        self.state = State::OpenSession;
        Ok(n)
    }

    /// The set-up payload of `payload_type` in a datagram, or `None`.
    /// The fields every handshake reply shares: is it ours, and did the BMC refuse? Error replies
    /// may carry console id 0 or stop after the status (ipmi_sim), so they are ours either way.
    fn screen(&self, tag: u8, status: RmcpPlusStatus, console_id: u32) -> Screen {
        if tag != self.tag {
            Screen::Ignore
        } else if !status.is_ok() {
            if console_id == self.console_id || console_id == 0 {
                Screen::Refused(status)
            } else {
                Screen::Ignore
            }
        } else if console_id == self.console_id {
            Screen::Ours
        } else {
            Screen::Ignore
        }
    }

    fn setup_payload(datagram: &[u8], payload_type: v20::PayloadType) -> Option<&[u8]> {
        match Datagram::parse(datagram).ok()? {
            Datagram::V20 { header, body, .. } => plain_payload(&header, body, payload_type),
            _ => None,
        }
    }

    /// Open Session Response -> RAKP1.
    pub(super) fn on_open_session(
        &mut self,
        datagram: &[u8],
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let Some(payload) = Self::setup_payload(datagram, v20::PayloadType::OpenSessionResponse)
        else {
            return Ok(Event::Ignored);
        };
        let Ok(rsp) = OpenSessionResponse::parse(payload) else {
            return Ok(Event::Ignored);
        };
        match self.screen(rsp.tag, rsp.status, rsp.console_session_id) {
            Screen::Ignore => return Ok(Event::Ignored),
            Screen::Refused(status) => {
                let stage = Stage::OpenSession;
                return self.fail(Failure::Status { stage, status }, 0);
            }
            Screen::Ours if rsp.bmc_session_id == 0 => return Ok(Event::Ignored),
            Screen::Ours => {}
        }
        let suite = self.suite()?;
        if rsp.auth != suite.auth
            || rsp.integrity != suite.integrity
            || rsp.confidentiality != suite.confidentiality
        {
            return self.fail(Failure::AlgorithmMismatch, 0);
        }
        self.bmc_id = rsp.bmc_session_id;
        self.max_privilege = rsp.max_privilege;
        self.tag = self.tag.wrapping_add(1);
        let rakp1 = Rakp1 {
            tag: self.tag,
            bmc_session_id: self.bmc_id,
            console_random: self.rm,
            role: self.role(),
            user_name: &self.config.user,
        };
        let mut payload = [0u8; SETUP_PAYLOAD];
        let len = rakp1
            .emit(&mut payload)
            .map_err(|_| ClientError::BufferTooSmall)?;
        let n = self.send_setup(v20::PayloadType::Rakp1, &payload[..len], out)?;
        self.state = State::Rakp1Sent;
        Ok(Event::Send(n))
    }

    /// RAKP2 -> verify the BMC's auth code -> RAKP3; derive the session keys.
    pub(super) fn on_rakp2(
        &mut self,
        datagram: &[u8],
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let Some(payload) = Self::setup_payload(datagram, v20::PayloadType::Rakp2) else {
            return Ok(Event::Ignored);
        };
        let Ok(rsp) = Rakp2::parse(payload) else {
            return Ok(Event::Ignored);
        };
        match self.screen(rsp.tag, rsp.status, rsp.console_session_id) {
            Screen::Ignore => return Ok(Event::Ignored),
            Screen::Refused(status) => {
                return self.fail(
                    Failure::Status {
                        stage: Stage::Rakp2,
                        status,
                    },
                    0,
                );
            }
            Screen::Ours => {}
        }
        let suite = self.suite()?;
        let role = self.role();
        let user = self.config.user.clone();
        let ctx = RakpContext {
            console_session_id: self.console_id,
            bmc_session_id: self.bmc_id,
            console_random: self.rm,
            bmc_random: rsp.bmc_random,
            bmc_guid: rsp.bmc_guid,
            role,
            user_name: &user,
        };
        self.tag = self.tag.wrapping_add(1);
        let tag = self.tag;
        let bmc_id = self.bmc_id;
        if rakp::verify_rakp2_auth_code(
            suite.auth,
            &self.config.password,
            &ctx,
            rsp.key_exchange_auth_code,
        )
        .is_err()
        {
            // Tell the BMC to drop the half-open session (RAKP3 with an error, no code).
            let rakp3 = Rakp3 {
                tag,
                status: RmcpPlusStatus::InvalidIntegrityCheckValue,
                bmc_session_id: bmc_id,
                key_exchange_auth_code: &[],
            };
            let mut payload = [0u8; SETUP_PAYLOAD];
            let send = rakp3
                .emit(&mut payload)
                .ok()
                .and_then(|len| {
                    sealing::v20::seal(
                        out,
                        v20::PayloadType::Rakp3,
                        0,
                        0,
                        &payload[..len],
                        None,
                        &[0; v20::IV_LEN],
                    )
                    .ok()
                })
                .unwrap_or(0);
            return self.fail(Failure::Rakp2AuthCode, send);
        }
        let (Ok(code), Ok(keys)) = (
            rakp::rakp3_auth_code(suite.auth, &self.config.password, &ctx),
            SessionKeys::derive(suite, &self.config.password, self.config.kg.as_ref(), &ctx),
        ) else {
            return self.fail(Failure::Crypto, 0);
        };
        // The RAKP4 ICV covers Rm, SIDc and the GUID: keep the GUID with the keys.
        let guid = rsp.bmc_guid;
        let rakp3 = Rakp3 {
            tag,
            status: RmcpPlusStatus::NoErrors,
            bmc_session_id: bmc_id,
            key_exchange_auth_code: code.as_bytes(),
        };
        let mut payload = [0u8; SETUP_PAYLOAD];
        let len = rakp3
            .emit(&mut payload)
            .map_err(|_| ClientError::BufferTooSmall)?;
        let n = self.send_setup(v20::PayloadType::Rakp3, &payload[..len], out)?;
        self.state = State::Rakp3Sent(Rakp3Sent { keys, guid });
        Ok(Event::Send(n))
    }

    /// RAKP4 -> verify the ICV -> the session is authenticated.
    pub(super) fn on_rakp4(
        &mut self,
        datagram: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let Some(payload) = Self::setup_payload(datagram, v20::PayloadType::Rakp4) else {
            return Ok(Event::Ignored);
        };
        let Ok(rsp) = Rakp4::parse(payload) else {
            return Ok(Event::Ignored);
        };
        match self.screen(rsp.tag, rsp.status, rsp.console_session_id) {
            Screen::Ignore => return Ok(Event::Ignored),
            Screen::Refused(status) => {
                return self.fail(
                    Failure::Status {
                        stage: Stage::Rakp4,
                        status,
                    },
                    0,
                );
            }
            Screen::Ours => {}
        }
        // The keys move out of the RAKP3 state into the established session (or are dropped
        // with it when the ICV does not verify).
        let State::Rakp3Sent(sent) = core::mem::replace(&mut self.state, State::Idle) else {
            return Ok(Event::Ignored);
        };
        let ctx = RakpContext {
            console_session_id: self.console_id,
            bmc_session_id: self.bmc_id,
            console_random: self.rm,
            bmc_random: [0; 16],
            bmc_guid: sent.guid,
            role: self.role(),
            user_name: &self.config.user,
        };
        if sent
            .keys
            .verify_rakp4_icv(&ctx, rsp.integrity_check_value)
            .is_err()
        {
            return self.fail(Failure::Rakp4Icv, 0);
        }
        self.established(Protection::V20(sent.keys), 1, rng, out)
    }
}

/// What [`Session::screen`] made of a handshake reply.
enum Screen {
    /// Not for this handshake (other tag or console id): keep waiting.
    Ignore,
    /// The BMC refused with this status.
    Refused(RmcpPlusStatus),
    /// Ours, and a success.
    Ours,
}

//! IPMI 1.5 with MD5, console side: Get Session Challenge, Activate Session (MD5 auth code over
//! the temporary session id and the challenge), then MD5-authenticated packets with an increasing
//! outbound sequence number.
use ipmi_core::cmd::app::{
    ActivateSessionRequest, ActivateSessionResponse, AuthType as CmdAuthType,
    GetSessionChallengeRequest, GetSessionChallengeResponse, UserName,
};
use ipmi_core::cmd::Body;
use ipmi_core::types::AppCmd;
use ipmi_core::wire::ResponseRepr;
use ipmi_core::{CompletionCode, NetFn};

use super::{
    random_u32, ClientError, Event, Failure, Framing, Protection, Random, Session, Stage, State,
};
use crate::wire::v15::AuthType;
use crate::wire::Datagram;

impl Session {
    /// Get Session Challenge for MD5 and our user name, outside any session.
    pub(super) fn send_challenge(&mut self, out: &mut [u8]) -> Result<usize, ClientError> {
        let req = GetSessionChallengeRequest {
            auth_type: CmdAuthType::Md5,
            user_name: UserName::new(&self.config.user).map_err(|_| ClientError::InvalidConfig)?,
        };
        let mut body = [0u8; 17];
        req.emit(&mut body)
            .map_err(|_| ClientError::BufferTooSmall)?;
        let n = self.send_lan(
            NetFn::App,
            AppCmd::GetSessionChallenge.into(),
            &body,
            Framing::V15Plain,
            out,
        )?;
        self.state = State::Challenge;
        Ok(n)
    }

    /// The challenge -> Activate Session, authenticated with MD5 under the temporary id.
    pub(super) fn on_challenge(
        &mut self,
        datagram: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let Some((cc, len)) = self.open_presession(datagram) else {
            return Ok(Event::Ignored);
        };
        if cc != CompletionCode::Normal {
            return self.fail(
                Failure::CompletionCode {
                    stage: Stage::SessionChallenge,
                    completion_code: cc,
                },
                0,
            );
        }
        let Ok(ch) = GetSessionChallengeResponse::parse(&self.data[..len]) else {
            return Ok(Event::Ignored);
        };
        if ch.temporary_session_id == 0 {
            return Ok(Event::Ignored);
        }
        self.bmc_id = ch.temporary_session_id;
        // The BMC's first outbound sequence number: random, never 0.
        let initial_outbound_sequence = random_u32(rng);
        let req = ActivateSessionRequest {
            auth_type: CmdAuthType::Md5,
            max_privilege: self.config.privilege,
            challenge: ch.challenge,
            initial_outbound_sequence,
        };
        let mut body = [0u8; 22];
        req.emit(&mut body)
            .map_err(|_| ClientError::InvalidConfig)?;
        let n = self.send_lan(
            NetFn::App,
            AppCmd::ActivateSession.into(),
            &body,
            Framing::V15Md5 {
                session_id: ch.temporary_session_id,
                sequence: 0,
            },
            out,
        )?;
        self.state = State::Activating;
        Ok(Event::Send(n))
    }

    /// Activate Session reply (MD5-verified) -> the session id and our first sequence number.
    pub(super) fn on_activate(
        &mut self,
        datagram: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let Ok(Datagram::V15 { session, .. }) = Datagram::parse(datagram) else {
            return Ok(Event::Ignored);
        };
        // ipmi_sim answers under the temporary id, our endpoint under the same id: either way
        // it is the id we sent, and the reply must carry a valid MD5 auth code.
        if session.session_id != self.bmc_id
            || session.auth_type != AuthType::Md5
            || crate::session::v15::verify(&session, &self.config.password).is_err()
        {
            return Ok(Event::Ignored);
        }
        let Ok(rsp) = ResponseRepr::parse_bytes(session.message) else {
            return Ok(Event::Ignored);
        };
        if !self.matches(&rsp) {
            return Ok(Event::Ignored);
        }
        self.outstanding = None;
        if rsp.completion_code != CompletionCode::Normal {
            return self.fail(
                Failure::CompletionCode {
                    stage: Stage::ActivateSession,
                    completion_code: rsp.completion_code,
                },
                0,
            );
        }
        let Ok(a) = ActivateSessionResponse::parse(rsp.data) else {
            return self.fail(
                Failure::CompletionCode {
                    stage: Stage::ActivateSession,
                    completion_code: CompletionCode::RequestDataLengthInvalid,
                },
                0,
            );
        };
        if a.session_id == 0 {
            return self.fail(Failure::NotOffered, 0);
        }
        self.bmc_id = a.session_id;
        self.max_privilege = a.max_privilege;
        let out_seq = a.initial_inbound_sequence.max(1);
        self.established(Protection::V15Md5, out_seq, rng, out)
    }
}

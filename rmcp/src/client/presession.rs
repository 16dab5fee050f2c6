//! Before a session: Get Channel Authentication Capabilities (the first step of every
//! [`Session`]) and Get Channel Cipher Suites ([`CipherSuiteQuery`], to learn which suites a BMC
//! offers before choosing one, as ipmitool does without `-C`).
use ipmi_core::cmd::app::{
    CipherSuiteRecord, GetChannelAuthCapabilitiesRequest, GetChannelAuthCapabilitiesResponse,
    GetChannelCipherSuitesRequest, GetChannelCipherSuitesResponse, CHANNEL_CURRENT,
};
use ipmi_core::cmd::Body;
use ipmi_core::types::AppCmd;
use ipmi_core::wire::{RequestRepr, ResponseRepr, BMC_ADDR, REMOTE_CONSOLE_ADDR};
use ipmi_core::{CompletionCode, NetFn};

use super::{
    ClientError, Event, Failure, Framing, Protocol, Random, Session, Stage, State, MAX_MESSAGE,
};
use crate::wire::{v20, Datagram};

impl Session {
    /// Get Channel Authentication Capabilities in IPMI 1.5 framing (what ipmitool sends first),
    /// asking for the IPMI 2.0 data when RMCP+ is wanted.
    pub(super) fn send_auth_capabilities(&mut self, out: &mut [u8]) -> Result<usize, ClientError> {
        let req = GetChannelAuthCapabilitiesRequest {
            get_ipmi_v20_extended_data: matches!(self.config.protocol, Protocol::RmcpPlus(_)),
            channel: CHANNEL_CURRENT,
            requested_max_privilege: self.config.privilege,
        };
        let mut body = [0u8; 2];
        req.emit(&mut body)
            .map_err(|_| ClientError::InvalidConfig)?;
        let n = self.send_lan(
            NetFn::App,
            AppCmd::GetChannelAuthCapabilities.into(),
            &body,
            Framing::V15Plain,
            out,
        )?;
        self.state = State::AuthCapabilities;
        Ok(n)
    }

    /// The capabilities reply: check the BMC offers what we want, then open the session.
    pub(super) fn on_auth_capabilities(
        &mut self,
        datagram: &[u8],
        _rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Result<Event<'_>, ClientError> {
        let Some((cc, len)) = self.open_presession(datagram) else {
            return Ok(Event::Ignored);
        };
        if cc != CompletionCode::Normal {
            return self.fail(
                Failure::CompletionCode {
                    stage: Stage::AuthCapabilities,
                    completion_code: cc,
                },
                0,
            );
        }
        let Ok(caps) = GetChannelAuthCapabilitiesResponse::parse(&self.data[..len]) else {
            // A malformed answer from a BMC is as good as none: keep waiting, time out.
            return Ok(Event::Ignored);
        };
        self.caps = Some(caps);
        let n = match self.config.protocol {
            Protocol::RmcpPlus(_) => {
                if caps.ipmi_v20_extended_capabilities && !caps.supports_ipmi_v20 {
                    return self.fail(Failure::NotOffered, 0);
                }
                self.send_open_session(out)?
            }
            Protocol::V15Md5 => {
                if !caps.auth_types.md5 {
                    return self.fail(Failure::NotOffered, 0);
                }
                self.send_challenge(out)?
            }
        };
        Ok(Event::Send(n))
    }
}

/// Most suite record bytes a query keeps (64 list indexes would be 1 KiB; 4 chunks hold 12
/// standard records with room to spare).
pub const MAX_RECORD_BYTES: usize = 64;

/// Get Channel Cipher Suites, chunk by chunk, in IPMI 1.5 framing outside a session (ipmi_sim
/// ignores the RMCP+ framing ipmitool uses; every BMC answers this one). Sans-IO like [`Session`]: [`CipherSuiteQuery::start`], then feed each reply to
/// [`CipherSuiteQuery::handle`] until it says [`QueryStep::Done`].
#[derive(Debug, Clone)]
pub struct CipherSuiteQuery {
    index: u8,
    rq_seq: u8,
    records: [u8; MAX_RECORD_BYTES],
    len: usize,
    done: bool,
    last: [u8; 64],
    last_len: usize,
}

/// What a cipher suite reply meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStep {
    /// Not the awaited reply: keep waiting.
    Ignored,
    /// Send the first `n` bytes of the output buffer (next chunk).
    Send(usize),
    /// The list is complete: read it with [`CipherSuiteQuery::suites`].
    Done,
    /// The BMC answered with this completion code (it may not implement the command).
    Refused(CompletionCode),
}

impl Default for CipherSuiteQuery {
    fn default() -> Self {
        Self::new()
    }
}

impl CipherSuiteQuery {
    /// An empty query.
    pub const fn new() -> Self {
        CipherSuiteQuery {
            index: 0,
            rq_seq: 0,
            records: [0; MAX_RECORD_BYTES],
            len: 0,
            done: false,
            last: [0; 64],
            last_len: 0,
        }
    }

    /// Writes the request for the first chunk into `out`.
    pub fn start(&mut self, out: &mut [u8]) -> Result<usize, ClientError> {
        *self = Self::new();
        self.emit(out)
    }

    /// Writes the last request again (after a time-out).
    pub fn retransmit(&self, out: &mut [u8]) -> Result<usize, ClientError> {
        let dst = out
            .get_mut(..self.last_len)
            .ok_or(ClientError::BufferTooSmall)?;
        dst.copy_from_slice(&self.last[..self.last_len]);
        Ok(self.last_len)
    }

    fn emit(&mut self, out: &mut [u8]) -> Result<usize, ClientError> {
        let req = GetChannelCipherSuitesRequest {
            channel: CHANNEL_CURRENT,
            payload_type: 0,
            list_by_cipher_suite: true,
            list_index: self.index,
        };
        let mut body = [0u8; 3];
        req.emit(&mut body)
            .map_err(|_| ClientError::BufferTooSmall)?;
        let msg = RequestRepr {
            rs_addr: BMC_ADDR,
            netfn: NetFn::App,
            rs_lun: 0,
            rq_addr: REMOTE_CONSOLE_ADDR,
            rq_seq: self.rq_seq,
            rq_lun: 0,
            cmd: AppCmd::GetChannelCipherSuites.into(),
            data: &body,
        };
        let mut m = [0u8; 16];
        let len = msg.emit(&mut m).map_err(|_| ClientError::BufferTooSmall)?;
        let n =
            crate::session::v15::seal(out, crate::wire::v15::AuthType::None, 0, 0, &m[..len], None)
                .map_err(|_| ClientError::BufferTooSmall)?;
        let src = out.get(..n).ok_or(ClientError::BufferTooSmall)?;
        self.last
            .get_mut(..n)
            .ok_or(ClientError::BufferTooSmall)?
            .copy_from_slice(src);
        self.last_len = n;
        Ok(n)
    }

    /// Consumes one reply; asks for the next chunk while a reply carries a full 16 bytes.
    pub fn handle(&mut self, datagram: &[u8], out: &mut [u8]) -> Result<QueryStep, ClientError> {
        if self.done {
            return Ok(QueryStep::Ignored);
        }
        let Some(message) = presession_message(datagram) else {
            return Ok(QueryStep::Ignored);
        };
        let Ok(rsp) = ResponseRepr::parse_bytes(message) else {
            return Ok(QueryStep::Ignored);
        };
        if rsp.netfn != NetFn::AppResponse
            || rsp.cmd != u8::from(AppCmd::GetChannelCipherSuites)
            || rsp.rq_seq != self.rq_seq
        {
            return Ok(QueryStep::Ignored);
        }
        if rsp.completion_code != CompletionCode::Normal {
            self.done = true;
            return Ok(QueryStep::Refused(rsp.completion_code));
        }
        let Ok(chunk) = GetChannelCipherSuitesResponse::parse(rsp.data) else {
            return Ok(QueryStep::Ignored);
        };
        let room = MAX_RECORD_BYTES - self.len;
        let take = chunk.record_data.len().min(room);
        self.records[self.len..self.len + take].copy_from_slice(&chunk.record_data[..take]);
        self.len += take;
        self.rq_seq = (self.rq_seq + 1) & 0x3F;
        if chunk.is_last() || take < chunk.record_data.len() || self.index >= 0x3F {
            self.done = true;
            return Ok(QueryStep::Done);
        }
        self.index += 1;
        Ok(QueryStep::Send(self.emit(out)?))
    }

    /// The raw record bytes received.
    pub fn records(&self) -> &[u8] {
        &self.records[..self.len]
    }

    /// The standard suite ids listed, in the BMC's order (malformed records end the list).
    pub fn suites(&self) -> impl Iterator<Item = u8> + '_ {
        CipherSuiteRecord::iter(self.records())
            .map_while(Result::ok)
            .filter(|r| r.oem_iana.is_none())
            .map(|r| r.id)
    }

    /// The first suite of `preference` the BMC lists (ipmitool prefers 17, then 3).
    pub fn choose(&self, preference: &[u8]) -> Option<u8> {
        preference
            .iter()
            .copied()
            .find(|&id| self.suites().any(|s| s == id))
    }
}

/// The LAN message of a pre-session reply in either framing.
fn presession_message(datagram: &[u8]) -> Option<&[u8]> {
    match Datagram::parse(datagram).ok()? {
        Datagram::V15 { session, .. } if session.session_id == 0 => Some(session.message),
        Datagram::V20 { header, body, .. } => plain_payload(&header, body, v20::PayloadType::Ipmi),
        _ => None,
    }
}

/// The payload of an unprotected RMCP+ packet outside a session (session id 0, no trailer) of
/// type `payload_type`.
pub(super) fn plain_payload<'b>(
    header: &v20::Header,
    body: &'b [u8],
    payload_type: v20::PayloadType,
) -> Option<&'b [u8]> {
    if header.session_id != 0 || header.payload_type != payload_type {
        return None;
    }
    let opened = crate::session::v20::open_parsed(header, body, None, &mut []).ok()?;
    Some(opened.payload)
}

const _: () = assert!(MAX_MESSAGE >= 64);

//! RMCP+ Open Session Request (payload type 0x10, 32 bytes) and Response (0x11, 36 bytes).
//!
//! ```text
//! request:  tag · max privilege · 00 00 · console session id · auth rec · integ rec · conf rec
//! response: tag · status · max privilege · 00 · console session id · BMC session id · 3 records
//! record:   payload type (0/1/2) · 00 00 · length 08 · algorithm · 00 00 00
//! ```
//! A record with length 00 is a "null" record: the console lets the BMC choose that algorithm
//! (OpenIPMI honours it; ipmitool and freeipmi always send full records). An error response
//! carries only tag, status, reserved and the console session id (8 bytes, as netipmid sends);
//! shorter error responses (ipmi_sim sends tag and status only) are tolerated when parsing.
use ipmi_core::Privilege;

use super::algorithm::{AuthAlg, ConfAlg, IntegrityAlg};
use super::rakp::RmcpPlusStatus;
use super::{le32, put_le32, WireError};

mod field {
    use core::ops::Range;
    pub const TAG: usize = 0;
    // Request.
    pub const RQ_PRIVILEGE: usize = 1;
    pub const RQ_CONSOLE_SID: Range<usize> = 4..8;
    pub const RQ_RECORDS: usize = 8;
    // Response.
    pub const RS_STATUS: usize = 1;
    pub const RS_PRIVILEGE: usize = 2;
    pub const RS_CONSOLE_SID: Range<usize> = 4..8;
    pub const RS_BMC_SID: Range<usize> = 8..12;
    pub const RS_RECORDS: usize = 12;
    // Record.
    pub const REC_TYPE: usize = 0;
    pub const REC_LEN: usize = 3;
    pub const REC_ALG: usize = 4;
}

/// Bytes in an Open Session Request.
pub const REQUEST_LEN: usize = 32;
/// Bytes in a successful Open Session Response.
pub const RESPONSE_LEN: usize = 36;
/// Bytes in an error Open Session Response.
pub const ERROR_RESPONSE_LEN: usize = 8;
/// Bytes in one algorithm record.
pub const RECORD_LEN: usize = 8;

const ALG_MASK: u8 = 0x3F;

/// Reads the three records at `at`: `Some(alg)` for a full record, `None` for a null record.
fn parse_records(b: &[u8], at: usize) -> Result<[Option<u8>; 3], WireError> {
    let mut algs = [None; 3];
    for (i, alg) in algs.iter_mut().enumerate() {
        let r = b
            .get(at + i * RECORD_LEN..at + (i + 1) * RECORD_LEN)
            .ok_or(WireError::Truncated)?;
        if usize::from(r[field::REC_TYPE]) != i {
            return Err(WireError::InvalidField);
        }
        *alg = match r[field::REC_LEN] {
            0 => None,
            8 => Some(r[field::REC_ALG] & ALG_MASK),
            _ => return Err(WireError::InvalidField),
        };
    }
    Ok(algs)
}

fn emit_records(b: &mut [u8], at: usize, algs: [u8; 3]) {
    for (i, alg) in algs.into_iter().enumerate() {
        let r = &mut b[at + i * RECORD_LEN..at + (i + 1) * RECORD_LEN];
        r.fill(0);
        r[field::REC_TYPE] = i as u8;
        r[field::REC_LEN] = RECORD_LEN as u8;
        r[field::REC_ALG] = alg & ALG_MASK;
    }
}

/// Open Session Request (console to BMC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OpenSessionRequest {
    /// Message tag, echoed in the response.
    pub tag: u8,
    /// Requested maximum privilege (bits 3:0); `Highest` (0) asks for the highest allowed.
    pub max_privilege: Privilege,
    /// SIDm: the console's session id (ipmitool: always 0xA0A2A3A4).
    pub console_session_id: u32,
    /// Authentication algorithm; `None` for a null record (BMC chooses).
    pub auth: Option<AuthAlg>,
    /// Integrity algorithm; `None` for a null record.
    pub integrity: Option<IntegrityAlg>,
    /// Confidentiality algorithm; `None` for a null record.
    pub confidentiality: Option<ConfAlg>,
}

impl OpenSessionRequest {
    /// Parses the request (at least 32 bytes; extra bytes are ignored).
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() < REQUEST_LEN {
            return Err(WireError::Truncated);
        }
        let [a, i, c] = parse_records(bytes, field::RQ_RECORDS)?;
        Ok(OpenSessionRequest {
            tag: bytes[field::TAG],
            max_privilege: Privilege::from(bytes[field::RQ_PRIVILEGE] & 0x0F),
            console_session_id: le32(bytes, field::RQ_CONSOLE_SID.start),
            auth: a.map(AuthAlg::from),
            integrity: i.map(IntegrityAlg::from),
            confidentiality: c.map(ConfAlg::from),
        })
    }

    /// Bytes on the wire (32).
    pub const fn buffer_len(&self) -> usize {
        REQUEST_LEN
    }

    /// Writes the request into `out`; null records are written as null. Returns 32.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let b = out
            .get_mut(..REQUEST_LEN)
            .ok_or(WireError::BufferTooSmall)?;
        b.fill(0);
        b[field::TAG] = self.tag;
        b[field::RQ_PRIVILEGE] = u8::from(self.max_privilege) & 0x0F;
        put_le32(b, field::RQ_CONSOLE_SID.start, self.console_session_id);
        emit_records(
            b,
            field::RQ_RECORDS,
            [
                self.auth.map_or(0, u8::from),
                self.integrity.map_or(0, u8::from),
                self.confidentiality.map_or(0, u8::from),
            ],
        );
        let nulls = [
            self.auth.is_none(),
            self.integrity.is_none(),
            self.confidentiality.is_none(),
        ];
        for (i, null) in nulls.into_iter().enumerate() {
            if null {
                b[field::RQ_RECORDS + i * RECORD_LEN + field::REC_LEN] = 0;
            }
        }
        Ok(REQUEST_LEN)
    }
}

/// Open Session Response (BMC to console). With an error status only the first 8 bytes go on
/// the wire and the session id and algorithms are meaningless (zero when parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OpenSessionResponse {
    /// Message tag (echoes the request).
    pub tag: u8,
    /// Status.
    pub status: RmcpPlusStatus,
    /// The real maximum privilege the session may reach (never echo a requested 0: freeipmi
    /// rejects it).
    pub max_privilege: Privilege,
    /// SIDm: the console's session id.
    pub console_session_id: u32,
    /// SIDc: the BMC's session id (random, never 0).
    pub bmc_session_id: u32,
    /// Chosen authentication algorithm (echo the request's).
    pub auth: AuthAlg,
    /// Chosen integrity algorithm.
    pub integrity: IntegrityAlg,
    /// Chosen confidentiality algorithm.
    pub confidentiality: ConfAlg,
}

impl OpenSessionResponse {
    /// An error response (8 bytes on the wire).
    pub fn error(tag: u8, status: RmcpPlusStatus, console_session_id: u32) -> Self {
        OpenSessionResponse {
            tag,
            status,
            max_privilege: Privilege::Highest,
            console_session_id,
            bmc_session_id: 0,
            auth: AuthAlg::None,
            integrity: IntegrityAlg::None,
            confidentiality: ConfAlg::None,
        }
    }

    /// Parses the response; error responses may stop after 2 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() < 2 {
            return Err(WireError::Truncated);
        }
        let status = RmcpPlusStatus::from(bytes[field::RS_STATUS]);
        if !status.is_ok() {
            let mut e = OpenSessionResponse::error(bytes[field::TAG], status, 0);
            if bytes.len() >= ERROR_RESPONSE_LEN {
                e.max_privilege = Privilege::from(bytes[field::RS_PRIVILEGE] & 0x0F);
                e.console_session_id = le32(bytes, field::RS_CONSOLE_SID.start);
            }
            return Ok(e);
        }
        if bytes.len() < RESPONSE_LEN {
            return Err(WireError::Truncated);
        }
        let [a, i, c] = parse_records(bytes, field::RS_RECORDS)?;
        let (Some(a), Some(i), Some(c)) = (a, i, c) else {
            // The BMC must state what it chose.
            return Err(WireError::InvalidField);
        };
        Ok(OpenSessionResponse {
            tag: bytes[field::TAG],
            status,
            max_privilege: Privilege::from(bytes[field::RS_PRIVILEGE] & 0x0F),
            console_session_id: le32(bytes, field::RS_CONSOLE_SID.start),
            bmc_session_id: le32(bytes, field::RS_BMC_SID.start),
            auth: AuthAlg::from(a),
            integrity: IntegrityAlg::from(i),
            confidentiality: ConfAlg::from(c),
        })
    }

    /// Bytes on the wire: 36, or 8 for an error status.
    pub fn buffer_len(&self) -> usize {
        if self.status.is_ok() {
            RESPONSE_LEN
        } else {
            ERROR_RESPONSE_LEN
        }
    }

    /// Writes the response into `out`; returns its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        b.fill(0);
        b[field::TAG] = self.tag;
        b[field::RS_STATUS] = self.status.into();
        b[field::RS_PRIVILEGE] = u8::from(self.max_privilege) & 0x0F;
        put_le32(b, field::RS_CONSOLE_SID.start, self.console_session_id);
        if self.status.is_ok() {
            put_le32(b, field::RS_BMC_SID.start, self.bmc_session_id);
            emit_records(
                b,
                field::RS_RECORDS,
                [
                    self.auth.into(),
                    self.integrity.into(),
                    self.confidentiality.into(),
                ],
            );
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> heapless::Vec<u8, 64> {
        let mut v = heapless::Vec::new();
        for i in (0..s.len()).step_by(2) {
            v.push(u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .unwrap();
        }
        v
    }

    // cs17-ipmitool-power-status.txt [3] and [4], payloads only.
    const REQ: &str = "00000000a4a3a2a0000000080300000001000008040000000200000801000000";
    const RSP: &str = "00000400a4a3a2a00511100b000000080300000001000008040000000200000801000000";
    // cs17-ipmitool-power-status-vs-ipmi_sim-FAILS.txt: ipmi_sim's 2-byte error reply.
    const SIM_ERR: &str = "0004";

    #[test]
    fn deconstruct() {
        let r = OpenSessionRequest::parse(&hex(REQ)).unwrap();
        assert_eq!(r.tag, 0);
        assert_eq!(r.max_privilege, Privilege::Highest);
        assert_eq!(r.console_session_id, 0xa0a2a3a4);
        assert_eq!(r.auth, Some(AuthAlg::HmacSha256));
        assert_eq!(r.integrity, Some(IntegrityAlg::HmacSha256_128));
        assert_eq!(r.confidentiality, Some(ConfAlg::AesCbc128));
        let s = OpenSessionResponse::parse(&hex(RSP)).unwrap();
        assert_eq!(s.status, RmcpPlusStatus::NoErrors);
        assert_eq!(s.max_privilege, Privilege::Administrator);
        assert_eq!(s.bmc_session_id, 0x0b101105);
        assert_eq!(s.auth, AuthAlg::HmacSha256);
    }

    #[test]
    fn round_trips() {
        let mut out = [0u8; 40];
        let b = hex(REQ);
        assert_eq!(
            OpenSessionRequest::parse(&b).unwrap().emit(&mut out),
            Ok(32)
        );
        assert_eq!(&out[..32], &b[..]);
        let b = hex(RSP);
        assert_eq!(
            OpenSessionResponse::parse(&b).unwrap().emit(&mut out),
            Ok(36)
        );
        assert_eq!(&out[..36], &b[..]);
    }

    #[test]
    fn null_records_and_errors() {
        let mut b = hex(REQ);
        b[8 + 3] = 0; // auth record: null
        let r = OpenSessionRequest::parse(&b).unwrap();
        assert_eq!(r.auth, None);
        let mut out = [0u8; 32];
        r.emit(&mut out).unwrap();
        assert_eq!(out[11], 0);
        assert_eq!(OpenSessionRequest::parse(&out), Ok(r));
        b[8 + 3] = 4;
        assert_eq!(OpenSessionRequest::parse(&b), Err(WireError::InvalidField));
        let mut swapped = hex(REQ);
        swapped[16] = 2;
        assert_eq!(
            OpenSessionRequest::parse(&swapped),
            Err(WireError::InvalidField)
        );

        let e = OpenSessionResponse::parse(&hex(SIM_ERR)).unwrap();
        assert_eq!(e.status, RmcpPlusStatus::InvalidAuthAlgorithm);
        let e = OpenSessionResponse::error(3, RmcpPlusStatus::NoCipherSuiteMatch, 0xa0a2a3a4);
        assert_eq!(e.emit(&mut out), Ok(8));
        assert_eq!(&out[..8], &[3, 0x11, 0, 0, 0xa4, 0xa3, 0xa2, 0xa0]);
        assert_eq!(OpenSessionResponse::parse(&out[..8]), Ok(e));
    }

    #[test]
    fn impossible() {
        let b = hex(REQ);
        for n in 0..32 {
            assert_eq!(
                OpenSessionRequest::parse(&b[..n]),
                Err(WireError::Truncated)
            );
        }
        let b = hex(RSP);
        for n in 0..36 {
            assert!(OpenSessionResponse::parse(&b[..n]).is_err());
        }
        let r = OpenSessionRequest::parse(&hex(REQ)).unwrap();
        assert_eq!(r.emit(&mut [0u8; 31]), Err(WireError::BufferTooSmall));
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..48)) {
            let mut out = [0u8; 40];
            if let Ok(r) = OpenSessionRequest::parse(&bytes) {
                r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(OpenSessionRequest::parse(&out), Ok(r));
            }
            if let Ok(r) = OpenSessionResponse::parse(&bytes) { r.emit(&mut out).unwrap(); }
        }
    }
}

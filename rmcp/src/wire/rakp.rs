//! RAKP messages 1-4 (RMCP+ payload types 0x12-0x15) and the RMCP+ status codes.
//!
//! ```text
//! RAKP1: tag · 00 00 00 · BMC session id · Rm (16) · role · 00 00 · name length · name
//! RAKP2: tag · status · 00 00 · console session id · Rc (16) · GUID (16) · key exchange code
//! RAKP3: tag · status · 00 00 · BMC session id · key exchange code
//! RAKP4: tag · status · 00 00 · console session id · integrity check value
//! ```
//! Error replies (status != 0) carry only tag, status, reserved and the session id (8 bytes);
//! shorter error replies (ipmi_sim sends 2 bytes for Open Session) are tolerated when parsing.
//! Codes are borrowed as-is; their lengths are checked by the `crypto::rakp` verifiers.
use ipmi_core::Privilege;

use super::{le32, put_le32, WireError};

/// Longest user name RAKP1 can carry (its name length byte allows 0..=16).
pub const MAX_USER_NAME: usize = 16;

open_enum! {
    /// RMCP+ and RAKP message status code.
    pub enum RmcpPlusStatus {
        /// 0x00 no errors.
        NoErrors = 0x00,
        /// 0x01 insufficient resources to create a session.
        InsufficientResources = 0x01,
        /// 0x02 invalid session id.
        InvalidSessionId = 0x02,
        /// 0x03 invalid payload type.
        InvalidPayloadType = 0x03,
        /// 0x04 invalid authentication algorithm.
        InvalidAuthAlgorithm = 0x04,
        /// 0x05 invalid integrity algorithm.
        InvalidIntegrityAlgorithm = 0x05,
        /// 0x06 no matching authentication payload.
        NoMatchingAuthPayload = 0x06,
        /// 0x07 no matching integrity payload.
        NoMatchingIntegrityPayload = 0x07,
        /// 0x08 inactive session id.
        InactiveSessionId = 0x08,
        /// 0x09 invalid role.
        InvalidRole = 0x09,
        /// 0x0A unauthorized role or privilege level requested.
        UnauthorizedRole = 0x0A,
        /// 0x0B insufficient resources to create a session at the requested role.
        InsufficientResourcesForRole = 0x0B,
        /// 0x0C invalid name length.
        InvalidNameLength = 0x0C,
        /// 0x0D unauthorized name.
        UnauthorizedName = 0x0D,
        /// 0x0E unauthorized GUID.
        UnauthorizedGuid = 0x0E,
        /// 0x0F invalid integrity check value.
        InvalidIntegrityCheckValue = 0x0F,
        /// 0x10 invalid confidentiality algorithm.
        InvalidConfidentialityAlgorithm = 0x10,
        /// 0x11 no cipher suite match with proposed security algorithms.
        NoCipherSuiteMatch = 0x11,
        /// 0x12 illegal or unrecognized parameter.
        IllegalParameter = 0x12,
    }
}

impl RmcpPlusStatus {
    /// Whether this is "no errors".
    pub fn is_ok(self) -> bool {
        self == RmcpPlusStatus::NoErrors
    }
}

mod field {
    use core::ops::Range;
    pub const TAG: usize = 0;
    pub const STATUS: usize = 1;
    /// Session id in every RAKP message (bytes 4..8).
    pub const SESSION_ID: Range<usize> = 4..8;
    // RAKP1
    pub const RM: Range<usize> = 8..24;
    pub const ROLE: usize = 24;
    pub const NAME_LEN: usize = 27;
    pub const NAME: usize = 28;
    // RAKP2
    pub const RC: Range<usize> = 8..24;
    pub const GUID: Range<usize> = 24..40;
    pub const RAKP2_CODE: usize = 40;
    // RAKP3 / RAKP4
    pub const CODE: usize = 8;
}

/// Bytes of every RAKP message before its variable part, and of an error reply.
pub const SHORT_LEN: usize = 8;
/// RAKP1 bytes before the user name.
pub const RAKP1_FIXED_LEN: usize = field::NAME;
/// RAKP2 bytes before the key exchange auth code.
pub const RAKP2_FIXED_LEN: usize = field::RAKP2_CODE;
/// Role bit: look the user up by name only (not by name and privilege).
pub const ROLE_NAME_ONLY_LOOKUP: u8 = 0x10;

/// A view of a RAKP message (any of the four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// Wraps a buffer, checking that the common 8 bytes fit.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }
    /// Ensures the common 8 bytes fit.
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < SHORT_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }
    /// Message tag.
    pub fn tag(&self) -> u8 {
        self.buffer.as_ref()[field::TAG]
    }
    /// Status (RAKP2-4; reserved in RAKP1).
    pub fn status(&self) -> RmcpPlusStatus {
        RmcpPlusStatus::from(self.buffer.as_ref()[field::STATUS])
    }
    /// Session id (BMC's in RAKP1/3, console's in RAKP2/4).
    pub fn session_id(&self) -> u32 {
        le32(self.buffer.as_ref(), field::SESSION_ID.start)
    }
    /// Everything after the common 8 bytes.
    pub fn rest(&self) -> &[u8] {
        &self.buffer.as_ref()[SHORT_LEN..]
    }
}

fn array16(b: &[u8]) -> [u8; 16] {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    a
}

fn short_header(out: &mut [u8], tag: u8, status: u8, sid: u32) {
    out[field::TAG] = tag;
    out[field::STATUS] = status;
    out[2] = 0;
    out[3] = 0;
    put_le32(out, field::SESSION_ID.start, sid);
}

/// RAKP Message 1 (console to BMC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rakp1<'a> {
    /// Message tag.
    pub tag: u8,
    /// SIDc: the BMC's session id from the Open Session response.
    pub bmc_session_id: u32,
    /// Rm: the console's random number.
    pub console_random: [u8; 16],
    /// The whole role byte (bits 3:0 privilege, bit 4 name-only lookup); RAKP codes use it as is.
    pub role: u8,
    /// User name (0..=16 bytes).
    pub user_name: &'a [u8],
}

impl<'a> Rakp1<'a> {
    /// Parses RAKP1. A name length above 16 is `InvalidField` (answer status 0x0C); bytes after
    /// the name are ignored.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        if bytes.len() < RAKP1_FIXED_LEN {
            return Err(WireError::Truncated);
        }
        let p = Packet::new_unchecked(bytes);
        let ulen = usize::from(bytes[field::NAME_LEN]);
        if ulen > MAX_USER_NAME {
            return Err(WireError::InvalidField);
        }
        let user_name = bytes
            .get(field::NAME..field::NAME + ulen)
            .ok_or(WireError::Truncated)?;
        Ok(Rakp1 {
            tag: p.tag(),
            bmc_session_id: p.session_id(),
            console_random: array16(&bytes[field::RM]),
            role: bytes[field::ROLE],
            user_name,
        })
    }

    /// The requested privilege (bits 3:0 of the role byte).
    pub fn privilege(&self) -> Privilege {
        Privilege::from(self.role & 0x0F)
    }

    /// Whether the user is looked up by name only (bit 4).
    pub fn name_only_lookup(&self) -> bool {
        self.role & ROLE_NAME_ONLY_LOOKUP != 0
    }

    /// Bytes on the wire (28 + name length).
    pub fn buffer_len(&self) -> usize {
        RAKP1_FIXED_LEN + self.user_name.len()
    }

    /// Writes RAKP1 into `out`; returns its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        if self.user_name.len() > MAX_USER_NAME {
            return Err(WireError::InvalidField);
        }
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        short_header(b, self.tag, 0, self.bmc_session_id);
        b[field::RM].copy_from_slice(&self.console_random);
        b[field::ROLE] = self.role;
        b[25] = 0;
        b[26] = 0;
        b[field::NAME_LEN] = self.user_name.len() as u8;
        b[field::NAME..].copy_from_slice(self.user_name);
        Ok(len)
    }
}

/// RAKP Message 2 (BMC to console). With an error status only the first 8 bytes are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rakp2<'a> {
    /// Message tag (echoes RAKP1).
    pub tag: u8,
    /// Status.
    pub status: RmcpPlusStatus,
    /// SIDm: the console's session id.
    pub console_session_id: u32,
    /// Rc: the BMC's random number (zero in error replies).
    pub bmc_random: [u8; 16],
    /// GUIDc: the BMC GUID (zero in error replies).
    pub bmc_guid: [u8; 16],
    /// Key exchange auth code (0, 16, 20 or 32 bytes; empty in error replies).
    pub key_exchange_auth_code: &'a [u8],
}

impl<'a> Rakp2<'a> {
    /// An error reply (8 bytes on the wire).
    pub fn error(tag: u8, status: RmcpPlusStatus, console_session_id: u32) -> Self {
        Rakp2 {
            tag,
            status,
            console_session_id,
            bmc_random: [0; 16],
            bmc_guid: [0; 16],
            key_exchange_auth_code: &[],
        }
    }

    /// Parses RAKP2; error replies may stop after 8 (or fewer, down to 2) bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        if let Some(e) = parse_error_reply(bytes)? {
            return Ok(Rakp2::error(e.0, e.1, e.2));
        }
        if bytes.len() < RAKP2_FIXED_LEN {
            return Err(WireError::Truncated);
        }
        let p = Packet::new_unchecked(bytes);
        Ok(Rakp2 {
            tag: p.tag(),
            status: p.status(),
            console_session_id: p.session_id(),
            bmc_random: array16(&bytes[field::RC]),
            bmc_guid: array16(&bytes[field::GUID]),
            key_exchange_auth_code: &bytes[field::RAKP2_CODE..],
        })
    }

    /// Bytes on the wire: 40 + code, or 8 for an error reply.
    pub fn buffer_len(&self) -> usize {
        if self.status.is_ok() {
            RAKP2_FIXED_LEN + self.key_exchange_auth_code.len()
        } else {
            SHORT_LEN
        }
    }

    /// Writes RAKP2 into `out`; returns its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        short_header(b, self.tag, self.status.into(), self.console_session_id);
        if self.status.is_ok() {
            b[field::RC].copy_from_slice(&self.bmc_random);
            b[field::GUID].copy_from_slice(&self.bmc_guid);
            b[field::RAKP2_CODE..].copy_from_slice(self.key_exchange_auth_code);
        }
        Ok(len)
    }
}

/// Tag, status and session id of an error reply that stops early; `None` when the status is ok
/// or the message is long enough to parse in full.
fn parse_error_reply(bytes: &[u8]) -> Result<Option<(u8, RmcpPlusStatus, u32)>, WireError> {
    let (&tag, rest) = bytes.split_first().ok_or(WireError::Truncated)?;
    let status = RmcpPlusStatus::from(*rest.first().ok_or(WireError::Truncated)?);
    if status.is_ok() {
        return Ok(None);
    }
    let sid = if bytes.len() >= SHORT_LEN {
        le32(bytes, field::SESSION_ID.start)
    } else {
        0
    };
    Ok(Some((tag, status, sid)))
}

/// RAKP Message 3 (console to BMC). After a failure the console may send an error status and
/// no code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rakp3<'a> {
    /// Message tag.
    pub tag: u8,
    /// The console's verdict on RAKP2.
    pub status: RmcpPlusStatus,
    /// SIDc: the BMC's session id.
    pub bmc_session_id: u32,
    /// Key exchange auth code (0, 16, 20 or 32 bytes).
    pub key_exchange_auth_code: &'a [u8],
}

impl<'a> Rakp3<'a> {
    /// Parses RAKP3 (at least 8 bytes; the code is whatever follows).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        let p = Packet::new_checked(bytes)?;
        Ok(Rakp3 {
            tag: p.tag(),
            status: p.status(),
            bmc_session_id: p.session_id(),
            key_exchange_auth_code: &bytes[field::CODE..],
        })
    }
    /// Bytes on the wire (8 + code).
    pub fn buffer_len(&self) -> usize {
        SHORT_LEN + self.key_exchange_auth_code.len()
    }
    /// Writes RAKP3 into `out`; returns its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        short_header(b, self.tag, self.status.into(), self.bmc_session_id);
        b[field::CODE..].copy_from_slice(self.key_exchange_auth_code);
        Ok(len)
    }
}

/// RAKP Message 4 (BMC to console). Error replies carry no ICV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rakp4<'a> {
    /// Message tag.
    pub tag: u8,
    /// Status.
    pub status: RmcpPlusStatus,
    /// SIDm: the console's session id.
    pub console_session_id: u32,
    /// Integrity check value (0, 12 or 16 bytes; empty in error replies).
    pub integrity_check_value: &'a [u8],
}

impl<'a> Rakp4<'a> {
    /// Parses RAKP4; error replies may stop early.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        if bytes.len() < SHORT_LEN {
            if let Some((tag, status, sid)) = parse_error_reply(bytes)? {
                return Ok(Rakp4 {
                    tag,
                    status,
                    console_session_id: sid,
                    integrity_check_value: &[],
                });
            }
        }
        let p = Packet::new_checked(bytes)?;
        // Error replies carry no ICV (emit writes none): ignore trailing bytes, as RAKP2 does.
        let icv = if p.status().is_ok() {
            &bytes[field::CODE..]
        } else {
            &[]
        };
        Ok(Rakp4 {
            tag: p.tag(),
            status: p.status(),
            console_session_id: p.session_id(),
            integrity_check_value: icv,
        })
    }
    /// Bytes on the wire (8 + ICV; 8 for an error reply).
    pub fn buffer_len(&self) -> usize {
        if self.status.is_ok() {
            SHORT_LEN + self.integrity_check_value.len()
        } else {
            SHORT_LEN
        }
    }
    /// Writes RAKP4 into `out`; returns its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        short_header(b, self.tag, self.status.into(), self.console_session_id);
        if self.status.is_ok() {
            b[field::CODE..].copy_from_slice(self.integrity_check_value);
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> heapless::Vec<u8, 128> {
        let mut v = heapless::Vec::new();
        for i in (0..s.len()).step_by(2) {
            v.push(u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .unwrap();
        }
        v
    }

    // cs17-ipmitool-power-status.txt [5]-[8], payloads after the 16-byte RMCP + session header.
    const RAKP1: &str = "000000000511100b96bc6d2db9c5e1a6070d193179d9bbb81400000561646d696e";
    const RAKP2: &str = "00000000a4a3a2a0f2e2e4e6f71ce0f24406736fcb5ccf0100112233445566778899aabbccddeeff882bd6124f5dee86aeb9aa87131a7059f54702bb40002d5943f9209e591b6ed0";
    const RAKP3: &str =
        "000000000511100b458e16ec5e45f56b22d6b27b73d29ff390a2363907ba3fb59e6215064b69162b";
    const RAKP4: &str = "00000000a4a3a2a070c96708ea30a3f8ec57b46a4e1dea4a";

    #[test]
    fn deconstruct() {
        let b = hex(RAKP1);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.tag(), 0);
        assert_eq!(p.session_id(), 0x0b101105);
        let r = Rakp1::parse(&b).unwrap();
        assert_eq!(r.role, 0x14);
        assert_eq!(r.privilege(), Privilege::Administrator);
        assert!(r.name_only_lookup());
        assert_eq!(r.user_name, b"admin");
        assert_eq!(r.console_random, b[8..24]);
        let b2 = hex(RAKP2);
        let r2 = Rakp2::parse(&b2).unwrap();
        assert_eq!(r2.status, RmcpPlusStatus::NoErrors);
        assert_eq!(r2.console_session_id, 0xa0a2a3a4);
        assert_eq!(r2.bmc_guid, hex("00112233445566778899aabbccddeeff")[..]);
        assert_eq!(r2.key_exchange_auth_code.len(), 32);
        let b3 = hex(RAKP3);
        let r3 = Rakp3::parse(&b3).unwrap();
        assert_eq!(r3.bmc_session_id, 0x0b101105);
        assert_eq!(r3.key_exchange_auth_code.len(), 32);
        let b4 = hex(RAKP4);
        let r4 = Rakp4::parse(&b4).unwrap();
        assert_eq!(r4.integrity_check_value.len(), 16);
    }

    #[test]
    fn round_trips() {
        let mut out = [0u8; 128];
        let b = hex(RAKP1);
        let n = Rakp1::parse(&b).unwrap().emit(&mut out).unwrap();
        assert_eq!(&out[..n], &b[..]);
        let b = hex(RAKP2);
        let n = Rakp2::parse(&b).unwrap().emit(&mut out).unwrap();
        assert_eq!(&out[..n], &b[..]);
        let b = hex(RAKP3);
        let n = Rakp3::parse(&b).unwrap().emit(&mut out).unwrap();
        assert_eq!(&out[..n], &b[..]);
        let b = hex(RAKP4);
        let n = Rakp4::parse(&b).unwrap().emit(&mut out).unwrap();
        assert_eq!(&out[..n], &b[..]);
    }

    #[test]
    fn error_forms() {
        let mut out = [0u8; 64];
        let e = Rakp2::error(7, RmcpPlusStatus::UnauthorizedName, 0xa0a2a3a4);
        assert_eq!(e.emit(&mut out), Ok(8));
        assert_eq!(&out[..8], &[7, 0x0d, 0, 0, 0xa4, 0xa3, 0xa2, 0xa0]);
        assert_eq!(Rakp2::parse(&out[..8]), Ok(e));
        assert_eq!(
            Rakp2::parse(&out[..2]).unwrap().status,
            RmcpPlusStatus::UnauthorizedName
        );
        let r4 = Rakp4 {
            tag: 1,
            status: RmcpPlusStatus::InvalidIntegrityCheckValue,
            console_session_id: 5,
            integrity_check_value: &[1, 2, 3],
        };
        assert_eq!(r4.emit(&mut out), Ok(8));
        assert_eq!(Rakp4::parse(&out[..8]).unwrap().integrity_check_value, &[]);
        // freeipmi/ipmitool RAKP3 after a bad RAKP2: status, no code.
        let r3 = Rakp3 {
            tag: 2,
            status: RmcpPlusStatus::InvalidIntegrityCheckValue,
            bmc_session_id: 9,
            key_exchange_auth_code: &[],
        };
        assert_eq!(r3.emit(&mut out), Ok(8));
        assert_eq!(Rakp3::parse(&out[..8]), Ok(r3));
    }

    #[test]
    fn impossible() {
        let b = hex(RAKP1);
        for n in 0..b.len() {
            assert!(Rakp1::parse(&b[..n]).is_err());
        }
        let mut long_name = hex(RAKP1);
        long_name[27] = 17;
        assert_eq!(Rakp1::parse(&long_name), Err(WireError::InvalidField));
        let b = hex(RAKP2);
        for n in 0..40 {
            assert!(Rakp2::parse(&b[..n]).is_err());
        }
        assert!(Rakp3::parse(&hex(RAKP3)[..7]).is_err());
        assert!(Rakp4::parse(&hex(RAKP4)[..7]).is_err());
        let b1 = hex(RAKP1);
        let r1 = Rakp1::parse(&b1).unwrap();
        assert_eq!(r1.emit(&mut [0u8; 32]), Err(WireError::BufferTooSmall));
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let mut out = [0u8; 128];
            if let Ok(r) = Rakp1::parse(&bytes) { r.emit(&mut out).unwrap(); }
            if let Ok(r) = Rakp2::parse(&bytes) { let _ = r.emit(&mut out); }
            if let Ok(r) = Rakp3::parse(&bytes) { let _ = r.emit(&mut out); }
            if let Ok(r) = Rakp4::parse(&bytes) { let _ = r.emit(&mut out); }
        }
    }
}

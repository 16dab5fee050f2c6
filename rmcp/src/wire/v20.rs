//! The IPMI 2.0 (RMCP+) session header and the layout of its integrity trailer. Opening and sealing
//! a packet with a session's keys (verify, decrypt / encrypt, sign) is `session::v20`.
//!
//! ```text
//! 06 · payload type (b5:0 type, b6 authenticated, b7 encrypted)
//!    · [OEM IANA (3) · reserved (1) · OEM payload id (2), only for type 0x02]
//!    · session id (LE 4) · session seq (LE 4) · payload length (LE 2) · payload
//!    · trailer, only when authenticated: 0xFF × pad · pad length · next header 0x07 · AuthCode
//! ```
//! The pad makes (auth type .. next header) a multiple of 4; pads of 0..=4 are accepted
//! (OpenBMC sends 4). The AuthCode covers auth type .. next header.
use super::{le32, put_le32, WireError};

mod field {
    use core::ops::Range;
    pub const AUTH_TYPE: usize = 0;
    pub const PAYLOAD_TYPE: usize = 1;
    // Only for OEM payloads (type 0x02).
    pub const OEM_IANA: Range<usize> = 2..5;
    pub const OEM_RESERVED: usize = 5;
    pub const OEM_PAYLOAD_ID: Range<usize> = 6..8;
    // Relative to the end of the payload type (and OEM) fields.
    pub const SESSION_ID: Range<usize> = 0..4;
    pub const SEQUENCE: Range<usize> = 4..8;
    pub const PAYLOAD_LEN: Range<usize> = 8..10;
}

/// The auth type byte that marks the RMCP+ format.
pub const AUTH_TYPE_RMCP_PLUS: u8 = 0x06;
/// Header bytes for every payload type except OEM.
pub const HEADER_LEN: usize = 12;
/// Header bytes for OEM payloads (type 0x02).
pub const HEADER_LEN_OEM: usize = 18;
/// The next header byte in the trailer.
pub const NEXT_HEADER: u8 = 0x07;
/// Largest integrity pad accepted (OpenBMC sends 4 when already aligned).
pub const MAX_INTEGRITY_PAD: usize = 4;
/// Length of the AES-CBC-128 IV a sealer supplies.
pub const IV_LEN: usize = 16;

const AUTHENTICATED: u8 = 0x40;
const ENCRYPTED: u8 = 0x80;
const TYPE_MASK: u8 = 0x3F;

open_enum! {
    /// RMCP+ payload type (bits 5:0 of the payload type byte).
    pub enum PayloadType {
        /// 0x00 IPMI message.
        Ipmi = 0x00,
        /// 0x01 Serial over LAN.
        Sol = 0x01,
        /// 0x02 OEM explicit (carries OEM IANA and payload id).
        Oem = 0x02,
        /// 0x10 RMCP+ Open Session Request.
        OpenSessionRequest = 0x10,
        /// 0x11 RMCP+ Open Session Response.
        OpenSessionResponse = 0x11,
        /// 0x12 RAKP Message 1.
        Rakp1 = 0x12,
        /// 0x13 RAKP Message 2.
        Rakp2 = 0x13,
        /// 0x14 RAKP Message 3.
        Rakp3 = 0x14,
        /// 0x15 RAKP Message 4.
        Rakp4 = 0x15,
    }
}

impl PayloadType {
    /// Whether this payload is part of session set-up (Open Session, RAKP 1-4): always sent
    /// outside a session, with session id 0 and no protection.
    pub fn is_session_setup(self) -> bool {
        matches!(u8::from(self), 0x10..=0x15)
    }
}

/// The OEM fields of an OEM explicit payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OemPayload {
    /// OEM IANA enterprise number (3 bytes, little-endian).
    pub iana: u32,
    /// OEM payload id (LE 2).
    pub payload_id: u16,
}

/// A view of an RMCP+ session body (from the 0x06 auth type byte on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer, checking the auth type and that the header and the announced payload fit.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        if p.auth_type() != AUTH_TYPE_RMCP_PLUS {
            return Err(WireError::InvalidField);
        }
        Ok(p)
    }

    /// Ensures the header and the announced payload fit.
    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        if b.len() <= field::PAYLOAD_TYPE || b.len() < self.header_len() {
            return Err(WireError::Truncated);
        }
        if b.len() < self.header_len() + usize::from(self.payload_len()) {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Header bytes: 12, or 18 for OEM payloads.
    pub fn header_len(&self) -> usize {
        if self.payload_type() == PayloadType::Oem {
            HEADER_LEN_OEM
        } else {
            HEADER_LEN
        }
    }

    fn ids_at(&self) -> usize {
        self.header_len() - field::PAYLOAD_LEN.end
    }

    /// The auth type byte (0x06).
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }
    /// Payload type.
    pub fn payload_type(&self) -> PayloadType {
        PayloadType::from(self.buffer.as_ref()[field::PAYLOAD_TYPE] & TYPE_MASK)
    }
    /// Whether the packet carries an integrity trailer.
    pub fn authenticated(&self) -> bool {
        self.buffer.as_ref()[field::PAYLOAD_TYPE] & AUTHENTICATED != 0
    }
    /// Whether the payload is encrypted.
    pub fn encrypted(&self) -> bool {
        self.buffer.as_ref()[field::PAYLOAD_TYPE] & ENCRYPTED != 0
    }
    /// OEM IANA and payload id (OEM payloads only).
    pub fn oem(&self) -> Option<OemPayload> {
        if self.payload_type() != PayloadType::Oem {
            return None;
        }
        let b = self.buffer.as_ref();
        let i = &b[field::OEM_IANA];
        let id = &b[field::OEM_PAYLOAD_ID];
        let _ = b[field::OEM_RESERVED];
        Some(OemPayload {
            iana: u32::from_le_bytes([i[0], i[1], i[2], 0]),
            payload_id: u16::from_le_bytes([id[0], id[1]]),
        })
    }
    /// Session id (the receiver's id; 0 outside a session).
    pub fn session_id(&self) -> u32 {
        le32(
            self.buffer.as_ref(),
            self.ids_at() + field::SESSION_ID.start,
        )
    }
    /// Session sequence number.
    pub fn sequence(&self) -> u32 {
        le32(self.buffer.as_ref(), self.ids_at() + field::SEQUENCE.start)
    }
    /// Payload length (for encrypted payloads: IV + ciphertext).
    pub fn payload_len(&self) -> u16 {
        let b = self.buffer.as_ref();
        let at = self.ids_at() + field::PAYLOAD_LEN.start;
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    /// The payload as on the wire (encrypted or not).
    pub fn payload(&self) -> &[u8] {
        let h = self.header_len();
        &self.buffer.as_ref()[h..h + usize::from(self.payload_len())]
    }
    /// Everything after the payload: the trailer (pad, pad length, next header, AuthCode).
    pub fn trailer(&self) -> &[u8] {
        let h = self.header_len();
        &self.buffer.as_ref()[h + usize::from(self.payload_len())..]
    }
}

/// A validated RMCP+ session header. Nothing in it is authenticated until `session::v20::open`
/// succeeds;
/// before keys are known, use only `session_id` to look the session up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    /// Payload type.
    pub payload_type: PayloadType,
    /// Bit 6: the packet carries an integrity trailer.
    pub authenticated: bool,
    /// Bit 7: the payload is encrypted.
    pub encrypted: bool,
    /// OEM fields, present exactly for `PayloadType::Oem`.
    pub oem: Option<OemPayload>,
    /// Session id (the receiver's id; 0 outside a session).
    pub session_id: u32,
    /// Session sequence number.
    pub sequence: u32,
    /// Payload length on the wire.
    pub payload_len: u16,
}

impl Header {
    /// Parses the header of a session body (from the 0x06 byte on) and checks that the payload
    /// fits. Does not look at the trailer or verify anything: for session lookup.
    pub fn parse(body: &[u8]) -> Result<Header, WireError> {
        let p = Packet::new_checked(body)?;
        Ok(Header {
            payload_type: p.payload_type(),
            authenticated: p.authenticated(),
            encrypted: p.encrypted(),
            oem: p.oem(),
            session_id: p.session_id(),
            sequence: p.sequence(),
            payload_len: p.payload_len(),
        })
    }

    /// Header bytes (12, or 18 for OEM payloads).
    pub fn buffer_len(&self) -> usize {
        if self.payload_type == PayloadType::Oem {
            HEADER_LEN_OEM
        } else {
            HEADER_LEN
        }
    }

    /// Writes the header (no payload, no trailer) into `out`; returns its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let t = u8::from(self.payload_type);
        if t & !TYPE_MASK != 0 || (self.payload_type == PayloadType::Oem) != self.oem.is_some() {
            return Err(WireError::InvalidField);
        }
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        b[field::AUTH_TYPE] = AUTH_TYPE_RMCP_PLUS;
        b[field::PAYLOAD_TYPE] = t
            | if self.authenticated { AUTHENTICATED } else { 0 }
            | if self.encrypted { ENCRYPTED } else { 0 };
        if let Some(oem) = self.oem {
            if oem.iana > 0x00FF_FFFF {
                return Err(WireError::InvalidField);
            }
            b[field::OEM_IANA].copy_from_slice(&oem.iana.to_le_bytes()[..3]);
            b[field::OEM_RESERVED] = 0;
            b[field::OEM_PAYLOAD_ID].copy_from_slice(&oem.payload_id.to_le_bytes());
        }
        let at = len - field::PAYLOAD_LEN.end;
        put_le32(b, at + field::SESSION_ID.start, self.session_id);
        put_le32(b, at + field::SEQUENCE.start, self.sequence);
        b[at + field::PAYLOAD_LEN.start..at + field::PAYLOAD_LEN.end]
            .copy_from_slice(&self.payload_len.to_le_bytes());
        Ok(len)
    }
}

/// 0xFF bytes needed so that `len + pad + 2` (pad length and next header) is a multiple of 4.
pub fn integrity_pad(len: usize) -> usize {
    (4 - (len + 2) % 4) % 4
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

    // cs17-ipmitool-power-status.txt [9] (ipmitool) and [10] (fakebmc.py).
    const S17_C2S: &str = "0600ff0706c00511100b0300000020001c7f45ce8b48fb667bc239fbdbca8d1a8b498aa0113c4916f85612e7289d3c5fffff020769c4425bd86aed9b319523f2751e2572";
    #[allow(dead_code)]
    const S17_S2C: &str = "0600ff0706c0a4a3a2a00100000020002ba827e41dd214f4bbbc84b843d42a80f4d7d2a21108317a2da5b45470d15b4fffff02077d1bd127aa6f6d56e45375648114ed2c";
    #[allow(dead_code)]
    const S17_SIK: &str = "caa3316841a27b67252505b75370835ecf92f1eb60ec2a87b23e4e6475fbb09d";
    // cs02-ipmitool-power-status.txt [9] and [10] (ipmi_sim): HMAC-SHA1-96, no AES.
    #[allow(dead_code)]
    const S02_C2S: &str =
        "0600ff070640020200000300000008002018c881043b043cffff0207c8cf8189420299567bd3a359";
    const S02_S2C: &str =
        "0600ff070640a4a3a2a0010000000900811c6320043b00049dff01072a207842c4805bcfb7e74d5a";
    #[allow(dead_code)]
    const S02_SIK: &str = "aac5e488adaf75dbfb2b9d76e37b648159727dba";
    // cs15-ipmitool-power-status.txt [9]: no trailer at all.
    const S15_C2S: &str = "0600ff070600010d0c0b0300000008002018c881043b043c";
    // cs03-ipmitool-power-status.txt [3]: Open Session Request.
    const OPEN_REQ: &str = "0600ff0706100000000000000000200000000000a4a3a2a0000000080100000001000008010000000200000801000000";

    #[test]
    fn deconstruct() {
        let b = hex(S17_C2S);
        let p = Packet::new_checked(&b[4..]).unwrap();
        assert_eq!(p.auth_type(), 6);
        assert_eq!(p.payload_type(), PayloadType::Ipmi);
        assert!(p.authenticated() && p.encrypted());
        assert_eq!(p.oem(), None);
        assert_eq!(p.session_id(), 0x0b101105);
        assert_eq!(p.sequence(), 3);
        assert_eq!(p.payload_len(), 32);
        assert_eq!(p.payload().len(), 32);
        assert_eq!(p.trailer().len(), 2 + 2 + 16);
        let b = hex(OPEN_REQ);
        let h = Header::parse(&b[4..]).unwrap();
        assert_eq!(h.payload_type, PayloadType::OpenSessionRequest);
        assert!(h.payload_type.is_session_setup());
        assert_eq!((h.session_id, h.sequence, h.payload_len), (0, 0, 32));
    }

    #[test]
    fn header_round_trip() {
        for s in [S17_C2S, S02_S2C, S15_C2S, OPEN_REQ] {
            let b = hex(s);
            let h = Header::parse(&b[4..]).unwrap();
            let mut out = [0u8; 12];
            assert_eq!(h.emit(&mut out), Ok(12));
            assert_eq!(out, b[4..16]);
        }
        let oem = Header {
            payload_type: PayloadType::Oem,
            authenticated: false,
            encrypted: false,
            oem: Some(OemPayload {
                iana: 0x0002a2,
                payload_id: 0x1234,
            }),
            session_id: 1,
            sequence: 2,
            payload_len: 1,
        };
        let mut out = [0u8; 19];
        assert_eq!(oem.emit(&mut out), Ok(18));
        assert_eq!(&out[..8], &[6, 2, 0xa2, 0x02, 0, 0, 0x34, 0x12]);
        out[18] = 0xaa;
        assert_eq!(Header::parse(&out), Ok(oem));
        assert_eq!(Packet::new_checked(&out[..]).unwrap().payload(), &[0xaa]);
    }
}

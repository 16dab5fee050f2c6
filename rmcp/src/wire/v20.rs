//! The IPMI 2.0 (RMCP+) session header, its integrity trailer, and the two high-level operations
//! every BMC and console needs: [`open`] (verify, then decrypt) and [`seal`] (encrypt, then sign).
//!
//! ```text
//! 06 · payload type (b5:0 type, b6 authenticated, b7 encrypted)
//!    · [OEM IANA (3) · reserved (1) · OEM payload id (2), only for type 0x02]
//!    · session id (LE 4) · session seq (LE 4) · payload length (LE 2) · payload
//!    · trailer, only when authenticated: 0xFF × pad · pad length · next header 0x07 · AuthCode
//! ```
//! The pad makes (auth type .. next header) a multiple of 4; pads of 0..=4 are accepted
//! (OpenBMC sends 4). The AuthCode covers auth type .. next header.
use super::{le32, put_le32, rmcp, WireError};
use crate::crypto::SessionKeys;

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
/// Length of the AES-CBC-128 IV the caller supplies to [`seal`].
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

/// A validated RMCP+ session header. Nothing in it is authenticated until [`open`] succeeds;
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

/// An opened RMCP+ packet: its header and the plaintext payload (verified and decrypted when the
/// suite asks for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened<'s> {
    /// The header; `authenticated`/`encrypted` say what was verified/decrypted.
    pub header: Header,
    /// The plaintext payload (borrowed from the body, or from the scratch buffer when decrypted).
    pub payload: &'s [u8],
}

impl Opened<'_> {
    /// Payload type.
    pub fn payload_type(&self) -> PayloadType {
        self.header.payload_type
    }
    /// Session id (the receiver's).
    pub fn session_id(&self) -> u32 {
        self.header.session_id
    }
    /// Session sequence number.
    pub fn sequence(&self) -> u32 {
        self.header.sequence
    }
}

/// Parses, authenticates and decrypts one RMCP+ session body (from the 0x06 auth type byte on).
///
/// - `keys: None` (outside a session: Open Session, RAKP, pre-session commands): the packet must
///   be neither authenticated nor encrypted (`NoKeys`) and carry no trailer.
/// - `keys: Some`: the authenticated/encrypted bits must match the suite (`ProtectionMismatch`);
///   when authenticated, the AuthCode is verified in constant time over the covered bytes before
///   anything else in the packet is looked at (`AuthCode`), then the trailer is checked; when
///   encrypted, the payload is decrypted into `scratch` and the confidentiality pad checked and
///   stripped (`Padding`).
///
/// Sequence-number windows and session state are the caller's business.
pub fn open<'s>(
    session_body: &'s [u8],
    keys: Option<&SessionKeys>,
    scratch: &'s mut [u8],
) -> Result<Opened<'s>, WireError> {
    let header = Header::parse(session_body)?;
    let hlen = header.buffer_len();
    let end = hlen + usize::from(header.payload_len);
    let wire_payload = &session_body[hlen..end];
    let keys = match keys {
        None => {
            if header.authenticated || header.encrypted {
                return Err(WireError::NoKeys);
            }
            if session_body.len() != end {
                return Err(WireError::TooLong);
            }
            return Ok(Opened {
                header,
                payload: wire_payload,
            });
        }
        Some(k) => k,
    };
    let suite = keys.suite();
    if header.authenticated != suite.authenticated() || header.encrypted != suite.encrypted() {
        return Err(WireError::ProtectionMismatch);
    }
    if header.authenticated {
        let code_len = keys.auth_code_len();
        let covered_len = session_body
            .len()
            .checked_sub(code_len)
            .filter(|&n| n >= end + 2)
            .ok_or(WireError::Truncated)?;
        let (covered, code) = session_body.split_at(covered_len);
        keys.verify(covered, code)?;
        // Authentic from here on.
        let next_header = covered[covered_len - 1];
        let pad_len = usize::from(covered[covered_len - 2]);
        if next_header != NEXT_HEADER {
            return Err(WireError::InvalidField);
        }
        if pad_len > MAX_INTEGRITY_PAD || end + pad_len + 2 != covered_len {
            return Err(WireError::Padding);
        }
    } else if session_body.len() != end {
        return Err(WireError::TooLong);
    }
    let payload = if header.encrypted {
        keys.decrypt(wire_payload, scratch)?
    } else {
        wire_payload
    };
    Ok(Opened { header, payload })
}

/// Bytes [`seal`] writes (RMCP header included) for a plaintext payload of `len` bytes.
pub fn sealed_len(len: usize, keys: Option<&SessionKeys>) -> usize {
    let (plen, code_len, authenticated) = match keys {
        Some(k) => (
            k.payload_len(len),
            k.auth_code_len(),
            k.suite().authenticated(),
        ),
        None => (len, 0, false),
    };
    let body = HEADER_LEN + plen;
    rmcp::HEADER_LEN
        + if authenticated {
            body + integrity_pad(body) + 2 + code_len
        } else {
            body
        }
}

/// 0xFF bytes needed so that `len + pad + 2` (pad length and next header) is a multiple of 4.
fn integrity_pad(len: usize) -> usize {
    (4 - (len + 2) % 4) % 4
}

/// Writes a complete RMCP+ datagram (RMCP header included) into `out` and returns its length.
///
/// `keys: None` sends the payload in the clear without trailer (session set-up, pre-session
/// replies, suite-less packets). With keys, the suite decides: AES-CBC-128 with the caller's
/// fresh random `iv` when it has confidentiality, the integrity trailer when it has integrity
/// (suites 0, 1, 6, 15 send plaintext without trailer). OEM payloads are `Unsupported`.
pub fn seal(
    out: &mut [u8],
    payload_type: PayloadType,
    session_id: u32,
    sequence: u32,
    payload: &[u8],
    keys: Option<&SessionKeys>,
    iv: &[u8; IV_LEN],
) -> Result<usize, WireError> {
    let n = rmcp::RmcpRepr::IPMI.emit(out)?;
    let rest = out.get_mut(n..).ok_or(WireError::BufferTooSmall)?;
    Ok(n + seal_body(rest, payload_type, session_id, sequence, payload, keys, iv)?)
}

/// Like [`seal`] but writes only the session body (from the 0x06 auth type byte on).
pub fn seal_body(
    out: &mut [u8],
    payload_type: PayloadType,
    session_id: u32,
    sequence: u32,
    payload: &[u8],
    keys: Option<&SessionKeys>,
    iv: &[u8; IV_LEN],
) -> Result<usize, WireError> {
    if payload_type == PayloadType::Oem {
        return Err(WireError::Unsupported);
    }
    let (authenticated, encrypted) = match keys {
        Some(k) => (k.suite().authenticated(), k.suite().encrypted()),
        None => (false, false),
    };
    let plen = match keys {
        Some(k) => k.payload_len(payload.len()),
        None => payload.len(),
    };
    let header = Header {
        payload_type,
        authenticated,
        encrypted,
        oem: None,
        session_id,
        sequence,
        payload_len: u16::try_from(plen).map_err(|_| WireError::TooLong)?,
    };
    let total = sealed_len(payload.len(), keys) - rmcp::HEADER_LEN;
    let out = out.get_mut(..total).ok_or(WireError::BufferTooSmall)?;
    let hlen = header.emit(out)?;
    let end = hlen + plen;
    match keys {
        Some(k) if encrypted => {
            k.encrypt(iv, payload, &mut out[hlen..end])?;
        }
        _ => out[hlen..end].copy_from_slice(payload),
    }
    if let (true, Some(k)) = (authenticated, keys) {
        let pad = integrity_pad(end);
        out[end..end + pad].fill(0xFF);
        out[end + pad] = pad as u8;
        out[end + pad + 1] = NEXT_HEADER;
        let (covered, code) = out.split_at_mut(end + pad + 2);
        k.sign(covered, code)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::crypto::{CipherSuite, Kuid, SessionKey};

    fn hex(s: &str) -> heapless::Vec<u8, 128> {
        let mut v = heapless::Vec::new();
        for i in (0..s.len()).step_by(2) {
            v.push(u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .unwrap();
        }
        v
    }

    fn keys(suite: u8, sik: &str) -> SessionKeys {
        SessionKeys::from_sik(
            CipherSuite::by_id(suite).unwrap(),
            &Kuid::from_slice(b"password").unwrap(),
            SessionKey::from_slice(&hex(sik)).unwrap(),
        )
        .unwrap()
    }

    // cs17-ipmitool-power-status.txt [9] (ipmitool) and [10] (fakebmc.py).
    const S17_C2S: &str = "0600ff0706c00511100b0300000020001c7f45ce8b48fb667bc239fbdbca8d1a8b498aa0113c4916f85612e7289d3c5fffff020769c4425bd86aed9b319523f2751e2572";
    const S17_S2C: &str = "0600ff0706c0a4a3a2a00100000020002ba827e41dd214f4bbbc84b843d42a80f4d7d2a21108317a2da5b45470d15b4fffff02077d1bd127aa6f6d56e45375648114ed2c";
    const S17_SIK: &str = "caa3316841a27b67252505b75370835ecf92f1eb60ec2a87b23e4e6475fbb09d";
    // cs02-ipmitool-power-status.txt [9] and [10] (ipmi_sim): HMAC-SHA1-96, no AES.
    const S02_C2S: &str =
        "0600ff070640020200000300000008002018c881043b043cffff0207c8cf8189420299567bd3a359";
    const S02_S2C: &str =
        "0600ff070640a4a3a2a0010000000900811c6320043b00049dff01072a207842c4805bcfb7e74d5a";
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
        assert_eq!(open(&out, None, &mut []).unwrap().payload, &[0xaa]);
    }

    #[test]
    fn open_and_reseal_suite17() {
        let k = keys(17, S17_SIK);
        for (s, iv_at) in [(S17_C2S, 16), (S17_S2C, 16)] {
            let b = hex(s);
            let mut scratch = [0u8; 64];
            let o = open(&b[4..], Some(&k), &mut scratch).unwrap();
            assert!(o.header.authenticated && o.header.encrypted);
            let payload: heapless::Vec<u8, 64> = heapless::Vec::from_slice(o.payload).unwrap();
            if o.session_id() == 0x0b101105 {
                assert_eq!(&payload[..], &hex("2018c881043b043c")[..]);
            }
            let mut iv = [0u8; 16];
            iv.copy_from_slice(&b[iv_at..iv_at + 16]);
            let mut out = [0u8; 128];
            let n = seal(
                &mut out,
                o.payload_type(),
                o.session_id(),
                o.sequence(),
                &payload,
                Some(&k),
                &iv,
            )
            .unwrap();
            assert_eq!(&out[..n], &b[..]);
            assert_eq!(sealed_len(payload.len(), Some(&k)), n);
        }
    }

    #[test]
    fn open_and_reseal_suite2_and_15() {
        let k = keys(2, S02_SIK);
        for s in [S02_C2S, S02_S2C] {
            let b = hex(s);
            let o = open(&b[4..], Some(&k), &mut []).unwrap();
            assert!(o.header.authenticated && !o.header.encrypted);
            let mut out = [0u8; 64];
            let n = seal(
                &mut out,
                PayloadType::Ipmi,
                o.session_id(),
                o.sequence(),
                o.payload,
                Some(&k),
                &[0; 16],
            )
            .unwrap();
            assert_eq!(&out[..n], &b[..]);
        }
        let k15 = keys(15, S17_SIK);
        let b = hex(S15_C2S);
        let o = open(&b[4..], Some(&k15), &mut []).unwrap();
        assert_eq!(o.payload, &hex("2018c881043b043c")[..]);
        let mut out = [0u8; 64];
        let n = seal(
            &mut out,
            PayloadType::Ipmi,
            0x0b0c0d01,
            3,
            o.payload,
            Some(&k15),
            &[0; 16],
        )
        .unwrap();
        assert_eq!(&out[..n], &b[..]);
    }

    #[test]
    fn rejects_tampering_and_downgrades() {
        let k = keys(17, S17_SIK);
        let b = hex(S17_C2S);
        let mut scratch = [0u8; 64];
        for i in 4..b.len() {
            let mut bad = b.clone();
            bad[i] ^= 0x01;
            assert!(open(&bad[4..], Some(&k), &mut scratch).is_err(), "byte {i}");
        }
        // No keys for a protected packet.
        assert_eq!(open(&b[4..], None, &mut scratch), Err(WireError::NoKeys));
        // Plain packet inside an encrypted session.
        let plain = hex(S15_C2S);
        assert_eq!(
            open(&plain[4..], Some(&k), &mut scratch),
            Err(WireError::ProtectionMismatch)
        );
        // Wrong keys.
        let other = keys(17, S02_SIK);
        assert_eq!(
            open(&b[4..], Some(&other), &mut scratch),
            Err(WireError::AuthCode)
        );
        // Scratch too small for the plaintext.
        assert_eq!(
            open(&b[4..], Some(&k), &mut [0u8; 8]),
            Err(WireError::BufferTooSmall)
        );
        // Trailing garbage on a plain packet.
        let mut long = hex(OPEN_REQ);
        long.push(0).unwrap();
        assert_eq!(open(&long[4..], None, &mut []), Err(WireError::TooLong));
    }

    #[test]
    fn pad_of_four_accepted() {
        // Build an OpenBMC-style packet: an aligned body still gets 4 pad bytes.
        let k = keys(2, S02_SIK);
        let msg = hex("2018c881043b043c");
        let mut b = [0u8; 64];
        let h = Header {
            payload_type: PayloadType::Ipmi,
            authenticated: true,
            encrypted: false,
            oem: None,
            session_id: 0x0202,
            sequence: 9,
            payload_len: 8,
        };
        h.emit(&mut b).unwrap();
        b[12..20].copy_from_slice(&msg);
        // 12 + 8 + 2 = 22: the spec pad is 2; a pad of 4 leaves the span unaligned (26) and is
        // still accepted, like OpenBMC's 4 on already aligned spans.
        for pad in [2usize, 4] {
            let end = 20;
            b[end..end + pad].fill(0xff);
            b[end + pad] = pad as u8;
            b[end + pad + 1] = NEXT_HEADER;
            let covered = end + pad + 2;
            let (c, code) = b.split_at_mut(covered);
            let n = k.sign(c, code).unwrap();
            let o = open(&b[..covered + n], Some(&k), &mut []).unwrap();
            assert_eq!(o.payload, &msg[..]);
        }
        // Pad 5 is refused even with a valid AuthCode.
        let pad = 5;
        b[20..25].fill(0xff);
        b[25] = pad;
        b[26] = NEXT_HEADER;
        let (c, code) = b.split_at_mut(27);
        let n = k.sign(c, code).unwrap();
        assert_eq!(
            open(&b[..27 + n], Some(&k), &mut []),
            Err(WireError::Padding)
        );
    }

    #[test]
    fn impossible_lengths() {
        let b = hex(S17_C2S);
        let k = keys(17, S17_SIK);
        let mut scratch = [0u8; 64];
        for n in 0..b.len() - 4 {
            assert!(open(&b[4..4 + n], Some(&k), &mut scratch).is_err());
            assert!(open(&b[4..4 + n], None, &mut scratch).is_err());
        }
        let mut out = [0u8; 67];
        assert_eq!(
            seal(
                &mut out,
                PayloadType::Ipmi,
                1,
                1,
                &[0u8; 8],
                Some(&k),
                &[0; 16]
            ),
            Err(WireError::BufferTooSmall)
        );
        assert_eq!(
            seal(&mut [0u8; 128], PayloadType::Oem, 1, 1, &[], None, &[0; 16]),
            Err(WireError::Unsupported)
        );
        assert_eq!(Header::parse(&[6]), Err(WireError::Truncated));
        assert_eq!(
            Header::parse(&hex("0000000000000000000000000000")),
            Err(WireError::InvalidField)
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..160)) {
            let k = keys(17, S17_SIK);
            let k12 = keys(12, "ece0556479f369963e2bf2fbfb1ecc89");
            let mut scratch = [0u8; 160];
            let _ = Header::parse(&bytes);
            let _ = open(&bytes, None, &mut scratch);
            let _ = open(&bytes, Some(&k), &mut scratch);
            let _ = open(&bytes, Some(&k12), &mut scratch);
            let mut with_type = std::vec![6u8, 0xc0];
            with_type.extend_from_slice(&bytes);
            let _ = open(&with_type, Some(&k), &mut scratch);
        }

        #[test]
        fn seal_open_round_trip(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..100), suite in 0usize..12) {
            let s = &crate::crypto::SUITES[suite];
            let k = SessionKeys::from_sik(s, &Kuid::from_slice(b"pw").unwrap(),
                SessionKey::from_slice(&[0x42; 32][..s.auth.digest_len().unwrap()]).unwrap()).unwrap();
            let mut out = [0u8; 200];
            let n = seal(&mut out, PayloadType::Sol, 7, 9, &payload, Some(&k), &[3; 16]).unwrap();
            proptest::prop_assert_eq!(n, sealed_len(payload.len(), Some(&k)));
            let mut scratch = [0u8; 200];
            let o = open(&out[4..n], Some(&k), &mut scratch).unwrap();
            proptest::prop_assert_eq!(o.payload, &payload[..]);
            proptest::prop_assert_eq!((o.session_id(), o.sequence()), (7, 9));
        }
    }
}

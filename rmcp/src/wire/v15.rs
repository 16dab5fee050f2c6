//! The IPMI 1.5 session header (RMCP class 7, auth type other than 6) and the LAN message it
//! carries.
//!
//! `auth type · session seq (LE 4) · session id (LE 4) · auth code (16, only when auth type != 0)
//! · message length · message`. ipmitool may add one legacy pad byte after the message; it is
//! tolerated and ignored.
use super::{le32, put_le32, WireError};

mod field {
    use core::ops::Range;
    pub const AUTH_TYPE: usize = 0;
    pub const SEQUENCE: Range<usize> = 1..5;
    pub const SESSION_ID: Range<usize> = 5..9;
    pub const AUTH_CODE: Range<usize> = 9..25;
}

/// Bytes in the header without an auth code (auth type, seq, id, message length).
pub const HEADER_LEN_NO_AUTH: usize = 10;
/// Bytes in the header with an auth code.
pub const HEADER_LEN_AUTH: usize = 26;
/// Bytes in an auth code.
pub const AUTH_CODE_LEN: usize = 16;

open_enum! {
    /// Session authentication type (the first byte of the session header).
    pub enum AuthType {
        /// 0 none.
        None = 0x00,
        /// 1 MD2.
        Md2 = 0x01,
        /// 2 MD5.
        Md5 = 0x02,
        /// 4 straight password / key.
        Password = 0x04,
        /// 5 OEM proprietary.
        Oem = 0x05,
        /// 6 RMCP+ (IPMI 2.0) session format.
        RmcpPlus = 0x06,
    }
}

impl AuthType {
    /// The bit for this type in Get Channel Authentication Capabilities (`1 << code`).
    pub fn capability_bit(self) -> u8 {
        match u8::from(self) {
            n @ 0..=5 => 1 << n,
            _ => 0,
        }
    }
}

/// A view of an IPMI 1.5 session (the RMCP body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer, checking that the header and the message it announces fit (one legacy
    /// pad byte after the message is allowed, more is `TooLong`).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Ensures the header and the announced message fit.
    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN_NO_AUTH {
            return Err(WireError::Truncated);
        }
        let header = self.header_len();
        if b.len() < header {
            return Err(WireError::Truncated);
        }
        let end = header + usize::from(b[header - 1]);
        if b.len() < end {
            Err(WireError::Truncated)
        } else if b.len() > end + 1 {
            Err(WireError::TooLong)
        } else {
            Ok(())
        }
    }

    fn header_len(&self) -> usize {
        if self.buffer.as_ref()[field::AUTH_TYPE] == 0 {
            HEADER_LEN_NO_AUTH
        } else {
            HEADER_LEN_AUTH
        }
    }

    /// Authentication type.
    pub fn auth_type(&self) -> AuthType {
        AuthType::from(self.buffer.as_ref()[field::AUTH_TYPE])
    }
    /// Session sequence number.
    pub fn sequence(&self) -> u32 {
        le32(self.buffer.as_ref(), field::SEQUENCE.start)
    }
    /// Session id.
    pub fn session_id(&self) -> u32 {
        le32(self.buffer.as_ref(), field::SESSION_ID.start)
    }
    /// The auth code, present when the auth type is not none.
    pub fn auth_code(&self) -> Option<&[u8]> {
        if self.header_len() == HEADER_LEN_AUTH {
            Some(&self.buffer.as_ref()[field::AUTH_CODE])
        } else {
            None
        }
    }
    /// The message length byte.
    pub fn message_len(&self) -> u8 {
        self.buffer.as_ref()[self.header_len() - 1]
    }
    /// The LAN message (without any legacy pad).
    pub fn message(&self) -> &[u8] {
        let h = self.header_len();
        &self.buffer.as_ref()[h..h + usize::from(self.message_len())]
    }
}

/// A validated IPMI 1.5 session packet. The auth code is only parsed here; check it with
/// `session::v15::verify` before trusting anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRepr<'a> {
    /// Authentication type (never `RmcpPlus` here).
    pub auth_type: AuthType,
    /// Session sequence number (0 outside a session).
    pub sequence: u32,
    /// Session id (0 outside a session).
    pub session_id: u32,
    /// The auth code; `Some` exactly when `auth_type` is not `None`.
    pub auth_code: Option<[u8; AUTH_CODE_LEN]>,
    /// The LAN message (`ipmi_core::wire`).
    pub message: &'a [u8],
}

impl<'a> SessionRepr<'a> {
    /// Parses a session packet starting at the auth type byte (after the RMCP header).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        let p = Packet::new_checked(bytes)?;
        let auth_type = p.auth_type();
        if auth_type == AuthType::RmcpPlus {
            return Err(WireError::InvalidField);
        }
        let auth_code = match p.auth_code() {
            Some(code) => {
                let mut c = [0u8; AUTH_CODE_LEN];
                c.copy_from_slice(code);
                Some(c)
            }
            None => None,
        };
        let h = p.header_len();
        Ok(SessionRepr {
            auth_type,
            sequence: p.sequence(),
            session_id: p.session_id(),
            auth_code,
            message: &bytes[h..h + usize::from(p.message_len())],
        })
    }

    /// Bytes this session packet takes after the RMCP header.
    pub fn buffer_len(&self) -> usize {
        let header = if self.auth_type == AuthType::None {
            HEADER_LEN_NO_AUTH
        } else {
            HEADER_LEN_AUTH
        };
        header + self.message.len()
    }

    /// Writes the session packet (no RMCP header) into `out`, returning its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let msg_len = u8::try_from(self.message.len()).map_err(|_| WireError::TooLong)?;
        if self.auth_type == AuthType::RmcpPlus
            || (self.auth_type == AuthType::None) != self.auth_code.is_none()
        {
            return Err(WireError::InvalidField);
        }
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        b[field::AUTH_TYPE] = self.auth_type.into();
        put_le32(b, field::SEQUENCE.start, self.sequence);
        put_le32(b, field::SESSION_ID.start, self.session_id);
        let mut at = field::SESSION_ID.end;
        if let Some(code) = &self.auth_code {
            b[field::AUTH_CODE].copy_from_slice(code);
            at = field::AUTH_CODE.end;
        }
        b[at] = msg_len;
        b[at + 1..].copy_from_slice(self.message);
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

    // v15-md5-ipmitool-4cmds.txt [3] (auth none) and [9] (MD5, Set Session Privilege).
    const NONE: &str = "0600ff07000000000000000000092018c88104380e0431";
    const MD5: &str =
        "0600ff07023eb0fefb0a0c00008dfcc99678ec5b3d3f40a1544e0eeb92082018c881103b0430";
    // v15-password-ipmitool-4cmds.txt: an in-session request with the straight password.
    const PW: &str = "0600ff07047e771f978a0c000070617373776f72640000000000000000082018c881103b0430";

    #[test]
    fn deconstruct() {
        let b = hex(NONE);
        let p = Packet::new_checked(&b[4..]).unwrap();
        assert_eq!(p.auth_type(), AuthType::None);
        assert_eq!(p.sequence(), 0);
        assert_eq!(p.session_id(), 0);
        assert_eq!(p.auth_code(), None);
        assert_eq!(p.message_len(), 9);
        assert_eq!(p.message(), &b[14..]);
        let b = hex(MD5);
        let p = Packet::new_checked(&b[4..]).unwrap();
        assert_eq!(p.auth_type(), AuthType::Md5);
        assert_eq!(p.sequence(), 0xfbfeb03e);
        assert_eq!(p.session_id(), 0x00000c0a);
        assert_eq!(p.auth_code().unwrap(), &b[13..29]);
        assert_eq!(p.message().len(), 8);
    }

    #[test]
    fn parse_emit_round_trip() {
        for s in [NONE, MD5, PW] {
            let b = hex(s);
            let r = SessionRepr::parse(&b[4..]).unwrap();
            ipmi_core::wire::RequestRepr::parse_bytes(r.message).unwrap();
            let mut out = [0u8; 64];
            let n = r.emit(&mut out).unwrap();
            assert_eq!(&out[..n], &b[4..]);
        }
    }

    #[test]
    fn legacy_pad_tolerated() {
        let mut b = hex(MD5);
        b.push(0).unwrap();
        let r = SessionRepr::parse(&b[4..]).unwrap();
        assert_eq!(r.message.len(), 8);
        b.push(0).unwrap();
        assert_eq!(SessionRepr::parse(&b[4..]), Err(WireError::TooLong));
    }

    #[test]
    fn impossible() {
        let b = hex(MD5);
        for n in 0..b.len() - 4 {
            assert!(SessionRepr::parse(&b[4..4 + n]).is_err());
        }
        let mut plus = hex(MD5);
        plus[4] = 6;
        assert_eq!(SessionRepr::parse(&plus[4..]), Err(WireError::InvalidField));
        let r = SessionRepr::parse(&b[4..]).unwrap();
        assert_eq!(r.emit(&mut [0u8; 33]), Err(WireError::BufferTooSmall));
        let bad = SessionRepr {
            auth_code: None,
            ..r
        };
        assert_eq!(bad.emit(&mut [0u8; 64]), Err(WireError::InvalidField));
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = SessionRepr::parse(&bytes);
        }
    }
}

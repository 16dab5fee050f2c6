//! Wire formats: the RMCP header, ASF presence ping/pong, the IPMI 1.5 and IPMI 2.0 (RMCP+)
//! session headers and trailer, Open Session and RAKP messages.
//!
//! smoltcp style: each format has a `Packet<T: AsRef<[u8]>>` view over raw bytes (byte ranges in
//! a private `mod field`) and a validated `Repr` with `parse`, `buffer_len` and `emit`. Nothing
//! here panics on any input or allocates, and nothing here knows a key: verifying, decrypting and
//! sealing packets is `crate::session`. [`Datagram::parse`] sorts a received UDP payload into ASF,
//! IPMI 1.5 or IPMI 2.0.
use core::fmt;

pub mod algorithm;
pub mod asf;
pub mod open_session;
pub mod rakp;
pub mod rmcp;
pub mod sol;
pub mod v15;
pub mod v20;

/// Why a datagram could not be parsed, authenticated, decrypted or emitted. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WireError {
    /// Fewer bytes than the layout needs.
    Truncated,
    /// More bytes than the layout allows.
    TooLong,
    /// A field holds a value the layout forbids (version, reserved bits, length byte, pad).
    InvalidField,
    /// An IPMI message checksum did not match.
    Checksum,
    /// The output buffer (or decryption scratch) is too small.
    BufferTooSmall,
    /// An algorithm, auth type or payload type this implementation cannot process.
    Unsupported,
    /// The packet is authenticated or encrypted but no session keys were given.
    NoKeys,
    /// The packet's authenticated/encrypted bits do not match what the session's cipher suite
    /// requires (a downgrade attempt or a confused peer).
    ProtectionMismatch,
    /// The integrity check (AuthCode) did not verify.
    AuthCode,
    /// The integrity pad or the confidentiality pad is malformed.
    Padding,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireError::Truncated => "datagram truncated",
            WireError::TooLong => "datagram too long",
            WireError::InvalidField => "invalid field",
            WireError::Checksum => "checksum mismatch",
            WireError::BufferTooSmall => "output buffer too small",
            WireError::Unsupported => "unsupported algorithm or type",
            WireError::NoKeys => "protected packet without session keys",
            WireError::ProtectionMismatch => "packet protection does not match the cipher suite",
            WireError::AuthCode => "integrity check failed",
            WireError::Padding => "bad pad",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WireError {}

impl From<ipmi_core::Error> for WireError {
    fn from(e: ipmi_core::Error) -> Self {
        match e {
            ipmi_core::Error::Truncated => WireError::Truncated,
            ipmi_core::Error::TooLong => WireError::TooLong,
            ipmi_core::Error::Checksum => WireError::Checksum,
            ipmi_core::Error::InvalidField => WireError::InvalidField,
            ipmi_core::Error::BufferTooSmall => WireError::BufferTooSmall,
        }
    }
}

/// A received UDP payload, sorted by its RMCP class and session format. Borrowed, nothing copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// RMCP class ASF: a presence ping or pong (or another ASF message type).
    Asf {
        /// The RMCP header.
        rmcp: rmcp::RmcpRepr,
        /// The ASF message.
        message: asf::AsfRepr,
    },
    /// RMCP class IPMI with an IPMI 1.5 session header (auth type other than 6).
    V15 {
        /// The RMCP header.
        rmcp: rmcp::RmcpRepr,
        /// The session header and the LAN message it carries (not yet authenticated).
        session: v15::SessionRepr<'a>,
    },
    /// RMCP class IPMI with an IPMI 2.0 (RMCP+) session header: the parsed header (for the
    /// session lookup; nothing in it is authenticated yet) and the session body from the 0x06
    /// auth type byte on, for `session::v20::open_parsed`.
    V20 {
        /// The RMCP header.
        rmcp: rmcp::RmcpRepr,
        /// The session header, parsed from `body` (the payload is known to fit).
        header: v20::Header,
        /// The session body, starting at the auth type byte 0x06.
        body: &'a [u8],
    },
}

impl<'a> Datagram<'a> {
    /// Sorts one UDP payload. Fails for RMCP ACKs, OEM classes and malformed headers.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        let packet = rmcp::Packet::new_checked(bytes)?;
        let header = rmcp::RmcpRepr::parse(&packet)?;
        let body = packet.into_payload();
        if header.ack {
            return Err(WireError::Unsupported);
        }
        match header.class {
            rmcp::MessageClass::Asf => Ok(Datagram::Asf {
                rmcp: header,
                message: asf::AsfRepr::parse(&asf::Packet::new_checked(body)?)?,
            }),
            rmcp::MessageClass::Ipmi => match body.first() {
                Some(&t) if v15::AuthType::from(t) == v15::AuthType::RmcpPlus => {
                    Ok(Datagram::V20 {
                        rmcp: header,
                        header: v20::Header::parse(body)?,
                        body,
                    })
                }
                Some(_) => Ok(Datagram::V15 {
                    rmcp: header,
                    session: v15::SessionRepr::parse(body)?,
                }),
                None => Err(WireError::Truncated),
            },
            _ => Err(WireError::Unsupported),
        }
    }
}

/// Little-endian u32 from 4 bytes at `at`; callers check the length first.
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Writes a little-endian u32 at `at`; callers check the length first.
pub(crate) fn put_le32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

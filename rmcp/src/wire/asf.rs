//! ASF presence ping and pong (RMCP class 6), the "is anybody there" probe that `ipmitool -I lan`
//! and `rmcpping` send before talking IPMI.
//!
//! `IANA (4, big-endian 4542) · message type · tag · reserved · data length · data`.
//! A pong's 16 data bytes: `OEM IANA (4) · OEM defined (4) · supported entities · supported
//! interactions · reserved (6)`.
use super::WireError;

mod field {
    use core::ops::Range;
    pub const IANA: Range<usize> = 0..4;
    pub const TYPE: usize = 4;
    pub const TAG: usize = 5;
    pub const RESERVED: usize = 6;
    pub const DATA_LEN: usize = 7;
    pub const DATA: usize = 8;
    // Inside a pong's data.
    pub const OEM_IANA: Range<usize> = 0..4;
    pub const OEM_DEFINED: Range<usize> = 4..8;
    pub const ENTITIES: usize = 8;
    pub const INTERACTIONS: usize = 9;
}

/// Bytes before the data.
pub const HEADER_LEN: usize = field::DATA;
/// Data bytes in a presence pong.
pub const PONG_DATA_LEN: usize = 16;
/// The ASF IANA enterprise number (Alerting Specifications Forum).
pub const IANA_ASF: u32 = 4542;
/// Supported entities in our pong: bit 7 = IPMI supported, version 1.0 (0x01).
pub const ENTITIES_IPMI: u8 = 0x81;

open_enum! {
    /// ASF message type.
    pub enum MessageType {
        /// 0x40 Presence Pong.
        PresencePong = 0x40,
        /// 0x80 Presence Ping.
        PresencePing = 0x80,
    }
}

/// A view of an ASF message (the RMCP body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer, checking that the header and the data it announces fit.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Ensures the header and the announced data fit.
    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN || b.len() < HEADER_LEN + usize::from(b[field::DATA_LEN]) {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// IANA enterprise number (big-endian).
    pub fn iana(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::IANA];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }
    /// Message type.
    pub fn message_type(&self) -> MessageType {
        MessageType::from(self.buffer.as_ref()[field::TYPE])
    }
    /// Message tag, echoed by the pong.
    pub fn tag(&self) -> u8 {
        self.buffer.as_ref()[field::TAG]
    }
    /// The reserved byte.
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED]
    }
    /// Data length.
    pub fn data_len(&self) -> u8 {
        self.buffer.as_ref()[field::DATA_LEN]
    }
    /// The data the length byte announces.
    pub fn data(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[field::DATA..field::DATA + usize::from(b[field::DATA_LEN])]
    }
}

/// A validated ASF message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AsfRepr {
    /// Presence Ping.
    PresencePing {
        /// Message tag to echo.
        tag: u8,
    },
    /// Presence Pong.
    PresencePong {
        /// The ping's tag.
        tag: u8,
        /// OEM IANA number (0 when none).
        oem_iana: u32,
        /// OEM-defined value.
        oem_defined: u32,
        /// Supported entities: bit 7 IPMI, bits 3:0 ASF version.
        supported_entities: u8,
        /// Supported interactions (0: none of the ASF security extensions).
        supported_interactions: u8,
    },
}

impl AsfRepr {
    /// The pong a BMC answers `ping_tag` with: IPMI supported, no OEM data.
    pub const fn pong(ping_tag: u8) -> AsfRepr {
        AsfRepr::PresencePong {
            tag: ping_tag,
            oem_iana: 0,
            oem_defined: 0,
            supported_entities: ENTITIES_IPMI,
            supported_interactions: 0,
        }
    }

    /// Parses a ping or pong; other ASF message types and foreign IANA numbers are `Unsupported`.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, WireError> {
        packet.check_len()?;
        if packet.iana() != IANA_ASF {
            return Err(WireError::Unsupported);
        }
        match packet.message_type() {
            MessageType::PresencePing => Ok(AsfRepr::PresencePing { tag: packet.tag() }),
            MessageType::PresencePong => {
                let d = packet.data();
                if d.len() < PONG_DATA_LEN {
                    return Err(WireError::Truncated);
                }
                let be = |r: core::ops::Range<usize>| {
                    let s = &d[r];
                    u32::from_be_bytes([s[0], s[1], s[2], s[3]])
                };
                Ok(AsfRepr::PresencePong {
                    tag: packet.tag(),
                    oem_iana: be(field::OEM_IANA),
                    oem_defined: be(field::OEM_DEFINED),
                    supported_entities: d[field::ENTITIES],
                    supported_interactions: d[field::INTERACTIONS],
                })
            }
            MessageType::Unknown(_) => Err(WireError::Unsupported),
        }
    }

    /// Bytes the message takes after the RMCP header (8 for a ping, 24 for a pong).
    pub const fn buffer_len(&self) -> usize {
        match self {
            AsfRepr::PresencePing { .. } => HEADER_LEN,
            AsfRepr::PresencePong { .. } => HEADER_LEN + PONG_DATA_LEN,
        }
    }

    /// Writes the message into `out`, returning its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        b.fill(0);
        b[field::IANA].copy_from_slice(&IANA_ASF.to_be_bytes());
        match *self {
            AsfRepr::PresencePing { tag } => {
                b[field::TYPE] = MessageType::PresencePing.into();
                b[field::TAG] = tag;
            }
            AsfRepr::PresencePong {
                tag,
                oem_iana,
                oem_defined,
                supported_entities,
                supported_interactions,
            } => {
                b[field::TYPE] = MessageType::PresencePong.into();
                b[field::TAG] = tag;
                b[field::DATA_LEN] = PONG_DATA_LEN as u8;
                let d = &mut b[field::DATA..];
                d[field::OEM_IANA].copy_from_slice(&oem_iana.to_be_bytes());
                d[field::OEM_DEFINED].copy_from_slice(&oem_defined.to_be_bytes());
                d[field::ENTITIES] = supported_entities;
                d[field::INTERACTIONS] = supported_interactions;
            }
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // asf-rmcpping.txt [1] and [2], after the RMCP header.
    const PING: [u8; 8] = [0x00, 0x00, 0x11, 0xbe, 0x80, 0xf7, 0x00, 0x00];
    const PONG: [u8; 24] = [
        0x00, 0x00, 0x11, 0xbe, 0x40, 0xf7, 0x00, 0x10, 0x00, 0x00, 0x11, 0xbe, 0x00, 0x00, 0x00,
        0x00, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&PING[..]).unwrap();
        assert_eq!(p.iana(), 4542);
        assert_eq!(p.message_type(), MessageType::PresencePing);
        assert_eq!(p.tag(), 0xf7);
        assert_eq!(p.data_len(), 0);
        let p = Packet::new_checked(&PONG[..]).unwrap();
        assert_eq!(p.message_type(), MessageType::PresencePong);
        assert_eq!(p.data().len(), 16);
    }

    #[test]
    fn parse_both() {
        assert_eq!(
            AsfRepr::parse(&Packet::new_checked(&PING[..]).unwrap()),
            Ok(AsfRepr::PresencePing { tag: 0xf7 })
        );
        // ipmi_sim puts the ASF IANA into the OEM IANA field.
        assert_eq!(
            AsfRepr::parse(&Packet::new_checked(&PONG[..]).unwrap()),
            Ok(AsfRepr::PresencePong {
                tag: 0xf7,
                oem_iana: 4542,
                oem_defined: 0,
                supported_entities: 0x81,
                supported_interactions: 0,
            })
        );
    }

    #[test]
    fn construct() {
        let mut out = [0u8; 24];
        assert_eq!(AsfRepr::PresencePing { tag: 0xf7 }.emit(&mut out), Ok(8));
        assert_eq!(out[..8], PING);
        let pong = AsfRepr::PresencePong {
            tag: 0xf7,
            oem_iana: 4542,
            oem_defined: 0,
            supported_entities: 0x81,
            supported_interactions: 0,
        };
        assert_eq!(pong.emit(&mut out), Ok(24));
        assert_eq!(out, PONG);
        let mut ours = [0u8; 24];
        AsfRepr::pong(0xf7).emit(&mut ours).unwrap();
        assert_eq!(ours[..8], PONG[..8]);
        assert_eq!(ours[16], 0x81);
    }

    #[test]
    fn impossible() {
        for n in 0..PING.len() {
            assert!(Packet::new_checked(&PING[..n]).is_err());
        }
        // A pong announcing 16 bytes but carrying 15.
        assert_eq!(
            Packet::new_checked(&PONG[..23]).err(),
            Some(WireError::Truncated)
        );
        // Pong with a short data length.
        let mut short = PONG;
        short[7] = 4;
        assert_eq!(
            AsfRepr::parse(&Packet::new_unchecked(&short[..])),
            Err(WireError::Truncated)
        );
        let mut foreign = PING;
        foreign[3] = 0xbf;
        assert_eq!(
            AsfRepr::parse(&Packet::new_unchecked(&foreign[..])),
            Err(WireError::Unsupported)
        );
        assert_eq!(
            AsfRepr::pong(1).emit(&mut [0u8; 23]),
            Err(WireError::BufferTooSmall)
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let _ = AsfRepr::parse(&Packet::new_unchecked(&bytes[..]));
        }
    }
}

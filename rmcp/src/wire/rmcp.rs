//! The RMCP header that starts every datagram on UDP 623: `06 00 seq class`.
//!
//! Class 6 is ASF (presence ping/pong), 7 IPMI; bit 7 of the class byte marks an RMCP ACK.
//! Everything after the 4 header bytes is the body.
use super::WireError;

mod field {
    pub const VERSION: usize = 0;
    pub const RESERVED: usize = 1;
    pub const SEQUENCE: usize = 2;
    pub const CLASS: usize = 3;
    pub const PAYLOAD: usize = 4;
}

/// Bytes in the RMCP header.
pub const HEADER_LEN: usize = field::PAYLOAD;
/// RMCP version 1.0, the only one in use.
pub const VERSION: u8 = 0x06;
/// Sequence number that asks for no RMCP ACK; IPMI always uses it.
pub const NO_ACK_SEQUENCE: u8 = 0xFF;
const ACK_BIT: u8 = 0x80;

open_enum! {
    /// RMCP message class (bits 3:0 of the class byte).
    pub enum MessageClass {
        /// 0x06 ASF: presence ping and pong.
        Asf = 0x06,
        /// 0x07 IPMI: every IPMI 1.5 and 2.0 session packet.
        Ipmi = 0x07,
        /// 0x08 OEM-defined.
        Oem = 0x08,
    }
}

/// A view of an RMCP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer, checking that it holds the whole header.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Ensures the header fits.
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// RMCP version (0x06).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }
    /// The reserved byte (0x00).
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED]
    }
    /// RMCP sequence number (0xFF: no ACK wanted).
    pub fn sequence(&self) -> u8 {
        self.buffer.as_ref()[field::SEQUENCE]
    }
    /// Message class, without the ACK bit.
    pub fn class(&self) -> MessageClass {
        MessageClass::from(self.buffer.as_ref()[field::CLASS] & !ACK_BIT)
    }
    /// Whether this is an RMCP ACK.
    pub fn ack(&self) -> bool {
        self.buffer.as_ref()[field::CLASS] & ACK_BIT != 0
    }
    /// The body after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<'a> Packet<&'a [u8]> {
    /// The body after the header, with the buffer's lifetime.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buffer[field::PAYLOAD..]
    }
}

/// A validated RMCP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RmcpRepr {
    /// RMCP sequence number; 0xFF for IPMI.
    pub sequence: u8,
    /// Message class.
    pub class: MessageClass,
    /// RMCP ACK bit.
    pub ack: bool,
}

impl RmcpRepr {
    /// The header of every IPMI packet: `06 00 FF 07`.
    pub const IPMI: RmcpRepr = RmcpRepr {
        sequence: NO_ACK_SEQUENCE,
        class: MessageClass::Ipmi,
        ack: false,
    };
    /// The header of ASF ping/pong: `06 00 FF 06`.
    pub const ASF: RmcpRepr = RmcpRepr {
        sequence: NO_ACK_SEQUENCE,
        class: MessageClass::Asf,
        ack: false,
    };

    /// Parses the header; rejects versions other than 0x06. (The reserved byte is ignored.)
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, WireError> {
        packet.check_len()?;
        if packet.version() != VERSION {
            return Err(WireError::InvalidField);
        }
        Ok(RmcpRepr {
            sequence: packet.sequence(),
            class: packet.class(),
            ack: packet.ack(),
        })
    }

    /// Bytes the header takes (4).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into the first 4 bytes of `out`, returning 4.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let b = out.get_mut(..HEADER_LEN).ok_or(WireError::BufferTooSmall)?;
        let class = u8::from(self.class);
        if class & ACK_BIT != 0 {
            return Err(WireError::InvalidField);
        }
        b[field::VERSION] = VERSION;
        b[field::RESERVED] = 0;
        b[field::SEQUENCE] = self.sequence;
        b[field::CLASS] = class | if self.ack { ACK_BIT } else { 0 };
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // asf-rmcpping.txt [1] and cs17-ipmitool-power-status.txt [1] (first 4 bytes).
    const PING: [u8; 12] = [
        0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0xf7, 0x00, 0x00,
    ];
    const IPMI_HDR: [u8; 4] = [0x06, 0x00, 0xff, 0x07];

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&PING[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.reserved(), 0);
        assert_eq!(p.sequence(), 0xff);
        assert_eq!(p.class(), MessageClass::Asf);
        assert!(!p.ack());
        assert_eq!(p.payload(), &PING[4..]);
    }

    #[test]
    fn parse_and_emit() {
        let r = RmcpRepr::parse(&Packet::new_checked(&IPMI_HDR[..]).unwrap()).unwrap();
        assert_eq!(r, RmcpRepr::IPMI);
        let mut out = [0u8; 4];
        assert_eq!(r.emit(&mut out), Ok(4));
        assert_eq!(out, IPMI_HDR);
        let mut out = [0u8; 4];
        RmcpRepr::ASF.emit(&mut out).unwrap();
        assert_eq!(out, PING[..4]);
    }

    #[test]
    fn ack_bit() {
        let r = RmcpRepr::parse(&Packet::new_unchecked(&[6u8, 0, 5, 0x86][..])).unwrap();
        assert!(r.ack);
        assert_eq!(r.class, MessageClass::Asf);
        let mut out = [0u8; 4];
        r.emit(&mut out).unwrap();
        assert_eq!(out, [6, 0, 5, 0x86]);
    }

    #[test]
    fn impossible() {
        for n in 0..4 {
            assert_eq!(
                Packet::new_checked(&IPMI_HDR[..n]).err(),
                Some(WireError::Truncated)
            );
        }
        let bad = [0x07u8, 0, 0xff, 0x07];
        assert_eq!(
            RmcpRepr::parse(&Packet::new_unchecked(&bad[..])),
            Err(WireError::InvalidField)
        );
        assert_eq!(
            RmcpRepr::IPMI.emit(&mut [0u8; 3]),
            Err(WireError::BufferTooSmall)
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..16)) {
            let p = Packet::new_unchecked(&bytes[..]);
            let _ = RmcpRepr::parse(&p);
        }
    }
}

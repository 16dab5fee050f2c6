//! The SOL payload (RMCP+ payload type 1): a 4-byte header, then console characters.
//!
//! `packet sequence (b3:0; 0 = no data, an ACK/NACK only) · ack/nack sequence (b3:0; 0 = this
//! packet acknowledges nothing) · accepted character count · operation/status · characters`.
//! Byte 4 means different things per direction: console to BMC it is an *operation* (b6 NACK,
//! b5 ring/WOR, b4 generate break, b3 CTS pause, b2 drop DCD/DSR, b1 flush inbound, b0 flush
//! outbound); BMC to console a *status* (b6 NACK, b5 character transfer unavailable, b4 SOL
//! deactivating, b3 transmit overrun, b2 break detected). Bit 7 and the high nibbles of the
//! sequence bytes are reserved: ignored on parse, sent as 0.
use super::WireError;

mod field {
    use core::ops::RangeFrom;
    pub const SEQUENCE: usize = 0;
    pub const ACK_SEQUENCE: usize = 1;
    pub const ACCEPTED: usize = 2;
    pub const OPERATION: usize = 3;
    pub const DATA: RangeFrom<usize> = 4..;
}

/// Bytes of the SOL header.
pub const HEADER_LEN: usize = 4;
/// Most characters one packet carries (the accepted count is one byte).
pub const MAX_DATA: usize = 255;

/// Operation bits, console to BMC (byte 4).
pub mod op {
    /// The packet NACKs the one it names (accepted count: characters that were taken).
    pub const NACK: u8 = 0x40;
    /// Assert ring indicator / wake on ring.
    pub const RING_WOR: u8 = 0x20;
    /// Send a break to the system's serial port.
    pub const BREAK: u8 = 0x10;
    /// Deassert CTS to the system (it must pause sending).
    pub const CTS_PAUSE: u8 = 0x08;
    /// Deassert DCD and DSR to the system.
    pub const DROP_DCD_DSR: u8 = 0x04;
    /// Drop characters queued for the system.
    pub const FLUSH_INBOUND: u8 = 0x02;
    /// Drop characters queued for the console.
    pub const FLUSH_OUTBOUND: u8 = 0x01;
}

/// Status bits, BMC to console (byte 4).
pub mod status {
    /// The packet NACKs the one it names.
    pub const NACK: u8 = 0x40;
    /// Characters cannot be transferred now (the port is busy or powered off).
    pub const UNAVAILABLE: u8 = 0x20;
    /// SOL is being deactivated: this is the last packet.
    pub const DEACTIVATING: u8 = 0x10;
    /// Characters from the system were lost (the BMC's buffer overflowed).
    pub const OVERRUN: u8 = 0x08;
    /// The system sent a break.
    pub const BREAK: u8 = 0x04;
}

/// A view of a SOL payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer, checking that it holds the header and at most [`MAX_DATA`] characters.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Ensures the header fits and the data is not longer than [`MAX_DATA`].
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            Err(WireError::Truncated)
        } else if len > HEADER_LEN + MAX_DATA {
            Err(WireError::TooLong)
        } else {
            Ok(())
        }
    }

    /// Packet sequence number (0 = no characters, only an ACK/NACK).
    pub fn sequence(&self) -> u8 {
        self.buffer.as_ref()[field::SEQUENCE] & 0x0F
    }
    /// The sequence number this packet ACKs or NACKs (0 = none).
    pub fn ack_sequence(&self) -> u8 {
        self.buffer.as_ref()[field::ACK_SEQUENCE] & 0x0F
    }
    /// Characters of the acknowledged packet that were accepted.
    pub fn accepted(&self) -> u8 {
        self.buffer.as_ref()[field::ACCEPTED]
    }
    /// Operation (console to BMC) or status (BMC to console) bits.
    pub fn operation(&self) -> u8 {
        self.buffer.as_ref()[field::OPERATION] & 0x7F
    }
    /// The characters.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::DATA]
    }
}

/// A validated SOL packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SolRepr<'a> {
    /// Packet sequence number, 1..=15 with characters, 0 for an ACK/NACK only.
    pub sequence: u8,
    /// The packet this one ACKs or NACKs, 0 for none.
    pub ack_sequence: u8,
    /// Characters accepted of the acknowledged packet.
    pub accepted: u8,
    /// [`op`] bits (console to BMC) or [`status`] bits (BMC to console).
    pub operation: u8,
    /// Console characters.
    pub data: &'a [u8],
}

impl<'a> SolRepr<'a> {
    /// Parses a SOL payload (plaintext, after the session layer opened it).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        let p = Packet::new_checked(bytes)?;
        Ok(SolRepr {
            sequence: p.sequence(),
            ack_sequence: p.ack_sequence(),
            accepted: p.accepted(),
            operation: p.operation(),
            data: &bytes[field::DATA],
        })
    }

    /// Bytes [`SolRepr::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.data.len()
    }

    /// Writes the payload into `out`; a field out of range is `InvalidField`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, WireError> {
        if self.sequence > 0x0F
            || self.ack_sequence > 0x0F
            || self.operation > 0x7F
            || self.data.len() > MAX_DATA
        {
            return Err(WireError::InvalidField);
        }
        let n = self.buffer_len();
        let o = out.get_mut(..n).ok_or(WireError::BufferTooSmall)?;
        o[field::SEQUENCE] = self.sequence;
        o[field::ACK_SEQUENCE] = self.ack_sequence;
        o[field::ACCEPTED] = self.accepted;
        o[field::OPERATION] = self.operation;
        o[field::DATA].copy_from_slice(self.data);
        Ok(n)
    }

    /// Whether the operation/status byte has `bit` set.
    pub fn has(&self, bit: u8) -> bool {
        self.operation & bit != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ipmitool typing "ls\r": sequence 3, acknowledges nothing, no operation.
    const TYPED: [u8; 7] = [0x03, 0x00, 0x00, 0x00, b'l', b's', b'\r'];
    // ipmitool's ACK of the BMC's packet 5, which carried 12 characters.
    const ACK: [u8; 4] = [0x00, 0x05, 0x0C, 0x00];

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&TYPED[..]).unwrap();
        assert_eq!(p.sequence(), 3);
        assert_eq!(p.ack_sequence(), 0);
        assert_eq!(p.data(), b"ls\r");
        let a = SolRepr::parse(&ACK).unwrap();
        assert_eq!((a.sequence, a.ack_sequence, a.accepted), (0, 5, 12));
        assert!(a.data.is_empty());
        // Reserved bits are ignored.
        let r = SolRepr::parse(&[0xF3, 0xF5, 1, 0xD0]).unwrap();
        assert_eq!((r.sequence, r.ack_sequence, r.operation), (3, 5, 0x50));
        assert!(r.has(op::NACK) && r.has(op::BREAK));
    }

    #[test]
    fn construct() {
        let r = SolRepr {
            sequence: 3,
            ack_sequence: 0,
            accepted: 0,
            operation: 0,
            data: b"ls\r",
        };
        let mut out = [0u8; 16];
        assert_eq!(r.emit(&mut out), Ok(7));
        assert_eq!(&out[..7], &TYPED);
        assert_eq!(r.emit(&mut out[..6]), Err(WireError::BufferTooSmall));
        let bad = SolRepr { sequence: 16, ..r };
        assert_eq!(bad.emit(&mut out), Err(WireError::InvalidField));
        let bad = SolRepr {
            operation: 0x80,
            ..r
        };
        assert_eq!(bad.emit(&mut out), Err(WireError::InvalidField));
    }

    #[test]
    fn impossible_lengths() {
        assert_eq!(SolRepr::parse(&[0, 0, 0]), Err(WireError::Truncated));
        assert_eq!(SolRepr::parse(&[0u8; 260]), Err(WireError::TooLong));
        assert!(SolRepr::parse(&[0u8; 259]).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn parse_emit_parse(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            if let Ok(r) = SolRepr::parse(&bytes) {
                let mut out = [0u8; 300];
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(n, r.buffer_len());
                proptest::prop_assert_eq!(SolRepr::parse(&out[..n]).unwrap(), r);
            }
        }
    }
}

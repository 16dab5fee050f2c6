//! Get SEL Info (NetFn Storage, 0x40): version, entry count, free space, the last add and
//! erase time stamps and the operation support byte, whose bit 7 says the log overflowed.
//! `ipmitool sel info` wants exactly 14 bytes; `ipmitool sel list` reads the count first.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get SEL Info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSelInfo;

impl Command for GetSelInfo {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x40;
    type Request<'a> = crate::cmd::app::Empty;
    type Response<'a> = SelInfo;
}

/// Operation support bit 7: an event was dropped because the SEL was full.
pub const OP_OVERFLOW: u8 = 0x80;
/// Operation support bit 3: Delete SEL Entry supported.
pub const OP_DELETE: u8 = 0x08;
/// Operation support bit 2: Partial Add SEL Entry supported.
pub const OP_PARTIAL_ADD: u8 = 0x04;
/// Operation support bit 1: Reserve SEL supported.
pub const OP_RESERVE: u8 = 0x02;
/// Operation support bit 0: Get SEL Allocation Info supported.
pub const OP_ALLOCATION_INFO: u8 = 0x01;

/// The response: 14 bytes (IPMI v2.0 table 31-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SelInfo {
    /// SEL version (51h).
    pub version: u8,
    /// Number of log entries.
    pub entries: u16,
    /// Free space in bytes (16 per entry).
    pub free_space: u16,
    /// Most recent addition time stamp (FFFFFFFFh or 0 = none).
    pub most_recent_addition: u32,
    /// Most recent erase time stamp.
    pub most_recent_erase: u32,
    /// Operation support: overflow flag (bit 7) and supported commands.
    pub operation_support: u8,
}

impl SelInfo {
    /// Whether the overflow flag is set.
    pub fn overflow(&self) -> bool {
        self.operation_support & OP_OVERFLOW != 0
    }
}

impl<'a> Body<'a> for SelInfo {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<14>(data)?;
        Ok(SelInfo {
            version: d[0],
            entries: u16::from_le_bytes([d[1], d[2]]),
            free_space: u16::from_le_bytes([d[3], d[4]]),
            most_recent_addition: u32::from_le_bytes([d[5], d[6], d[7], d[8]]),
            most_recent_erase: u32::from_le_bytes([d[9], d[10], d[11], d[12]]),
            operation_support: d[13],
        })
    }
    fn buffer_len(&self) -> usize {
        14
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<14>(out)?;
        b[0] = self.version;
        b[1..3].copy_from_slice(&self.entries.to_le_bytes());
        b[3..5].copy_from_slice(&self.free_space.to_le_bytes());
        b[5..9].copy_from_slice(&self.most_recent_addition.to_le_bytes());
        b[9..13].copy_from_slice(&self.most_recent_erase.to_le_bytes());
        b[13] = self.operation_support;
        Ok(14)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Version 51h, 3 entries, 1008 bytes free, added at 0x5F000000, never erased, overflow and
    // reserve.
    const RSP: [u8; 14] = [
        0x51, 3, 0, 0xF0, 0x03, 0, 0, 0, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF, 0x82,
    ];

    #[test]
    fn round_trip() {
        let i = SelInfo::parse(&RSP).unwrap();
        assert_eq!((i.entries, i.free_space), (3, 1008));
        assert_eq!(i.most_recent_addition, 0x5F00_0000);
        assert!(i.overflow());
        let mut out = [0u8; 14];
        assert_eq!(i.emit(&mut out), Ok(14));
        assert_eq!(out, RSP);
        assert_eq!(i.emit(&mut out[..13]), Err(Error::BufferTooSmall));
        assert!(SelInfo::parse(&RSP[..13]).is_err());
    }
}

//! Get SDR Repository Info (NetFn Storage, 0x20): version, record count, free space, time
//! stamps, supported operations. Clients read the count first; 0 makes them give up or rebuild.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get SDR Repository Info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSdrRepositoryInfo;

impl Command for GetSdrRepositoryInfo {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x20;
    type Request<'a> = crate::cmd::app::Empty;
    type Response<'a> = SdrRepositoryInfo;
}

/// Operation support bit 1: Reserve SDR Repository supported.
pub const OP_RESERVE: u8 = 0x02;

/// The response: 14 bytes (IPMI v2.0 table 33-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SdrRepositoryInfo {
    /// SDR version (51h).
    pub version: u8,
    /// Number of records.
    pub record_count: u16,
    /// Free space in bytes (0 = none; the repository is read-only).
    pub free_space: u16,
    /// Most recent addition time stamp.
    pub most_recent_addition: u32,
    /// Most recent erase time stamp.
    pub most_recent_erase: u32,
    /// Operation support bits.
    pub operation_support: u8,
}

impl<'a> Body<'a> for SdrRepositoryInfo {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<14>(data)?;
        Ok(SdrRepositoryInfo {
            version: d[0],
            record_count: u16::from_le_bytes([d[1], d[2]]),
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
        b[1..3].copy_from_slice(&self.record_count.to_le_bytes());
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

    // Version 51h, 7 records, no free space, no time stamps, reserve supported.
    const RSP: [u8; 14] = [0x51, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02];

    #[test]
    fn round_trip() {
        let i = SdrRepositoryInfo::parse(&RSP).unwrap();
        assert_eq!(
            (i.version, i.record_count, i.operation_support),
            (0x51, 7, 2)
        );
        let mut out = [0u8; 14];
        assert_eq!(i.emit(&mut out), Ok(14));
        assert_eq!(out, RSP);
        assert_eq!(i.emit(&mut out[..13]), Err(Error::BufferTooSmall));
        assert!(SdrRepositoryInfo::parse(&RSP[..13]).is_err());
    }
}

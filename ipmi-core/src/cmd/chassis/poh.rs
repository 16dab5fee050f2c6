//! Get POH Counter (NetFn Chassis, 0x0F): the power-on-hours counter, in counts of
//! `minutes_per_count` minutes.
use super::Empty;
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get POH Counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetPohCounter;

impl Command for GetPohCounter {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x0F;
    type Request<'a> = Empty;
    type Response<'a> = PohCounter;
}

/// The Get POH Counter response: 5 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PohCounter {
    /// Minutes per count.
    pub minutes_per_count: u8,
    /// Counter reading (4 bytes, little-endian).
    pub counter: u32,
}

impl<'a> Body<'a> for PohCounter {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [m, c0, c1, c2, c3] = *exact::<5>(data)?;
        Ok(PohCounter {
            minutes_per_count: m,
            counter: u32::from_le_bytes([c0, c1, c2, c3]),
        })
    }
    fn buffer_len(&self) -> usize {
        5
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let buf = out_slice::<5>(out)?;
        buf[0] = self.minutes_per_count;
        buf[1..].copy_from_slice(&self.counter.to_le_bytes());
        Ok(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One count per 60 minutes, 0x00012345 counts (layout per IPMI v2.0 table 28-16).
    const RSP: [u8; 5] = [0x3c, 0x45, 0x23, 0x01, 0x00];

    #[test]
    fn deconstruct() {
        let p = PohCounter::parse(&RSP).unwrap();
        assert_eq!(p.minutes_per_count, 60);
        assert_eq!(p.counter, 0x12345);
    }

    mod response {
        use super::*;
        body_checks!(
            PohCounter,
            [&RSP[..]],
            [&[][..], &[0u8; 4][..], &[0u8; 6][..]]
        );
    }
}

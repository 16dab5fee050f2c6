//! Get Power Reading (NetFn Group Extension, 0x02): the system's power draw now, its minimum,
//! maximum and average over the statistics period, the time stamp, the period's length in
//! milliseconds and whether power measurement is active (state bit 6). Exporters need
//! "Power Measurement : Active" to report a value. Request `DC 01 00 00` (mode 1, system power
//! statistics); mode 2 asks for a rolling average period in byte 3.
use super::{strip_group, DCMI_GROUP};
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get Power Reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetPowerReading;

impl Command for GetPowerReading {
    const NETFN: NetFn = NetFn::GroupExtension;
    const CMD: u8 = 0x02;
    type Request<'a> = PowerReadingRequest;
    type Response<'a> = PowerReading;
}

open_enum! {
    /// Reading modes (DCMI v1.5 table 6-16).
    pub enum ReadingMode {
        /// System power statistics.
        SystemPowerStatistics = 0x01,
        /// Enhanced system power statistics (a rolling average period).
        EnhancedSystemPowerStatistics = 0x02,
    }
}

/// The request: group id, mode, mode attributes, reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PowerReadingRequest {
    /// Reading mode.
    pub mode: ReadingMode,
    /// Mode attributes (the rolling average time period in mode 2).
    pub mode_attributes: u8,
}

impl<'a> Body<'a> for PowerReadingRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<3>(strip_group(data)?)?;
        Ok(PowerReadingRequest {
            mode: ReadingMode::from(d[0]),
            mode_attributes: d[1],
        })
    }
    fn buffer_len(&self) -> usize {
        4
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        *out_slice::<4>(out)? = [DCMI_GROUP, u8::from(self.mode), self.mode_attributes, 0];
        Ok(4)
    }
}

/// Power reading state bit 6: power measurement active.
pub const MEASUREMENT_ACTIVE: u8 = 0x40;

/// The response: 18 bytes after the group id (DCMI v1.5 table 6-16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PowerReading {
    /// Current power in watts.
    pub current: u16,
    /// Minimum over the sampling period.
    pub minimum: u16,
    /// Maximum over the sampling period.
    pub maximum: u16,
    /// Average over the sampling period.
    pub average: u16,
    /// IPMI time stamp of the reading.
    pub timestamp: u32,
    /// Statistics reporting time period in milliseconds.
    pub period_ms: u32,
    /// Power reading state: [`MEASUREMENT_ACTIVE`].
    pub state: u8,
}

impl<'a> Body<'a> for PowerReading {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<17>(strip_group(data)?)?;
        let u16_at = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
        Ok(PowerReading {
            current: u16_at(0),
            minimum: u16_at(2),
            maximum: u16_at(4),
            average: u16_at(6),
            timestamp: u32_at(8),
            period_ms: u32_at(12),
            state: d[16],
        })
    }
    fn buffer_len(&self) -> usize {
        18
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<18>(out)?;
        b[0] = DCMI_GROUP;
        b[1..3].copy_from_slice(&self.current.to_le_bytes());
        b[3..5].copy_from_slice(&self.minimum.to_le_bytes());
        b[5..7].copy_from_slice(&self.maximum.to_le_bytes());
        b[7..9].copy_from_slice(&self.average.to_le_bytes());
        b[9..13].copy_from_slice(&self.timestamp.to_le_bytes());
        b[13..17].copy_from_slice(&self.period_ms.to_le_bytes());
        b[17] = self.state;
        Ok(18)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        // What exporters send.
        let r = PowerReadingRequest::parse(&[0xDC, 0x01, 0x00, 0x00]).unwrap();
        assert_eq!(r.mode, ReadingMode::SystemPowerStatistics);
        let mut out = [0u8; 18];
        assert_eq!(r.emit(&mut out), Ok(4));
        assert_eq!(out[..4], [0xDC, 1, 0, 0]);
        assert!(PowerReadingRequest::parse(&[0xDC, 0x01, 0x00]).is_err());
        assert!(PowerReadingRequest::parse(&[0xDD, 0x01, 0x00, 0x00]).is_err());
        // 180 W now, 170..200, average 185, period 60 s, active.
        let rsp = [
            0xDC, 180, 0, 170, 0, 200, 0, 185, 0, 0x10, 0x32, 0x54, 0x66, 0x60, 0xEA, 0x00, 0x00,
            0x40,
        ];
        let p = PowerReading::parse(&rsp).unwrap();
        assert_eq!(
            (p.current, p.average, p.period_ms, p.state),
            (180, 185, 60_000, 0x40)
        );
        assert_eq!(p.emit(&mut out), Ok(18));
        assert_eq!(out, rsp);
        assert_eq!(p.emit(&mut out[..17]), Err(Error::BufferTooSmall));
        assert!(PowerReading::parse(&rsp[..17]).is_err());
    }
}

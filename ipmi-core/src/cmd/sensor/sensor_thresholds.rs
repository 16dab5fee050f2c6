//! Get Sensor Thresholds (NetFn Sensor/Event, 0x27): which thresholds are readable and their
//! raw values. `ipmitool sensor list` asks for every threshold sensor.
use super::SensorNumber;
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get Sensor Thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSensorThresholds;

impl Command for GetSensorThresholds {
    const NETFN: NetFn = NetFn::SensorEvent;
    const CMD: u8 = 0x27;
    type Request<'a> = SensorNumber;
    type Response<'a> = SensorThresholds;
}

/// The response: readable mask and six raw thresholds (IPMI v2.0 table 35-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SensorThresholds {
    /// Bits 0-5: lower non-critical, lower critical, lower non-recoverable, upper
    /// non-critical, upper critical, upper non-recoverable readable.
    pub readable: u8,
    /// Raw thresholds in that order.
    pub thresholds: [u8; 6],
}

impl<'a> Body<'a> for SensorThresholds {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<7>(data)?;
        let mut thresholds = [0u8; 6];
        thresholds.copy_from_slice(&d[1..]);
        Ok(SensorThresholds {
            readable: d[0],
            thresholds,
        })
    }
    fn buffer_len(&self) -> usize {
        7
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<7>(out)?;
        b[0] = self.readable;
        b[1..].copy_from_slice(&self.thresholds);
        Ok(7)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        // Upper non-critical 80, upper critical 90 readable.
        let bytes = [0x18, 0, 0, 0, 80, 90, 0];
        let t = SensorThresholds::parse(&bytes).unwrap();
        assert_eq!(t.thresholds[4], 90);
        let mut out = [0u8; 7];
        assert_eq!(t.emit(&mut out), Ok(7));
        assert_eq!(out, bytes);
        assert_eq!(t.emit(&mut out[..6]), Err(Error::BufferTooSmall));
        assert!(SensorThresholds::parse(&bytes[..6]).is_err());
    }
}

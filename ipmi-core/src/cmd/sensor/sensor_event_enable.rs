//! Get Sensor Event Enable (NetFn Sensor/Event, 0x29): whether a sensor's event messages and
//! scanning are on, and which assertion and deassertion events it generates (bit n = offset n,
//! the threshold offsets for threshold sensors). `ipmi-sensors -vv` and `ipmitool -v sensor
//! get` print them. The response may stop after any byte; this keeps how many came.
use super::SensorNumber;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Get Sensor Event Enable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSensorEventEnable;

impl Command for GetSensorEventEnable {
    const NETFN: NetFn = NetFn::SensorEvent;
    const CMD: u8 = 0x29;
    type Request<'a> = SensorNumber;
    type Response<'a> = SensorEventEnable;
}

/// Flags bit 7: all event messages enabled.
pub const EVENT_MESSAGES_ENABLED: u8 = 0x80;
/// Flags bit 6: sensor scanning enabled.
pub const SCANNING_ENABLED: u8 = 0x40;

/// The response: flags, then up to four enable bytes (IPMI v2.0 table 35-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SensorEventEnable {
    /// Event messages (bit 7) and scanning (bit 6) enabled.
    pub flags: u8,
    /// Assertion events 7:0, 14:8, deassertion events 7:0, 14:8 (the first `count`).
    pub enables: [u8; 4],
    /// How many enable bytes the response carries (0-4).
    pub count: u8,
}

impl SensorEventEnable {
    /// Full response: assertion and deassertion event masks (bits 0-14).
    pub fn new(flags: u8, assertion: u16, deassertion: u16) -> Self {
        let [a0, a1] = (assertion & 0x7FFF).to_le_bytes();
        let [d0, d1] = (deassertion & 0x7FFF).to_le_bytes();
        SensorEventEnable {
            flags,
            enables: [a0, a1, d0, d1],
            count: 4,
        }
    }
}

impl<'a> Body<'a> for SensorEventEnable {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&flags, rest) = data.split_first().ok_or(Error::Truncated)?;
        if rest.len() > 4 {
            return Err(Error::TooLong);
        }
        let mut enables = [0u8; 4];
        enables[..rest.len()].copy_from_slice(rest);
        Ok(SensorEventEnable {
            flags,
            enables,
            count: rest.len() as u8,
        })
    }
    fn buffer_len(&self) -> usize {
        1 + usize::from(self.count)
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let n = usize::from(self.count);
        if n > 4 {
            return Err(Error::InvalidField);
        }
        let b = out.get_mut(..1 + n).ok_or(Error::BufferTooSmall)?;
        b[0] = self.flags;
        b[1..].copy_from_slice(&self.enables[..n]);
        Ok(1 + n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        // Events and scanning on; upper non-critical and critical going high (offsets 7, 9).
        let rsp = [0xC0, 0x80, 0x02, 0x80, 0x02];
        let e = SensorEventEnable::parse(&rsp).unwrap();
        assert_eq!(e, SensorEventEnable::new(0xC0, 0x0280, 0x0280));
        let mut out = [0u8; 5];
        assert_eq!(e.emit(&mut out), Ok(5));
        assert_eq!(out, rsp);
        assert_eq!(e.emit(&mut out[..4]), Err(Error::BufferTooSmall));
        let short = SensorEventEnable::parse(&rsp[..2]).unwrap();
        assert_eq!((short.count, short.buffer_len()), (1, 2));
        assert!(SensorEventEnable::parse(&[]).is_err());
        assert!(SensorEventEnable::parse(&[0; 6]).is_err());
    }
}

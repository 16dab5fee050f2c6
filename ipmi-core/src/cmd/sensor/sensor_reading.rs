//! Get Sensor Reading (NetFn Sensor/Event, 0x2D): the raw reading, scanning/availability flags
//! and the threshold or discrete state bits.
use super::SensorNumber;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Get Sensor Reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSensorReading;

impl Command for GetSensorReading {
    const NETFN: NetFn = NetFn::SensorEvent;
    const CMD: u8 = 0x2D;
    type Request<'a> = SensorNumber;
    type Response<'a> = SensorReading;
}

/// Byte 2 bit 7: event messages enabled.
pub const EVENTS_ENABLED: u8 = 0x80;
/// Byte 2 bit 6: sensor scanning enabled (clear: clients print N/A).
pub const SCANNING_ENABLED: u8 = 0x40;
/// Byte 2 bit 5: reading/state unavailable.
pub const UNAVAILABLE: u8 = 0x20;

/// The response: 3 or 4 bytes (IPMI v2.0 table 35-15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SensorReading {
    /// Raw reading (ignore for discrete sensors).
    pub reading: u8,
    /// Byte 2 flags.
    pub flags: u8,
    /// Byte 3: threshold comparison status, or discrete states 0-7.
    pub state: u8,
    /// Byte 4: discrete states 8-14 (bit 7 reserved, reads 1 for threshold sensors), if sent.
    pub state_ext: Option<u8>,
}

impl<'a> Body<'a> for SensorReading {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match *data {
            [reading, flags, state] => Ok(SensorReading {
                reading,
                flags,
                state,
                state_ext: None,
            }),
            [reading, flags, state, ext] => Ok(SensorReading {
                reading,
                flags,
                state,
                state_ext: Some(ext),
            }),
            [_, _, _, _, ..] => Err(Error::TooLong),
            _ => Err(Error::Truncated),
        }
    }
    fn buffer_len(&self) -> usize {
        3 + usize::from(self.state_ext.is_some())
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        b[..3].copy_from_slice(&[self.reading, self.flags, self.state]);
        if let Some(e) = self.state_ext {
            b[3] = e;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for bytes in [&[0x19u8, 0xC0, 0x00][..], &[0x00, 0xC0, 0x01, 0x80][..]] {
            let r = SensorReading::parse(bytes).unwrap();
            let mut out = [0u8; 4];
            let n = r.emit(&mut out).unwrap();
            assert_eq!(&out[..n], bytes);
            assert_eq!(r.emit(&mut out[..n - 1]), Err(Error::BufferTooSmall));
        }
        assert!(SensorReading::parse(&[0; 2]).is_err());
        assert!(SensorReading::parse(&[0; 5]).is_err());
        assert!(SensorNumber::parse(&[]).is_err());
        assert_eq!(SensorNumber::parse(&[7]).unwrap().number, 7);
    }
}

//! Chassis Identify (NetFn Chassis, 0x04): blink the identify light for an interval, or turn it
//! on indefinitely. Both request bytes are optional; no response data.
use super::Empty;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Chassis Identify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChassisIdentify;

impl Command for ChassisIdentify {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x04;
    type Request<'a> = ChassisIdentifyRequest;
    type Response<'a> = Empty;
}

/// The interval the specification applies when the request has no interval byte.
pub const DEFAULT_INTERVAL_SECONDS: u8 = 15;

/// The Chassis Identify request: 0, 1 or 2 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChassisIdentifyRequest {
    /// Byte 1: identify interval in seconds (0 = off); absent means 15 s.
    pub interval: Option<u8>,
    /// Byte 2 bit 0: force identify on indefinitely. Only present after an interval byte.
    pub force: Option<bool>,
}

impl ChassisIdentifyRequest {
    /// The effective interval in seconds.
    pub fn seconds(&self) -> u8 {
        self.interval.unwrap_or(DEFAULT_INTERVAL_SECONDS)
    }
    /// Whether identify is forced on indefinitely.
    pub fn forced(&self) -> bool {
        self.force.unwrap_or(false)
    }
}

impl<'a> Body<'a> for ChassisIdentifyRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match *data {
            [] => Ok(ChassisIdentifyRequest {
                interval: None,
                force: None,
            }),
            [i] => Ok(ChassisIdentifyRequest {
                interval: Some(i),
                force: None,
            }),
            [i, f] => Ok(ChassisIdentifyRequest {
                interval: Some(i),
                force: Some(f & 0x01 != 0),
            }),
            _ => Err(Error::TooLong),
        }
    }
    fn buffer_len(&self) -> usize {
        match (self.interval, self.force) {
            (None, None) => 0,
            (_, None) => 1,
            (_, Some(_)) => 2,
        }
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        if let Some(force) = self.force {
            // The force byte needs an interval byte in front of it.
            buf[0] = self.interval.ok_or(Error::InvalidField)?;
            buf[1] = u8::from(force);
        } else if let Some(i) = self.interval {
            buf[0] = i;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ipmitool chassis identify` (no data), `identify 0` (off), `identify force` (0 01)
    // (IPMI v2.0 table 28-5).
    const DEFAULT: [u8; 0] = [];
    const OFF: [u8; 1] = [0x00];
    const FORCE: [u8; 2] = [0x00, 0x01];

    #[test]
    fn deconstruct() {
        let r = ChassisIdentifyRequest::parse(&DEFAULT).unwrap();
        assert_eq!((r.seconds(), r.forced()), (15, false));
        let r = ChassisIdentifyRequest::parse(&OFF).unwrap();
        assert_eq!((r.seconds(), r.forced()), (0, false));
        let r = ChassisIdentifyRequest::parse(&FORCE).unwrap();
        assert!(r.forced());
    }

    #[test]
    fn force_without_interval_cannot_be_emitted() {
        let r = ChassisIdentifyRequest {
            interval: None,
            force: Some(true),
        };
        assert_eq!(r.emit(&mut [0u8; 4]), Err(Error::InvalidField));
    }

    mod request {
        use super::*;
        body_checks!(
            ChassisIdentifyRequest,
            [&DEFAULT[..], &OFF[..], &FORCE[..], &[20u8][..]],
            [&[0u8; 3][..], &[0u8; 9][..]]
        );
    }
}

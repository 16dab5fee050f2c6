//! Platform Event Message (NetFn Sensor/Event, 0x02): an event for the BMC to log (IPMI v2.0
//! section 29.3). Over LAN the body is the 7-byte event message; over a system interface it
//! starts with the generator id (8 bytes). `ipmitool event 1..3` sends sample events this way,
//! which is how alerting pipelines are tested. It needs Operator.
use crate::cmd::storage::sel_record::SystemEvent;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Platform Event Message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformEvent;

impl Command for PlatformEvent {
    const NETFN: NetFn = NetFn::SensorEvent;
    const CMD: u8 = 0x02;
    type Request<'a> = PlatformEventRequest;
    type Response<'a> = crate::cmd::app::Empty;
}

/// The request: [generator id], EvM revision, sensor type, sensor number, event direction and
/// type, event data 1-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PlatformEventRequest {
    /// Generator id (present when the message came through a system interface).
    pub generator_id: Option<u8>,
    /// EvM revision (04h).
    pub evm_rev: u8,
    /// Sensor type.
    pub sensor_type: u8,
    /// Sensor number.
    pub sensor_number: u8,
    /// Deassertion (bit 7 of the event direction/type byte).
    pub deassertion: bool,
    /// Event/reading type code (bits 6:0).
    pub event_type: u8,
    /// Event data 1-3.
    pub event_data: [u8; 3],
}

impl PlatformEventRequest {
    /// The event as a system event record body with `generator_id` and no time stamp yet.
    pub fn event(&self, generator_id: u16) -> SystemEvent {
        SystemEvent {
            timestamp: 0,
            generator_id,
            evm_rev: self.evm_rev,
            sensor_type: self.sensor_type,
            sensor_number: self.sensor_number,
            deassertion: self.deassertion,
            event_type: self.event_type,
            event_data: self.event_data,
        }
    }
}

impl<'a> Body<'a> for PlatformEventRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (generator_id, d) = match data.len() {
            7 => (None, data),
            8 => (Some(data[0]), &data[1..]),
            n if n < 7 => return Err(Error::Truncated),
            _ => return Err(Error::TooLong),
        };
        Ok(PlatformEventRequest {
            generator_id,
            evm_rev: d[0],
            sensor_type: d[1],
            sensor_number: d[2],
            deassertion: d[3] & 0x80 != 0,
            event_type: d[3] & 0x7F,
            event_data: [d[4], d[5], d[6]],
        })
    }
    fn buffer_len(&self) -> usize {
        7 + usize::from(self.generator_id.is_some())
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.event_type > 0x7F {
            return Err(Error::InvalidField);
        }
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let d = match self.generator_id {
            Some(g) => {
                b[0] = g;
                &mut b[1..]
            }
            None => b,
        };
        d[0] = self.evm_rev;
        d[1] = self.sensor_type;
        d[2] = self.sensor_number;
        d[3] = (u8::from(self.deassertion) << 7) | self.event_type;
        d[4..7].copy_from_slice(&self.event_data);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ipmitool event 1` over LAN: temperature sensor 30h, threshold, upper critical going high.
    const REQ: [u8; 7] = [0x04, 0x01, 0x30, 0x01, 0x09, 0xFF, 0xFF];

    #[test]
    fn round_trip() {
        let r = PlatformEventRequest::parse(&REQ).unwrap();
        assert_eq!((r.generator_id, r.sensor_type, r.event_type), (None, 1, 1));
        let mut out = [0u8; 8];
        assert_eq!(r.emit(&mut out), Ok(7));
        assert_eq!(out[..7], REQ);
        assert_eq!(r.emit(&mut out[..6]), Err(Error::BufferTooSmall));
        let mut si = [0x41u8; 8];
        si[1..].copy_from_slice(&REQ);
        si[4] = 0x81;
        let s = PlatformEventRequest::parse(&si).unwrap();
        assert_eq!((s.generator_id, s.deassertion), (Some(0x41), true));
        assert_eq!(s.emit(&mut out), Ok(8));
        assert_eq!(out, si);
        assert_eq!(s.event(0x0041).record(7).body[4], 0x41);
        assert!(PlatformEventRequest::parse(&REQ[..6]).is_err());
        assert!(PlatformEventRequest::parse(&[0; 9]).is_err());
    }
}

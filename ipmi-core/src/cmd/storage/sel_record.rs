//! A SEL record: 16 bytes, record id, record type and 13 bytes whose layout the type decides
//! (IPMI v2.0 section 32). Type 02h is a system event record, the one BMCs log for sensor
//! events; C0h-DFh are OEM records with a time stamp, E0h-FFh OEM records without.
use crate::cmd::{exact, out_slice, Body};
use crate::Error;

/// Bytes of one SEL record.
pub const SEL_RECORD_LEN: usize = 16;
/// Record type of a system event record.
pub const SYSTEM_EVENT_RECORD: u8 = 0x02;
/// Event message format revision of IPMI v1.5 and v2.0.
pub const EVM_REV: u8 = 0x04;

/// One SEL record as stored and as Get SEL Entry returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SelRecord {
    /// Record id (0000h and FFFFh are never used for a record).
    pub record_id: u16,
    /// Record type.
    pub record_type: u8,
    /// The rest of the record.
    pub body: [u8; 13],
}

impl SelRecord {
    /// Whether the record carries a time stamp (system event and time-stamped OEM records).
    pub fn has_timestamp(&self) -> bool {
        self.record_type < 0xE0
    }

    /// The time stamp (bytes 3..7), for records that have one.
    pub fn timestamp(&self) -> Option<u32> {
        self.has_timestamp()
            .then(|| u32::from_le_bytes([self.body[0], self.body[1], self.body[2], self.body[3]]))
    }

    /// Sets the time stamp of a record that has one (the BMC does so on Add SEL Entry).
    pub fn set_timestamp(&mut self, t: u32) {
        if self.has_timestamp() {
            self.body[..4].copy_from_slice(&t.to_le_bytes());
        }
    }

    /// The 16 bytes.
    pub fn bytes(&self) -> [u8; SEL_RECORD_LEN] {
        let mut b = [0u8; SEL_RECORD_LEN];
        b[..2].copy_from_slice(&self.record_id.to_le_bytes());
        b[2] = self.record_type;
        b[3..].copy_from_slice(&self.body);
        b
    }

    /// A record from its 16 bytes.
    pub fn from_bytes(b: &[u8; SEL_RECORD_LEN]) -> SelRecord {
        let mut body = [0u8; 13];
        body.copy_from_slice(&b[3..]);
        SelRecord {
            record_id: u16::from_le_bytes([b[0], b[1]]),
            record_type: b[2],
            body,
        }
    }
}

impl<'a> Body<'a> for SelRecord {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Ok(SelRecord::from_bytes(exact::<SEL_RECORD_LEN>(data)?))
    }
    fn buffer_len(&self) -> usize {
        SEL_RECORD_LEN
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        *out_slice::<SEL_RECORD_LEN>(out)? = self.bytes();
        Ok(SEL_RECORD_LEN)
    }
}

/// The fields of a system event record (type 02h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SystemEvent {
    /// Seconds (SEL time) when it was logged.
    pub timestamp: u32,
    /// Generator id: the slave address (bits 7:1) or software id, and the LUN/channel byte.
    pub generator_id: u16,
    /// Event message format revision (04h).
    pub evm_rev: u8,
    /// Sensor type (01h temperature, 09h power unit, ...).
    pub sensor_type: u8,
    /// Sensor number.
    pub sensor_number: u8,
    /// Event direction: false = assertion, true = deassertion (bit 7).
    pub deassertion: bool,
    /// Event/reading type code (bits 6:0): 01h threshold, 6Fh sensor-specific.
    pub event_type: u8,
    /// Event data 1-3.
    pub event_data: [u8; 3],
}

impl SystemEvent {
    /// The record for this event with `record_id`.
    pub fn record(&self, record_id: u16) -> SelRecord {
        let mut body = [0u8; 13];
        body[..4].copy_from_slice(&self.timestamp.to_le_bytes());
        body[4..6].copy_from_slice(&self.generator_id.to_le_bytes());
        body[6] = self.evm_rev;
        body[7] = self.sensor_type;
        body[8] = self.sensor_number;
        body[9] = (u8::from(self.deassertion) << 7) | (self.event_type & 0x7F);
        body[10..].copy_from_slice(&self.event_data);
        SelRecord {
            record_id,
            record_type: SYSTEM_EVENT_RECORD,
            body,
        }
    }

    /// The event in a system event record; `None` for other record types.
    pub fn of(r: &SelRecord) -> Option<SystemEvent> {
        (r.record_type == SYSTEM_EVENT_RECORD).then(|| {
            let b = &r.body;
            SystemEvent {
                timestamp: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                generator_id: u16::from_le_bytes([b[4], b[5]]),
                evm_rev: b[6],
                sensor_type: b[7],
                sensor_number: b[8],
                deassertion: b[9] & 0x80 != 0,
                event_type: b[9] & 0x7F,
                event_data: [b[10], b[11], b[12]],
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real "Power Unit | Power off/down | Asserted": id 1, type 02h, BMC (20h), EvM 04h,
    // sensor type 09h, sensor F0h, sensor-specific 6Fh, offset 0.
    const REC: [u8; 16] = [
        0x01, 0x00, 0x02, 0x10, 0x32, 0x54, 0x66, 0x20, 0x00, 0x04, 0x09, 0xF0, 0x6F, 0x00, 0xFF,
        0xFF,
    ];

    #[test]
    fn round_trip() {
        let r = SelRecord::parse(&REC).unwrap();
        assert_eq!((r.record_id, r.timestamp()), (1, Some(0x6654_3210)));
        let e = SystemEvent::of(&r).unwrap();
        assert_eq!(
            (e.sensor_type, e.sensor_number, e.deassertion),
            (9, 0xF0, false)
        );
        assert_eq!(e.record(1), r);
        let mut out = [0u8; 16];
        assert_eq!(r.emit(&mut out), Ok(16));
        assert_eq!(out, REC);
        assert_eq!(r.emit(&mut out[..15]), Err(Error::BufferTooSmall));
        assert!(SelRecord::parse(&REC[..15]).is_err());
        let mut oem = SelRecord::from_bytes(&[0xFF; 16]);
        assert_eq!(oem.timestamp(), None);
        oem.set_timestamp(0);
        assert_eq!(oem.bytes(), [0xFF; 16]);
        assert!(SystemEvent::of(&oem).is_none());
    }
}

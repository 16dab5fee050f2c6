//! Add SEL Entry (NetFn Storage, 0x44): a 16-byte record to log; the BMC assigns the record id
//! and, for records with a time stamp, the time (IPMI v2.0 section 31.6). The response is the
//! id it got. `ipmitool sel add FILE` and `ipmi-sel --add` use it; it needs Operator.
use super::sel_record::SelRecord;
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Add SEL Entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddSelEntry;

impl Command for AddSelEntry {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x44;
    type Request<'a> = SelRecord;
    type Response<'a> = RecordId;
}

/// A record id (2 bytes, little-endian): Add SEL Entry's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecordId {
    /// The id the record was stored under.
    pub record_id: u16,
}

impl<'a> Body<'a> for RecordId {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Ok(RecordId {
            record_id: u16::from_le_bytes(*exact::<2>(data)?),
        })
    }
    fn buffer_len(&self) -> usize {
        2
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        *out_slice::<2>(out)? = self.record_id.to_le_bytes();
        Ok(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = RecordId::parse(&[0x10, 0x00]).unwrap();
        assert_eq!(r.record_id, 0x10);
        let mut out = [0u8; 2];
        assert_eq!(r.emit(&mut out), Ok(2));
        assert_eq!(out, [0x10, 0]);
        assert_eq!(r.emit(&mut out[..1]), Err(Error::BufferTooSmall));
        assert!(RecordId::parse(&[1]).is_err());
        // The request is a whole record.
        assert!(<AddSelEntry as Command>::Request::parse(&[0u8; 16]).is_ok());
        assert!(<AddSelEntry as Command>::Request::parse(&[0u8; 17]).is_err());
    }
}

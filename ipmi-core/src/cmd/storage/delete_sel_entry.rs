//! Delete SEL Entry (NetFn Storage, 0x46): remove one record, quoting the reservation from
//! Reserve SEL; 0000h is the first record, FFFFh the last. The response is the id deleted.
//! `ipmitool sel delete ID...` (one reservation for every id) and `ipmi-sel --delete`; it needs
//! Operator.
use super::add_sel_entry::RecordId;
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Delete SEL Entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteSelEntry;

impl Command for DeleteSelEntry {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x46;
    type Request<'a> = DeleteSelEntryRequest;
    type Response<'a> = RecordId;
}

/// The request: reservation id, record id (IPMI v2.0 table 31-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeleteSelEntryRequest {
    /// Reservation id from Reserve SEL.
    pub reservation_id: u16,
    /// Record to delete (0000h first, FFFFh last).
    pub record_id: u16,
}

impl<'a> Body<'a> for DeleteSelEntryRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<4>(data)?;
        Ok(DeleteSelEntryRequest {
            reservation_id: u16::from_le_bytes([d[0], d[1]]),
            record_id: u16::from_le_bytes([d[2], d[3]]),
        })
    }
    fn buffer_len(&self) -> usize {
        4
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<4>(out)?;
        b[..2].copy_from_slice(&self.reservation_id.to_le_bytes());
        b[2..].copy_from_slice(&self.record_id.to_le_bytes());
        Ok(4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let req = [0x02, 0x00, 0x05, 0x00];
        let r = DeleteSelEntryRequest::parse(&req).unwrap();
        assert_eq!((r.reservation_id, r.record_id), (2, 5));
        let mut out = [0u8; 4];
        assert_eq!(r.emit(&mut out), Ok(4));
        assert_eq!(out, req);
        assert_eq!(r.emit(&mut out[..3]), Err(Error::BufferTooSmall));
        assert!(DeleteSelEntryRequest::parse(&req[..3]).is_err());
    }
}

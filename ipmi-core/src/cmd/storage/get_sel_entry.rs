//! Get SEL Entry (NetFn Storage, 0x43): `bytes_to_read` bytes of one SEL record from `offset`,
//! plus the id of the next record (FFFFh after the last). Record id 0000h is the first record,
//! FFFFh the last. ipmitool asks for whole records (offset 0, FFh); freeipmi too.
use super::get_sdr::GetSdrResponse;
use crate::cmd::{exact, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get SEL Entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSelEntry;

impl Command for GetSelEntry {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x43;
    type Request<'a> = GetSelEntryRequest;
    type Response<'a> = GetSelEntryResponse<'a>;
}

/// Record id meaning "the first record".
pub const FIRST_ENTRY: u16 = 0x0000;
/// Record id meaning "the last record"; also the next id after the last.
pub const LAST_ENTRY: u16 = 0xFFFF;

/// The request: 6 bytes (IPMI v2.0 table 31-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSelEntryRequest {
    /// Reservation id (only checked for a partial read, offset != 0).
    pub reservation_id: u16,
    /// Record id (0000h first, FFFFh last).
    pub record_id: u16,
    /// Offset into the record.
    pub offset: u8,
    /// Bytes to read, FFh = entire record.
    pub bytes_to_read: u8,
}

impl<'a> Body<'a> for GetSelEntryRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<6>(data)?;
        Ok(GetSelEntryRequest {
            reservation_id: u16::from_le_bytes([d[0], d[1]]),
            record_id: u16::from_le_bytes([d[2], d[3]]),
            offset: d[4],
            bytes_to_read: d[5],
        })
    }
    fn buffer_len(&self) -> usize {
        6
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = crate::cmd::out_slice::<6>(out)?;
        b[0..2].copy_from_slice(&self.reservation_id.to_le_bytes());
        b[2..4].copy_from_slice(&self.record_id.to_le_bytes());
        b[4] = self.offset;
        b[5] = self.bytes_to_read;
        Ok(6)
    }
}

/// The response: next record id and the record bytes from the requested offset (the same
/// layout as Get SDR's).
pub type GetSelEntryResponse<'a> = GetSdrResponse<'a>;

#[cfg(test)]
mod tests {
    use super::*;

    // ipmitool `sel list`: no reservation, record 0, whole record.
    const REQ: [u8; 6] = [0, 0, 0, 0, 0, 0xFF];

    #[test]
    fn round_trip() {
        let r = GetSelEntryRequest::parse(&REQ).unwrap();
        assert_eq!(
            (r.record_id, r.offset, r.bytes_to_read),
            (FIRST_ENTRY, 0, 0xFF)
        );
        let mut out = [0u8; 6];
        assert_eq!(r.emit(&mut out), Ok(6));
        assert_eq!(out, REQ);
        assert_eq!(r.emit(&mut out[..5]), Err(Error::BufferTooSmall));
        assert!(GetSelEntryRequest::parse(&REQ[..5]).is_err());
        let rsp = GetSelEntryResponse::parse(&[0xFF, 0xFF, 1, 0, 2]).unwrap();
        assert_eq!(
            (rsp.next_record_id, rsp.data),
            (LAST_ENTRY, &[1u8, 0, 2][..])
        );
    }
}

//! Get SDR (NetFn Storage, 0x23): `bytes_to_read` bytes of one record from `offset`, plus the
//! id of the next record (FFFFh after the last). ipmitool and freeipmi read the 5-byte header,
//! then the rest in chunks, shrinking the chunk when the BMC answers CAh.
use crate::cmd::{exact, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get SDR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSdr;

impl Command for GetSdr {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x23;
    type Request<'a> = GetSdrRequest;
    type Response<'a> = GetSdrResponse<'a>;
}

/// `bytes_to_read` value meaning "the whole record".
pub const ENTIRE_RECORD: u8 = 0xFF;
/// Record id of the last record's successor.
pub const LAST_RECORD: u16 = 0xFFFF;

/// The request: 6 bytes (IPMI v2.0 table 33-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSdrRequest {
    /// Reservation id (only checked for a partial read, offset != 0).
    pub reservation_id: u16,
    /// Record id (0000h = first record).
    pub record_id: u16,
    /// Offset into the record.
    pub offset: u8,
    /// Bytes to read, FFh = entire record.
    pub bytes_to_read: u8,
}

impl<'a> Body<'a> for GetSdrRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<6>(data)?;
        Ok(GetSdrRequest {
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

/// The response: next record id and the requested record bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSdrResponse<'a> {
    /// Id of the next record, FFFFh after the last.
    pub next_record_id: u16,
    /// Record bytes from the requested offset.
    pub data: &'a [u8],
}

impl<'a> Body<'a> for GetSdrResponse<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match data {
            [lo, hi, rest @ ..] => Ok(GetSdrResponse {
                next_record_id: u16::from_le_bytes([*lo, *hi]),
                data: rest,
            }),
            _ => Err(Error::Truncated),
        }
    }
    fn buffer_len(&self) -> usize {
        2 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        b[..2].copy_from_slice(&self.next_record_id.to_le_bytes());
        b[2..].copy_from_slice(self.data);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ipmitool reading the header of record 0: reservation 0001h, record 0, offset 0, 5 bytes.
    const REQ: [u8; 6] = [0x01, 0x00, 0x00, 0x00, 0x00, 0x05];

    #[test]
    fn round_trip() {
        let r = GetSdrRequest::parse(&REQ).unwrap();
        assert_eq!(
            (r.reservation_id, r.record_id, r.offset, r.bytes_to_read),
            (1, 0, 0, 5)
        );
        let mut out = [0u8; 6];
        assert_eq!(r.emit(&mut out), Ok(6));
        assert_eq!(out, REQ);
        assert!(GetSdrRequest::parse(&REQ[..5]).is_err());
        let rsp = [0x01, 0x00, 0x00, 0x00, 0x51, 0x01, 0x30];
        let p = GetSdrResponse::parse(&rsp).unwrap();
        assert_eq!((p.next_record_id, p.data.len()), (1, 5));
        let mut out = [0u8; 7];
        assert_eq!(p.emit(&mut out), Ok(7));
        assert_eq!(out, rsp);
        assert_eq!(p.emit(&mut out[..6]), Err(Error::BufferTooSmall));
        assert!(GetSdrResponse::parse(&[0]).is_err());
    }
}

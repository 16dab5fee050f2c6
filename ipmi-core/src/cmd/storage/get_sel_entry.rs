//! Get SEL Entry (NetFn Storage, 0x43): `bytes_to_read` bytes of one SEL record from `offset`,
//! plus the id of the next record (FFFFh after the last). Record id 0000h is the first record,
//! FFFFh the last. ipmitool asks for whole records (offset 0, FFh); freeipmi too.
use super::get_sdr::{GetSdrRequest, GetSdrResponse};
use crate::cmd::Command;
use crate::NetFn;

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

/// The request: 6 bytes (IPMI v2.0 table 31-5): reservation id, record id, offset and bytes to
/// read, the same layout as Get SDR's.
pub type GetSelEntryRequest = GetSdrRequest;

/// The response: next record id and the record bytes from the requested offset (the same
/// layout as Get SDR's).
pub type GetSelEntryResponse<'a> = GetSdrResponse<'a>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;
    use crate::Error;

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

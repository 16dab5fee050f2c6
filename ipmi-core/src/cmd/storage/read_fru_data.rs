//! Read FRU Data (NetFn Storage, 0x11): `count` bytes of FRU device `fru_device_id` from
//! `offset`. ipmitool reads 20 bytes at a time, then 16 when told C7h/C8h/CAh; ipmi-fru reads
//! 16. The response says how many bytes came back (fewer at the end of the area).
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Read FRU Data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadFruData;

impl Command for ReadFruData {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x11;
    type Request<'a> = ReadFruDataRequest;
    type Response<'a> = ReadFruDataResponse<'a>;
}

/// The request: 4 bytes (IPMI v2.0 table 34-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReadFruDataRequest {
    /// FRU device id.
    pub fru_device_id: u8,
    /// Inventory offset (in the device's access unit).
    pub offset: u16,
    /// Count to read (1-based).
    pub count: u8,
}

impl<'a> Body<'a> for ReadFruDataRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<4>(data)?;
        Ok(ReadFruDataRequest {
            fru_device_id: d[0],
            offset: u16::from_le_bytes([d[1], d[2]]),
            count: d[3],
        })
    }
    fn buffer_len(&self) -> usize {
        4
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<4>(out)?;
        b[0] = self.fru_device_id;
        b[1..3].copy_from_slice(&self.offset.to_le_bytes());
        b[3] = self.count;
        Ok(4)
    }
}

/// The response: count returned, then the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReadFruDataResponse<'a> {
    /// The bytes read (their count is the first response byte).
    pub data: &'a [u8],
}

impl<'a> Body<'a> for ReadFruDataResponse<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&count, rest) = data.split_first().ok_or(Error::Truncated)?;
        match rest.len().cmp(&usize::from(count)) {
            core::cmp::Ordering::Less => Err(Error::Truncated),
            core::cmp::Ordering::Greater => Err(Error::TooLong),
            core::cmp::Ordering::Equal => Ok(ReadFruDataResponse { data: rest }),
        }
    }
    fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let count = u8::try_from(self.data.len()).map_err(|_| Error::InvalidField)?;
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        b[0] = count;
        b[1..].copy_from_slice(self.data);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ipmitool reading the common header: device 0, offset 0, 8 bytes.
    const REQ: [u8; 4] = [0, 0, 0, 8];

    #[test]
    fn round_trip() {
        let r = ReadFruDataRequest::parse(&REQ).unwrap();
        assert_eq!((r.fru_device_id, r.offset, r.count), (0, 0, 8));
        let mut out = [0u8; 9];
        assert_eq!(r.emit(&mut out), Ok(4));
        assert_eq!(out[..4], REQ);
        assert!(ReadFruDataRequest::parse(&REQ[..3]).is_err());
        let header = [1, 0, 1, 3, 9, 0, 0, 0xF2];
        let rsp = [8, 1, 0, 1, 3, 9, 0, 0, 0xF2];
        let p = ReadFruDataResponse::parse(&rsp).unwrap();
        assert_eq!(p.data, &header);
        assert_eq!(p.emit(&mut out), Ok(9));
        assert_eq!(out, rsp);
        assert_eq!(p.emit(&mut out[..8]), Err(Error::BufferTooSmall));
        assert_eq!(ReadFruDataResponse::parse(&rsp[..8]), Err(Error::Truncated));
        assert_eq!(ReadFruDataResponse::parse(&[0, 1]), Err(Error::TooLong));
        assert!(ReadFruDataResponse::parse(&[]).is_err());
    }
}

//! Write FRU Data (NetFn Storage, 0x12): bytes to store in FRU device `fru_device_id` from
//! `offset`; the response says how many were written. `ipmitool fru edit`/`fru write` and
//! `ipmi-fru --write` use it; it needs Operator (IPMI v2.0 appendix G).
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Write FRU Data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteFruData;

impl Command for WriteFruData {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x12;
    type Request<'a> = WriteFruDataRequest<'a>;
    type Response<'a> = CountWritten;
}

/// The request: device id, offset, data (IPMI v2.0 table 34-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WriteFruDataRequest<'a> {
    /// FRU device id.
    pub fru_device_id: u8,
    /// Inventory offset (in the device's access unit).
    pub offset: u16,
    /// Data to write (at least one byte).
    pub data: &'a [u8],
}

impl<'a> Body<'a> for WriteFruDataRequest<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match data {
            [id, lo, hi, rest @ ..] if !rest.is_empty() => Ok(WriteFruDataRequest {
                fru_device_id: *id,
                offset: u16::from_le_bytes([*lo, *hi]),
                data: rest,
            }),
            _ => Err(Error::Truncated),
        }
    }
    fn buffer_len(&self) -> usize {
        3 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.data.is_empty() {
            return Err(Error::InvalidField);
        }
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        b[0] = self.fru_device_id;
        b[1..3].copy_from_slice(&self.offset.to_le_bytes());
        b[3..].copy_from_slice(self.data);
        Ok(len)
    }
}

/// The response: count written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CountWritten {
    /// Bytes (or words) written.
    pub count: u8,
}

impl<'a> Body<'a> for CountWritten {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [count] = *exact::<1>(data)?;
        Ok(CountWritten { count })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        out_slice::<1>(out)?[0] = self.count;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let req = [0, 0x10, 0x00, b'a', b'b'];
        let r = WriteFruDataRequest::parse(&req).unwrap();
        assert_eq!((r.fru_device_id, r.offset, r.data), (0, 16, &b"ab"[..]));
        let mut out = [0u8; 5];
        assert_eq!(r.emit(&mut out), Ok(5));
        assert_eq!(out, req);
        assert_eq!(r.emit(&mut out[..4]), Err(Error::BufferTooSmall));
        assert!(WriteFruDataRequest::parse(&req[..3]).is_err());
        let c = CountWritten::parse(&[2]).unwrap();
        assert_eq!(c.emit(&mut out), Ok(1));
        assert!(CountWritten::parse(&[]).is_err());
    }
}

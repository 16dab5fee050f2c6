//! Clear SEL (NetFn Storage, 0x47): erase the log. The request quotes a reservation from
//! Reserve SEL and the letters "CLR" (a guard against stray writes), then AAh to start erasing
//! or 00h to ask how far it got. `ipmitool sel clear` sends AAh once; `ipmi-sel --clear` starts
//! and then polls until the erasure completed bit is set. It needs Operator.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Clear SEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClearSel;

impl Command for ClearSel {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x47;
    type Request<'a> = ClearSelRequest;
    type Response<'a> = ErasureProgress;
}

/// The guard letters of the request.
pub const CLR: [u8; 3] = *b"CLR";

open_enum! {
    /// What the request asks for (byte 6).
    pub enum ClearOp {
        /// 00h: get erasure status.
        GetStatus = 0x00,
        /// AAh: initiate erase.
        Initiate = 0xAA,
    }
}

/// The request: reservation id, "CLR", operation (IPMI v2.0 table 31-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClearSelRequest {
    /// Reservation id from Reserve SEL.
    pub reservation_id: u16,
    /// Initiate erase or get status.
    pub op: ClearOp,
}

impl<'a> Body<'a> for ClearSelRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<6>(data)?;
        if d[2..5] != CLR {
            return Err(Error::InvalidField);
        }
        Ok(ClearSelRequest {
            reservation_id: u16::from_le_bytes([d[0], d[1]]),
            op: ClearOp::from(d[5]),
        })
    }
    fn buffer_len(&self) -> usize {
        6
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<6>(out)?;
        b[0..2].copy_from_slice(&self.reservation_id.to_le_bytes());
        b[2..5].copy_from_slice(&CLR);
        b[5] = u8::from(self.op);
        Ok(6)
    }
}

/// Erasure progress bit 0: erasure completed (0 = in progress).
pub const ERASURE_COMPLETED: u8 = 0x01;

/// The response: erasure progress (bits 3:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ErasureProgress {
    /// Progress byte: [`ERASURE_COMPLETED`] once done.
    pub progress: u8,
}

impl<'a> Body<'a> for ErasureProgress {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [progress] = *exact::<1>(data)?;
        Ok(ErasureProgress { progress })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        out_slice::<1>(out)?[0] = self.progress;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ipmitool `sel clear` with reservation 0003h.
    const REQ: [u8; 6] = [0x03, 0x00, b'C', b'L', b'R', 0xAA];

    #[test]
    fn round_trip() {
        let r = ClearSelRequest::parse(&REQ).unwrap();
        assert_eq!((r.reservation_id, r.op), (3, ClearOp::Initiate));
        let mut out = [0u8; 6];
        assert_eq!(r.emit(&mut out), Ok(6));
        assert_eq!(out, REQ);
        assert_eq!(r.emit(&mut out[..5]), Err(Error::BufferTooSmall));
        assert_eq!(
            ClearSelRequest::parse(&[3, 0, b'C', b'L', b'X', 0xAA]),
            Err(Error::InvalidField)
        );
        assert_eq!(
            ClearSelRequest::parse(&[3, 0, b'C', b'L', b'R', 0x55]).map(|r| r.op),
            Ok(ClearOp::Unknown(0x55))
        );
        let p = ErasureProgress::parse(&[1]).unwrap();
        assert_eq!(p.progress, ERASURE_COMPLETED);
        assert_eq!(p.emit(&mut out[..1]), Ok(1));
        assert!(ErasureProgress::parse(&[]).is_err());
    }
}

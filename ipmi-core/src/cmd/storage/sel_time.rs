//! Get SEL Time (NetFn Storage, 0x48) and Set SEL Time (0x49): the BMC's clock for time stamps,
//! seconds since 1970-01-01 UTC (values up to 20000000h count from BMC initialisation instead).
//! `ipmitool sel time get/set` and `ipmi-sel --get-time`; setting needs Operator.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get SEL Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSelTime;

impl Command for GetSelTime {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x48;
    type Request<'a> = crate::cmd::app::Empty;
    type Response<'a> = SelTime;
}

/// Marker for Set SEL Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSelTime;

impl Command for SetSelTime {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x49;
    type Request<'a> = SelTime;
    type Response<'a> = crate::cmd::app::Empty;
}

/// Time stamps at or below this count seconds since the BMC started, not since 1970.
pub const POST_INIT_MAX: u32 = 0x2000_0000;

/// A SEL time: 4 bytes, little-endian seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SelTime {
    /// Seconds since 1970-01-01 UTC (or since initialisation, up to [`POST_INIT_MAX`]).
    pub time: u32,
}

impl<'a> Body<'a> for SelTime {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Ok(SelTime {
            time: u32::from_le_bytes(*exact::<4>(data)?),
        })
    }
    fn buffer_len(&self) -> usize {
        4
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        *out_slice::<4>(out)? = self.time.to_le_bytes();
        Ok(4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        // 2024-01-01 00:00:00 UTC.
        let t = SelTime::parse(&[0x80, 0x00, 0x92, 0x65]).unwrap();
        assert_eq!(t.time, 1_704_067_200);
        let mut out = [0u8; 4];
        assert_eq!(t.emit(&mut out), Ok(4));
        assert_eq!(out, [0x80, 0x00, 0x92, 0x65]);
        assert_eq!(t.emit(&mut out[..3]), Err(Error::BufferTooSmall));
        assert!(SelTime::parse(&[0; 5]).is_err());
    }
}

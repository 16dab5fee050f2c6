//! Reserve SEL (NetFn Storage, 0x42): a reservation id that Clear SEL (and partial Get SEL
//! Entry reads) must quote; clearing the log cancels it. `ipmitool sel clear` reserves first.
use super::reserve_sdr_repository::Reservation;
use crate::cmd::Command;
use crate::NetFn;

/// Marker for Reserve SEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReserveSel;

impl Command for ReserveSel {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x42;
    type Request<'a> = crate::cmd::app::Empty;
    type Response<'a> = Reservation;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    #[test]
    fn round_trip() {
        let r = <ReserveSel as Command>::Response::parse(&[0x02, 0x00]).unwrap();
        assert_eq!(r.reservation_id, 2);
        let mut out = [0u8; 2];
        assert_eq!(r.emit(&mut out), Ok(2));
        assert_eq!(out, [2, 0]);
    }
}

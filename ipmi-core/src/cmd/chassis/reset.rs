//! Chassis Reset (NetFn Chassis, 0x03): no request or response data. The specification resets
//! the chassis device; this BMC's dispatcher treats it as a hard reset of the system, as the
//! providers it drives know no other reset.
use super::Empty;
use crate::cmd::Command;
use crate::NetFn;

/// Marker for Chassis Reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChassisReset;

impl Command for ChassisReset {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x03;
    type Request<'a> = Empty;
    type Response<'a> = Empty;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    #[test]
    fn empty_both_ways() {
        assert_eq!(<ChassisReset as Command>::Request::parse(&[]), Ok(Empty));
        assert_eq!(
            <ChassisReset as Command>::Response::parse(&[1]),
            Err(crate::Error::TooLong)
        );
        assert_eq!(ChassisReset::CMD, 0x03);
    }
}

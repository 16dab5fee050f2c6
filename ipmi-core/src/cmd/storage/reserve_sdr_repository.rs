//! Reserve SDR Repository (NetFn Storage, 0x22): a reservation id that partial reads (Get SDR
//! with a non-zero offset) must quote, so a reader notices when the repository changed.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Reserve SDR Repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReserveSdrRepository;

impl Command for ReserveSdrRepository {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x22;
    type Request<'a> = crate::cmd::app::Empty;
    type Response<'a> = Reservation;
}

/// A reservation id (2 bytes, little-endian). Also the Reserve SEL response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Reservation {
    /// Reservation id (never 0).
    pub reservation_id: u16,
}

impl<'a> Body<'a> for Reservation {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<2>(data)?;
        Ok(Reservation {
            reservation_id: u16::from_le_bytes(*d),
        })
    }
    fn buffer_len(&self) -> usize {
        2
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        *out_slice::<2>(out)? = self.reservation_id.to_le_bytes();
        Ok(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = Reservation::parse(&[0x34, 0x12]).unwrap();
        assert_eq!(r.reservation_id, 0x1234);
        let mut out = [0u8; 2];
        assert_eq!(r.emit(&mut out), Ok(2));
        assert_eq!(out, [0x34, 0x12]);
        assert!(Reservation::parse(&[1]).is_err());
        assert!(Reservation::parse(&[1, 2, 3]).is_err());
    }
}

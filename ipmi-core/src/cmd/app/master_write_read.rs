//! Master Write-Read (App 0x52): a raw I2C transaction on the IPMB or a private bus behind the
//! BMC (FRU EEPROMs, a node's own controller seen as a plain I2C slave).
//!
//! Request: bus (b0 type: 0 public/IPMB, 1 private · b3:1 bus id · b7:4 channel) · slave address
//! (b7:1, b0 reserved) · read count · data to write (0..N). Response: the bytes read.
//! Completion codes: 0x81 lost arbitration, 0x82 bus error, 0x83 NAK on write, 0x84 truncated
//! read.
use crate::{Error, NetFn};

/// Master Write-Read (App 0x52).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MasterWriteRead;

impl crate::cmd::Command for MasterWriteRead {
    const NETFN: NetFn = NetFn::App;
    const CMD: u8 = 0x52;
    type Request<'a> = MasterWriteReadRequest<'a>;
    type Response<'a> = MasterWriteReadResponse<'a>;
}

/// The Master Write-Read request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MasterWriteReadRequest<'a> {
    /// b0: a private bus (true) or the public one of `channel` (false).
    pub private_bus: bool,
    /// b3:1: bus id (private buses).
    pub bus_id: u8,
    /// b7:4: channel (public buses).
    pub channel: u8,
    /// The 8-bit slave address (bit 0 always 0).
    pub slave_address: u8,
    /// Bytes to read after the write.
    pub read_count: u8,
    /// Bytes to write.
    pub write_data: &'a [u8],
}

impl<'a> crate::cmd::Body<'a> for MasterWriteReadRequest<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        if data.len() < 3 {
            return Err(Error::Truncated);
        }
        Ok(MasterWriteReadRequest {
            private_bus: super::bit(data[0], 0),
            bus_id: (data[0] >> 1) & 0x07,
            channel: data[0] >> 4,
            slave_address: data[1] & 0xFE,
            read_count: data[2],
            write_data: &data[3..],
        })
    }
    fn buffer_len(&self) -> usize {
        3 + self.write_data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = super::flag(self.private_bus, 0)
            | super::fit(self.bus_id, 0x07)? << 1
            | super::fit(self.channel, 0x0F)? << 4;
        buf[1] = super::fit(self.slave_address, 0xFE)?;
        buf[2] = self.read_count;
        buf[3..].copy_from_slice(self.write_data);
        Ok(len)
    }
}

/// The Master Write-Read response: the bytes read.
pub type MasterWriteReadResponse<'a> = crate::cmd::Bytes<'a>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    #[test]
    fn round_trips() {
        // ipmitool i2c bus=public 0xa0 16 0x00: channel 0, public bus, read 16 after writing 0.
        let r = check_exact!(MasterWriteReadRequest<'_>, &[0x00, 0xA0, 0x10, 0x00]);
        assert!(!r.private_bus);
        assert_eq!(r.slave_address, 0xA0);
        assert_eq!(r.read_count, 16);
        assert_eq!(r.write_data, &[0x00]);
        let r = check_exact!(MasterWriteReadRequest<'_>, &[0x73, 0x72, 0x01]);
        assert!(r.private_bus);
        assert_eq!((r.bus_id, r.channel), (1, 7));
        check_exact!(MasterWriteReadResponse<'_>, &[1, 2, 3]);
        for n in 0..3 {
            assert_eq!(
                MasterWriteReadRequest::parse(&[0, 0, 0][..n]),
                Err(Error::Truncated)
            );
        }
        // Bit 0 of the slave address is reserved: ignored when parsing.
        assert_eq!(
            MasterWriteReadRequest::parse(&[0x00, 0xA1, 0x01]).map(|r| r.slave_address),
            Ok(0xA0)
        );
    }

    no_input_panics!(MasterWriteReadRequest<'_>, MasterWriteReadResponse<'_>);
}

//! Get FRU Inventory Area Info (NetFn Storage, 0x10): how big FRU device `fru_device_id` is and
//! whether it is read by bytes or words. `ipmitool fru print` and `ipmi-fru` ask first, then
//! read the common header and the areas it points to with Read FRU Data.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get FRU Inventory Area Info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetFruInventoryAreaInfo;

impl Command for GetFruInventoryAreaInfo {
    const NETFN: NetFn = NetFn::Storage;
    const CMD: u8 = 0x10;
    type Request<'a> = FruDeviceId;
    type Response<'a> = FruInventoryAreaInfo;
}

/// A request that is one FRU device id (00h is the BMC's own FRU, FFh reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FruDeviceId {
    /// FRU device id.
    pub fru_device_id: u8,
}

impl<'a> Body<'a> for FruDeviceId {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [fru_device_id] = *exact::<1>(data)?;
        Ok(FruDeviceId { fru_device_id })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        out_slice::<1>(out)?[0] = self.fru_device_id;
        Ok(1)
    }
}

/// The response: area size in bytes and the access unit (IPMI v2.0 table 34-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FruInventoryAreaInfo {
    /// FRU inventory area size in bytes.
    pub area_size: u16,
    /// Device is accessed by words (bit 0 set) rather than bytes; other bits reserved.
    pub access: u8,
}

impl FruInventoryAreaInfo {
    /// Whether the device is accessed by words.
    pub fn by_words(&self) -> bool {
        self.access & 0x01 != 0
    }
}

impl<'a> Body<'a> for FruInventoryAreaInfo {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let d = exact::<3>(data)?;
        Ok(FruInventoryAreaInfo {
            area_size: u16::from_le_bytes([d[0], d[1]]),
            access: d[2],
        })
    }
    fn buffer_len(&self) -> usize {
        3
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = out_slice::<3>(out)?;
        b[..2].copy_from_slice(&self.area_size.to_le_bytes());
        b[2] = self.access;
        Ok(3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = FruDeviceId::parse(&[0]).unwrap();
        assert_eq!(r.fru_device_id, 0);
        assert!(FruDeviceId::parse(&[0, 1]).is_err());
        // 256 bytes, byte access.
        let i = FruInventoryAreaInfo::parse(&[0x00, 0x01, 0x00]).unwrap();
        assert_eq!((i.area_size, i.by_words()), (256, false));
        let mut out = [0u8; 3];
        assert_eq!(i.emit(&mut out), Ok(3));
        assert_eq!(out, [0, 1, 0]);
        assert_eq!(i.emit(&mut out[..2]), Err(Error::BufferTooSmall));
        assert!(FruInventoryAreaInfo::parse(&[0, 1]).is_err());
    }
}

//! Get Device ID (App 0x01): who the BMC is. ipmitool `mc info` and freeipmi `bmc-info` print it,
//! and ipmitool sends it as a probe in every lanplus session.
//!
//! Request: no data. Response: 11 bytes, or 15 with the auxiliary firmware revision; freeipmi
//! rejects any other length, so the parser does too.
use super::{bit, fit, flag, Empty};
use crate::cmd::Body;
use crate::Error;

app_command! {
    /// Get Device ID (App 0x01).
    GetDeviceId, 0x01, Empty, GetDeviceIdResponse
}

/// IPMI version byte for IPMI 2.0 (BCD, minor in bits 7:4, major in 3:0).
pub const IPMI_VERSION_2_0: u8 = 0x02;
/// IPMI version byte for IPMI 1.5.
pub const IPMI_VERSION_1_5: u8 = 0x51;

/// Additional Device Support (response byte 6): the logical devices the BMC implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AdditionalDeviceSupport {
    /// Bit 7: chassis device.
    pub chassis: bool,
    /// Bit 6: bridge.
    pub bridge: bool,
    /// Bit 5: IPMB event generator.
    pub ipmb_event_generator: bool,
    /// Bit 4: IPMB event receiver.
    pub ipmb_event_receiver: bool,
    /// Bit 3: FRU inventory device.
    pub fru_inventory: bool,
    /// Bit 2: SEL device.
    pub sel: bool,
    /// Bit 1: SDR repository device.
    pub sdr_repository: bool,
    /// Bit 0: sensor device.
    pub sensor: bool,
}

impl AdditionalDeviceSupport {
    /// Decodes the support byte.
    pub const fn from_byte(b: u8) -> Self {
        AdditionalDeviceSupport {
            chassis: bit(b, 7),
            bridge: bit(b, 6),
            ipmb_event_generator: bit(b, 5),
            ipmb_event_receiver: bit(b, 4),
            fru_inventory: bit(b, 3),
            sel: bit(b, 2),
            sdr_repository: bit(b, 1),
            sensor: bit(b, 0),
        }
    }
    /// Encodes the support byte.
    pub const fn to_byte(self) -> u8 {
        flag(self.chassis, 7)
            | flag(self.bridge, 6)
            | flag(self.ipmb_event_generator, 5)
            | flag(self.ipmb_event_receiver, 4)
            | flag(self.fru_inventory, 3)
            | flag(self.sel, 2)
            | flag(self.sdr_repository, 1)
            | flag(self.sensor, 0)
    }
}

/// The Get Device ID response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetDeviceIdResponse {
    /// Device ID (byte 1).
    pub device_id: u8,
    /// Byte 2 bit 7: the device provides device SDRs.
    pub provides_device_sdrs: bool,
    /// Byte 2 bits 3:0: device revision.
    pub device_revision: u8,
    /// Byte 3 bit 7 ("device available"): 1 = firmware/SDR update or self-initialization in
    /// progress, 0 = normal operation (ipmitool prints "Device Available: yes" for 0).
    pub update_in_progress: bool,
    /// Byte 3 bits 6:0: major firmware revision (binary).
    pub firmware_major: u8,
    /// Byte 4: minor firmware revision, BCD (0x08 prints as ".08"); see [`bcd`].
    pub firmware_minor: u8,
    /// Byte 5: IPMI version, BCD with the minor digit in bits 7:4 ([`IPMI_VERSION_2_0`]).
    pub ipmi_version: u8,
    /// Byte 6: additional device support.
    pub additional_device_support: AdditionalDeviceSupport,
    /// Bytes 7-9: IANA manufacturer id, 20 bits, little-endian.
    pub manufacturer_id: u32,
    /// Bytes 10-11: product id, little-endian.
    pub product_id: u16,
    /// Bytes 12-15, optional: auxiliary firmware revision information.
    pub aux_firmware_revision: Option<[u8; 4]>,
}

/// `value` (0..=99) as two BCD digits, for the minor firmware revision; `None` above 99.
pub const fn bcd(value: u8) -> Option<u8> {
    if value > 99 {
        None
    } else {
        Some(((value / 10) << 4) | (value % 10))
    }
}

impl GetDeviceIdResponse {
    /// Length without the auxiliary firmware revision.
    pub const LEN: usize = 11;
    /// Length with the auxiliary firmware revision.
    pub const LEN_WITH_AUX: usize = 15;

    fn fixed(&self) -> Result<[u8; 11], Error> {
        if self.manufacturer_id > 0x000F_FFFF {
            return Err(Error::InvalidField);
        }
        let m = self.manufacturer_id.to_le_bytes();
        let p = self.product_id.to_le_bytes();
        Ok([
            self.device_id,
            flag(self.provides_device_sdrs, 7) | fit(self.device_revision, 0x0F)?,
            flag(self.update_in_progress, 7) | fit(self.firmware_major, 0x7F)?,
            self.firmware_minor,
            self.ipmi_version,
            self.additional_device_support.to_byte(),
            m[0],
            m[1],
            m[2],
            p[0],
            p[1],
        ])
    }
}

impl<'a> Body<'a> for GetDeviceIdResponse {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let aux_firmware_revision = match data.len() {
            0..=10 => return Err(Error::Truncated),
            11 => None,
            12..=14 => return Err(Error::Truncated),
            15 => Some([data[11], data[12], data[13], data[14]]),
            _ => return Err(Error::TooLong),
        };
        Ok(GetDeviceIdResponse {
            device_id: data[0],
            provides_device_sdrs: bit(data[1], 7),
            device_revision: data[1] & 0x0F,
            update_in_progress: bit(data[2], 7),
            firmware_major: data[2] & 0x7F,
            firmware_minor: data[3],
            ipmi_version: data[4],
            additional_device_support: AdditionalDeviceSupport::from_byte(data[5]),
            manufacturer_id: u32::from_le_bytes([data[6], data[7], data[8] & 0x0F, 0]),
            product_id: u16::from_le_bytes([data[9], data[10]]),
            aux_firmware_revision,
        })
    }

    fn buffer_len(&self) -> usize {
        if self.aux_firmware_revision.is_some() {
            Self::LEN_WITH_AUX
        } else {
            Self::LEN
        }
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let fixed = self.fixed()?;
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        out[..Self::LEN].copy_from_slice(&fixed);
        if let Some(aux) = self.aux_firmware_revision {
            out[Self::LEN..].copy_from_slice(&aux);
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;

    // ipmi_sim's answer to ipmitool `mc info` (v15-password-ipmitool-4cmds.txt, and every *-4cmds
    // vector): ipmitool printed Device ID 0, Device Revision 3, Firmware Revision 9.08, IPMI 2.0,
    // Manufacturer ID 4753, Product ID 3842, Device Available yes, Provides Device SDRs no.
    const SIM: &str = "00030908029f911200020f00000000";
    // fakebmc.py's 11-byte answer (cs03-ipmitool-power-status-vs-fakebmc.txt).
    const FAKE: &str = "20010100028f0000000000";

    #[test]
    fn deconstruct_ipmi_sim() {
        let r = check_exact!(GetDeviceIdResponse, &hex::<15>(SIM));
        assert_eq!(r.device_id, 0);
        assert_eq!(r.device_revision, 3);
        assert!(!r.provides_device_sdrs);
        assert!(!r.update_in_progress);
        assert_eq!(r.firmware_major, 9);
        assert_eq!(r.firmware_minor, 0x08);
        assert_eq!(r.ipmi_version, IPMI_VERSION_2_0);
        let s = r.additional_device_support;
        assert!(s.chassis && s.ipmb_event_receiver && s.fru_inventory && s.sel);
        assert!(s.sdr_repository && s.sensor && !s.bridge && !s.ipmb_event_generator);
        assert_eq!(r.manufacturer_id, 4753);
        assert_eq!(r.product_id, 3842);
        assert_eq!(r.aux_firmware_revision, Some([0; 4]));
    }

    #[test]
    fn deconstruct_fakebmc() {
        let r = check_exact!(GetDeviceIdResponse, &hex::<11>(FAKE));
        assert_eq!(r.device_id, 0x20);
        assert_eq!(r.device_revision, 1);
        assert_eq!(r.firmware_major, 1);
        assert_eq!(r.firmware_minor, 0);
        assert_eq!(r.additional_device_support.to_byte(), 0x8f);
        assert_eq!(r.manufacturer_id, 0);
        assert_eq!(r.aux_firmware_revision, None);
    }

    #[test]
    fn construct() {
        let r = GetDeviceIdResponse {
            device_id: 0,
            provides_device_sdrs: false,
            device_revision: 3,
            update_in_progress: false,
            firmware_major: 9,
            firmware_minor: bcd(8).unwrap(),
            ipmi_version: IPMI_VERSION_2_0,
            additional_device_support: AdditionalDeviceSupport::from_byte(0x9f),
            manufacturer_id: 4753,
            product_id: 0x0f02,
            aux_firmware_revision: Some([0; 4]),
        };
        let mut out = [0u8; 15];
        assert_eq!(r.emit(&mut out), Ok(15));
        assert_eq!(out, hex::<15>(SIM));
        assert_eq!(bcd(42), Some(0x42));
        assert_eq!(bcd(100), None);
        for bad in [
            GetDeviceIdResponse {
                manufacturer_id: 0x10_0000,
                ..r
            },
            GetDeviceIdResponse {
                device_revision: 0x10,
                ..r
            },
            GetDeviceIdResponse {
                firmware_major: 0x80,
                ..r
            },
        ] {
            assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
        }
    }

    #[test]
    fn lengths_other_than_11_or_15_rejected() {
        let sim = hex::<15>(SIM);
        let mut long = [0u8; 17];
        long[..15].copy_from_slice(&sim);
        for n in 0..=16 {
            let r = GetDeviceIdResponse::parse(&long[..n]);
            match n {
                11 | 15 => assert!(r.is_ok()),
                16 => assert_eq!(r, Err(Error::TooLong)),
                _ => assert_eq!(r, Err(Error::Truncated), "len {n}"),
            }
        }
        assert_eq!(Empty::parse(&[0]), Err(Error::TooLong));
    }

    no_input_panics!(GetDeviceIdResponse, Empty);
}

//! Get Chassis Capabilities (NetFn Chassis, 0x00): which chassis features exist and the
//! addresses of the FRU, SDR, SEL and system management devices.
use super::Empty;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Get Chassis Capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetChassisCapabilities;

impl Command for GetChassisCapabilities {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x00;
    type Request<'a> = Empty;
    type Response<'a> = ChassisCapabilities;
}

/// The Get Chassis Capabilities response: 5 bytes, or 6 with the bridge device address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChassisCapabilities {
    /// Capabilities flags bit 0: a physical security (intrusion) sensor exists.
    pub intrusion_sensor: bool,
    /// Bit 1: front panel lockout is provided.
    pub front_panel_lockout: bool,
    /// Bit 2: diagnostic interrupt (FP NMI) is provided.
    pub diagnostic_interrupt: bool,
    /// Bit 3: power interlock is provided.
    pub power_interlock: bool,
    /// Chassis FRU info device address.
    pub fru_device_address: u8,
    /// Chassis SDR device address.
    pub sdr_device_address: u8,
    /// Chassis SEL device address.
    pub sel_device_address: u8,
    /// Chassis system management device address.
    pub system_management_device_address: u8,
    /// Chassis bridge device address (optional; absent means the BMC, 0x20).
    pub bridge_device_address: Option<u8>,
}

impl<'a> Body<'a> for ChassisCapabilities {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (fixed, bridge) = match data.len() {
            0..=4 => return Err(Error::Truncated),
            5 => (data, None),
            6 => (&data[..5], data.get(5).copied()),
            _ => return Err(Error::TooLong),
        };
        let flags = fixed[0];
        Ok(ChassisCapabilities {
            intrusion_sensor: flags & 0x01 != 0,
            front_panel_lockout: flags & 0x02 != 0,
            diagnostic_interrupt: flags & 0x04 != 0,
            power_interlock: flags & 0x08 != 0,
            fru_device_address: fixed[1],
            sdr_device_address: fixed[2],
            sel_device_address: fixed[3],
            system_management_device_address: fixed[4],
            bridge_device_address: bridge,
        })
    }

    fn buffer_len(&self) -> usize {
        5 + usize::from(self.bridge_device_address.is_some())
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = u8::from(self.intrusion_sensor)
            | u8::from(self.front_panel_lockout) << 1
            | u8::from(self.diagnostic_interrupt) << 2
            | u8::from(self.power_interlock) << 3;
        buf[1] = self.fru_device_address;
        buf[2] = self.sdr_device_address;
        buf[3] = self.sel_device_address;
        buf[4] = self.system_management_device_address;
        if let Some(bridge) = self.bridge_device_address {
            buf[5] = bridge;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Not in the captures; layout per IPMI v2.0 table 28-2, the values ipmi_sim and OpenBMC
    // answer with (no features; FRU/SDR/SEL/SM device all the BMC at 0x20).
    const BMC: [u8; 5] = [0x00, 0x20, 0x20, 0x20, 0x20];
    const WITH_BRIDGE: [u8; 6] = [0x0f, 0x20, 0x20, 0x20, 0x20, 0x20];

    #[test]
    fn deconstruct() {
        let c = ChassisCapabilities::parse(&WITH_BRIDGE).unwrap();
        assert!(c.intrusion_sensor && c.front_panel_lockout);
        assert!(c.diagnostic_interrupt && c.power_interlock);
        assert_eq!(c.bridge_device_address, Some(0x20));
        let c = ChassisCapabilities::parse(&BMC).unwrap();
        assert_eq!(c.fru_device_address, 0x20);
        assert_eq!(c.bridge_device_address, None);
        assert!(!c.intrusion_sensor);
    }

    mod response {
        use super::*;
        body_checks!(
            ChassisCapabilities,
            [&BMC[..], &WITH_BRIDGE[..]],
            [&[][..], &[0u8; 4][..], &[0u8; 7][..]]
        );
    }
}

//! Get Chassis Status (NetFn Chassis, 0x01): power state, faults, restore policy, last power
//! event, miscellaneous chassis state and (optionally) the front panel button capabilities.
use super::power_restore_policy::PowerRestorePolicy;
use super::Empty;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Get Chassis Status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetChassisStatus;

impl Command for GetChassisStatus {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x01;
    type Request<'a> = Empty;
    type Response<'a> = ChassisStatus;
}

/// Chassis identify state (misc chassis state bits 5:4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IdentifyState {
    /// 0: off.
    #[default]
    Off,
    /// 1: temporary (timed) on.
    TimedOn,
    /// 2: indefinite on.
    IndefiniteOn,
    /// 3: reserved.
    Reserved,
}

impl IdentifyState {
    const fn from_bits(bits: u8) -> Self {
        match bits & 0x03 {
            0 => IdentifyState::Off,
            1 => IdentifyState::TimedOn,
            2 => IdentifyState::IndefiniteOn,
            _ => IdentifyState::Reserved,
        }
    }
    const fn bits(self) -> u8 {
        match self {
            IdentifyState::Off => 0,
            IdentifyState::TimedOn => 1,
            IdentifyState::IndefiniteOn => 2,
            IdentifyState::Reserved => 3,
        }
    }
}

/// Last power event bits (byte 2), kept as the byte: several may be set at once.
pub mod last_power_event {
    /// Bit 0: AC failed.
    pub const AC_FAILED: u8 = 0x01;
    /// Bit 1: power down caused by a power overload.
    pub const POWER_OVERLOAD: u8 = 0x02;
    /// Bit 2: power down caused by the power interlock being activated.
    pub const POWER_INTERLOCK: u8 = 0x04;
    /// Bit 3: power down caused by a power fault.
    pub const POWER_FAULT: u8 = 0x08;
    /// Bit 4: last power-on was entered via an IPMI command.
    pub const POWER_ON_BY_IPMI: u8 = 0x10;
}

/// The Get Chassis Status response: 3 bytes, or 4 with the front panel button byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChassisStatus {
    /// Current power state bit 0: system power is on.
    pub power_on: bool,
    /// Bit 1: power overload.
    pub power_overload: bool,
    /// Bit 2: interlock active.
    pub power_interlock: bool,
    /// Bit 3: main power fault.
    pub main_power_fault: bool,
    /// Bit 4: power control fault.
    pub power_control_fault: bool,
    /// Bits 6:5: power restore policy (3 = unknown).
    pub restore_policy: PowerRestorePolicy,
    /// Byte 2: last power event (see [`last_power_event`]); bits 7:5 reserved.
    pub last_power_event: u8,
    /// Misc chassis state bit 0: chassis intrusion active.
    pub intrusion: bool,
    /// Bit 1: front panel lockout active.
    pub front_panel_lockout: bool,
    /// Bit 2: drive fault.
    pub drive_fault: bool,
    /// Bit 3: cooling/fan fault detected.
    pub cooling_fault: bool,
    /// Bits 5:4: chassis identify state (valid only when `identify_supported`).
    pub identify_state: IdentifyState,
    /// Bit 6: chassis identify command and state info supported.
    pub identify_supported: bool,
    /// Optional byte 4: front panel button capabilities and disable/enable status.
    pub front_panel_buttons: Option<u8>,
}

impl<'a> Body<'a> for ChassisStatus {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (power, event, misc, buttons) = match *data {
            [p, e, m] => (p, e, m, None),
            [p, e, m, b] => (p, e, m, Some(b)),
            [] | [_] | [_, _] => return Err(Error::Truncated),
            _ => return Err(Error::TooLong),
        };
        Ok(ChassisStatus {
            power_on: power & 0x01 != 0,
            power_overload: power & 0x02 != 0,
            power_interlock: power & 0x04 != 0,
            main_power_fault: power & 0x08 != 0,
            power_control_fault: power & 0x10 != 0,
            restore_policy: PowerRestorePolicy::from_bits(power >> 5),
            last_power_event: event & 0x1F,
            intrusion: misc & 0x01 != 0,
            front_panel_lockout: misc & 0x02 != 0,
            drive_fault: misc & 0x04 != 0,
            cooling_fault: misc & 0x08 != 0,
            identify_state: IdentifyState::from_bits(misc >> 4),
            identify_supported: misc & 0x40 != 0,
            front_panel_buttons: buttons,
        })
    }

    fn buffer_len(&self) -> usize {
        3 + usize::from(self.front_panel_buttons.is_some())
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = u8::from(self.power_on)
            | u8::from(self.power_overload) << 1
            | u8::from(self.power_interlock) << 2
            | u8::from(self.main_power_fault) << 3
            | u8::from(self.power_control_fault) << 4
            | self.restore_policy.bits() << 5;
        buf[1] = self.last_power_event & 0x1F;
        buf[2] = u8::from(self.intrusion)
            | u8::from(self.front_panel_lockout) << 1
            | u8::from(self.drive_fault) << 2
            | u8::from(self.cooling_fault) << 3
            | self.identify_state.bits() << 4
            | u8::from(self.identify_supported) << 6;
        if let Some(b) = self.front_panel_buttons {
            buf[3] = b;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ipmi_sim's answer to `ipmitool chassis status`
    // (../shared/vectors/txt/v15-password-ipmitool-4cmds.txt, datagram 20: data=010000).
    const SIM: [u8; 3] = [0x01, 0x00, 0x00];
    // Off, policy previous, last event "on via IPMI", identify indefinite + supported, buttons.
    const FULL: [u8; 4] = [0x3e, 0x10, 0x6f, 0xff];

    #[test]
    fn deconstruct() {
        let s = ChassisStatus::parse(&SIM).unwrap();
        assert!(s.power_on);
        assert_eq!(s.restore_policy, PowerRestorePolicy::AlwaysOff);
        assert_eq!(s.last_power_event, 0);
        assert!(!s.identify_supported);
        assert_eq!(s.front_panel_buttons, None);
        let s = ChassisStatus::parse(&FULL).unwrap();
        assert!(!s.power_on);
        assert!(s.power_overload && s.power_interlock && s.main_power_fault);
        assert!(s.power_control_fault);
        assert_eq!(s.restore_policy, PowerRestorePolicy::Previous);
        assert_eq!(s.last_power_event, last_power_event::POWER_ON_BY_IPMI);
        assert!(s.intrusion && s.front_panel_lockout && s.drive_fault && s.cooling_fault);
        assert_eq!(s.identify_state, IdentifyState::IndefiniteOn);
        assert!(s.identify_supported);
        assert_eq!(s.front_panel_buttons, Some(0xff));
    }

    #[test]
    fn construct() {
        let s = ChassisStatus {
            power_on: true,
            ..Default::default()
        };
        let mut out = [0u8; 8];
        let n = s.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &SIM);
    }

    mod response {
        use super::*;
        body_checks!(
            ChassisStatus,
            [&SIM[..], &FULL[..]],
            [&[][..], &[1u8][..], &[1u8, 0][..], &[0u8; 5][..]]
        );
    }

    mod request {
        use super::*;
        body_checks!(Empty, [&[][..]], [&[0u8][..]]);
    }
}

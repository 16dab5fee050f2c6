//! Set / Get ACPI Power State (App 0x06 / 0x07): the power states system software last
//! reported to the BMC. `ipmiutil health` reads it; an answer of C1 makes it print an error.
//!
//! Set request: system state (b7 = set it, b6:0 the state) · device state (b7 = set it, b6:0).
//! Get response: system state (b6:0) · device state (b6:0). A state code is an open value:
//! 0x00 S0/G0 working .. 0x05 S5/G2 soft off, 0x20 legacy on, 0x21 legacy off, 0x2A unknown.
use super::Empty;
use crate::Error;

app_command! {
    /// Set ACPI Power State (App 0x06).
    SetAcpiPowerState, 0x06, SetAcpiPowerStateRequest, Empty
}

app_command! {
    /// Get ACPI Power State (App 0x07).
    GetAcpiPowerState, 0x07, Empty, AcpiPowerState
}

/// "Unknown": the state code a BMC reports before system software set one.
pub const ACPI_STATE_UNKNOWN: u8 = 0x2A;

/// The two ACPI power states (Get response; also what Set may change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AcpiPowerState {
    /// System power state (7 bits).
    pub system: u8,
    /// Device power state (7 bits).
    pub device: u8,
}

impl AcpiPowerState {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(AcpiPowerState {
            system: b[0] & 0x7F,
            device: b[1] & 0x7F,
        })
    }
    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([
            super::fit(self.system, 0x7F)?,
            super::fit(self.device, 0x7F)?,
        ])
    }
}

fixed_body!(AcpiPowerState, 2);

/// The Set ACPI Power State request: each state only when its "set" bit is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetAcpiPowerStateRequest {
    /// New system power state, if it is to change.
    pub system: Option<u8>,
    /// New device power state, if it is to change.
    pub device: Option<u8>,
}

impl SetAcpiPowerStateRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        let pick = |x: u8| (x & 0x80 != 0).then_some(x & 0x7F);
        Ok(SetAcpiPowerStateRequest {
            system: pick(b[0]),
            device: pick(b[1]),
        })
    }
    fn encode(&self) -> Result<[u8; 2], Error> {
        let put = |x: Option<u8>| match x {
            Some(v) => super::fit(v, 0x7F).map(|v| v | 0x80),
            None => Ok(0),
        };
        Ok([put(self.system)?, put(self.device)?])
    }
}

fixed_body!(SetAcpiPowerStateRequest, 2);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;

    #[test]
    fn round_trips() {
        let r = check_exact!(AcpiPowerState, &[0x00, 0x00]);
        assert_eq!(r.system, 0);
        let s = check_exact!(SetAcpiPowerStateRequest, &[0x85, 0x00]);
        assert_eq!(s.system, Some(5));
        assert_eq!(s.device, None);
        assert_eq!(GetAcpiPowerState::CMD, 0x07);
        assert_eq!(SetAcpiPowerState::CMD, 0x06);
    }

    #[test]
    fn lengths() {
        check_lengths!(AcpiPowerState, &[0x2A, 0x2A]);
        check_lengths!(SetAcpiPowerStateRequest, &[0x80, 0x80]);
    }

    no_input_panics!(AcpiPowerState, SetAcpiPowerStateRequest);
}

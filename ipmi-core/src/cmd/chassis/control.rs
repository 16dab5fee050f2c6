//! Chassis Control (NetFn Chassis, 0x02): power down, up, cycle, hard reset, diagnostic
//! interrupt, soft shutdown. One request byte; no response data.
use super::Empty;
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Chassis Control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChassisControl;

impl Command for ChassisControl {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x02;
    type Request<'a> = ChassisControlRequest;
    type Response<'a> = Empty;
}

/// Chassis Control operations (Chassis Control data byte 1, bits 3:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ControlOp {
    /// 0: power down (hard off).
    PowerDown,
    /// 1: power up.
    PowerUp,
    /// 2: power cycle (off, then on).
    PowerCycle,
    /// 3: hard reset.
    HardReset,
    /// 4: pulse diagnostic interrupt.
    PulseDiagnosticInterrupt,
    /// 5: soft shutdown via ACPI.
    SoftShutdown,
}

impl ControlOp {
    /// The operation for a code, `None` for the reserved codes 6..15.
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => ControlOp::PowerDown,
            1 => ControlOp::PowerUp,
            2 => ControlOp::PowerCycle,
            3 => ControlOp::HardReset,
            4 => ControlOp::PulseDiagnosticInterrupt,
            5 => ControlOp::SoftShutdown,
            _ => return None,
        })
    }
    /// The code on the wire.
    pub const fn code(self) -> u8 {
        match self {
            ControlOp::PowerDown => 0,
            ControlOp::PowerUp => 1,
            ControlOp::PowerCycle => 2,
            ControlOp::HardReset => 3,
            ControlOp::PulseDiagnosticInterrupt => 4,
            ControlOp::SoftShutdown => 5,
        }
    }
    /// Whether the operation starts the system (so boot flags apply to it).
    pub const fn boots(self) -> bool {
        matches!(
            self,
            ControlOp::PowerUp | ControlOp::PowerCycle | ControlOp::HardReset
        )
    }
}

/// The Chassis Control request: one byte, bits 3:0 the operation (bits 7:4 reserved, ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChassisControlRequest {
    /// The operation.
    pub op: ControlOp,
}

impl<'a> Body<'a> for ChassisControlRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [byte] = *exact::<1>(data)?;
        let op = ControlOp::from_code(byte & 0x0F).ok_or(Error::InvalidField)?;
        Ok(ChassisControlRequest { op })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        out_slice::<1>(out)?[0] = self.op.code();
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ipmitool chassis power off|on|cycle|reset|diag|soft` (IPMI v2.0 table 28-3).
    const ALL: [[u8; 1]; 6] = [[0], [1], [2], [3], [4], [5]];

    #[test]
    fn deconstruct() {
        assert_eq!(
            ChassisControlRequest::parse(&[0x01]).unwrap().op,
            ControlOp::PowerUp
        );
        assert_eq!(
            ChassisControlRequest::parse(&[0x05]).unwrap().op,
            ControlOp::SoftShutdown
        );
        for code in 6..=15 {
            assert_eq!(
                ChassisControlRequest::parse(&[code]),
                Err(Error::InvalidField)
            );
        }
        for code in 0..=5 {
            assert_eq!(ControlOp::from_code(code).map(ControlOp::code), Some(code));
        }
        assert!(ControlOp::PowerCycle.boots() && !ControlOp::SoftShutdown.boots());
    }

    mod request {
        use super::*;
        body_checks!(
            ChassisControlRequest,
            ALL.iter().map(|b| &b[..]),
            [&[][..], &[1u8, 0][..]]
        );
    }
}

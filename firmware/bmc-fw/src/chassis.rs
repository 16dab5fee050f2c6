//! The platform side of the BMC: what each board does for a chassis action.
//!
//! The endpoint never touches hardware: it hands out an [`Action`] and waits for an
//! [`ActionResult`]. [`crate::lines::LineChassis`] implements [`Chassis`] on
//! the board's lines, and [`perform`] maps actions onto it.
use ipmi_core::bmc::{Action, ActionResult, BootFlags, ControlOp};

use crate::sensors::BoardSensors;

/// What a board can do to the machine it manages. Methods are async so that a board can hold a
/// power button for seconds without stopping the network: the BMC task keeps answering other
/// requests meanwhile.
#[allow(async_fn_in_trait)] // single-threaded executor: no Send bound wanted
pub trait Chassis {
    /// Whether system power is on (a power-good line, or the emulated state).
    async fn power_is_on(&mut self) -> bool;
    /// Chassis Control: power up/down/cycle, hard reset, diagnostic interrupt, soft shutdown.
    /// `boot` are the boot flags in force for a boot this causes.
    async fn control(&mut self, op: ControlOp, boot: Option<BootFlags>) -> ActionResult;
    /// Chassis Identify: blink for `seconds` (0 = off), or until told otherwise when `force`.
    async fn identify(&mut self, seconds: u8, force: bool) -> ActionResult;
    /// Boot flags were set (System Boot Options parameter 5). Most boards only remember them.
    async fn set_boot_flags(&mut self, flags: BootFlags) -> ActionResult {
        let _ = flags;
        ActionResult::Done
    }
}

/// Runs one endpoint action on the board; `power_on` is the host's power state as last
/// sampled (configured sensor readings follow it).
pub async fn perform<C: Chassis, S: BoardSensors>(
    chassis: &mut C,
    sensors: &mut S,
    power_on: bool,
    action: Action,
) -> ActionResult {
    match action {
        Action::PowerStatus => ActionResult::Power { on: chassis.power_is_on().await },
        Action::Control { op, boot } => chassis.control(op, boot).await,
        Action::Identify { seconds, force } => chassis.identify(seconds, force).await,
        Action::SetBootFlags(flags) => chassis.set_boot_flags(flags).await,
        Action::ReadSensor { number, .. } => {
            ActionResult::Reading { raw: crate::sensors::read(sensors, number, power_on).await }
        }
        // No board has controllers behind it (no bridge targets are set), so this is never
        // asked; if it were, nobody acknowledges the address.
        Action::Bridge { .. } => ActionResult::Failed(ipmi_core::cmd::app::send_message::NAK_ON_WRITE),
    }
}

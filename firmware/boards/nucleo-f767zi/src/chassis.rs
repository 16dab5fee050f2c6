//! The chassis on GPIO lines (see `pins.rs` for which and how they are wired).
use bmc_fw::Chassis;
use embassy_stm32::gpio::{Input, Output, OutputOpenDrain};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use embassy_time::{Duration, Instant, Timer};
use ipmi_core::bmc::{ActionResult, BootFlags, ControlOp};
use ipmi_core::CompletionCode;

use crate::pins;

/// Identify requests for [`identify_task`]: `Some(deadline)` on until then, `None` off.
pub static IDENTIFY: Signal<CriticalSectionRawMutex, Option<Option<Instant>>> = Signal::new();

/// Power button, reset and power-good lines.
pub struct GpioChassis {
    pub power_button: OutputOpenDrain<'static>,
    pub reset: OutputOpenDrain<'static>,
    pub power_good: Input<'static>,
}

async fn press(line: &mut OutputOpenDrain<'static>, how_long: Duration) {
    line.set_low();
    Timer::after(how_long).await;
    line.set_high();
}

impl Chassis for GpioChassis {
    async fn power_is_on(&mut self) -> bool {
        self.power_good.is_high()
    }

    async fn control(&mut self, op: ControlOp, boot: Option<BootFlags>) -> ActionResult {
        let on = self.power_good.is_high();
        bmc_fw::info!("chassis: {} (power good {}, boot device {})", op, on, boot.map(|b| b.device).unwrap_or(0));
        match op {
            ControlOp::PowerUp => {
                if !on {
                    press(&mut self.power_button, pins::SHORT_PRESS).await;
                }
            }
            ControlOp::PowerDown => {
                if on {
                    press(&mut self.power_button, pins::FORCE_OFF_HOLD).await;
                }
            }
            ControlOp::SoftShutdown => {
                if on {
                    press(&mut self.power_button, pins::SHORT_PRESS).await;
                }
            }
            ControlOp::PowerCycle => {
                if on {
                    press(&mut self.power_button, pins::FORCE_OFF_HOLD).await;
                    Timer::after(pins::CYCLE_PAUSE).await;
                }
                press(&mut self.power_button, pins::SHORT_PRESS).await;
            }
            ControlOp::HardReset => press(&mut self.reset, pins::RESET_PULSE).await,
            // No NMI line is wired.
            ControlOp::PulseDiagnosticInterrupt => {
                return ActionResult::Failed(CompletionCode::InvalidDataField);
            }
        }
        ActionResult::Done
    }

    async fn identify(&mut self, seconds: u8, force: bool) -> ActionResult {
        IDENTIFY.signal(match (force, seconds) {
            (true, _) => Some(None),
            (false, 0) => None,
            (false, s) => Some(Some(Instant::now() + Duration::from_secs(u64::from(s)))),
        });
        ActionResult::Done
    }
}

/// Blinks the identify LED while asked to.
#[embassy_executor::task]
pub async fn identify_task(mut led: Output<'static>) -> ! {
    let mut until: Option<Option<Instant>> = None;
    loop {
        match until {
            None => {
                led.set_low();
                until = IDENTIFY.wait().await;
            }
            Some(deadline) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    until = None;
                    continue;
                }
                led.toggle();
                if let embassy_futures::select::Either::Second(next) =
                    embassy_futures::select::select(Timer::after_millis(250), IDENTIFY.wait()).await
                {
                    until = next;
                }
            }
        }
    }
}

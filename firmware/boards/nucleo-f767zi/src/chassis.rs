//! The board lines on GPIO (see `pins.rs` for which pins and how they are wired).
use bmc_fw::lines::{InputLine, OutputLine};
use embassy_stm32::gpio::{Input, Output, OutputOpenDrain};

/// A front-panel switch line: open drain, pressed = pulled low.
pub struct Switch(pub OutputOpenDrain<'static>);

impl OutputLine for Switch {
    fn set_active(&mut self, active: bool) {
        if active {
            self.0.set_low()
        } else {
            self.0.set_high()
        }
    }
}

/// The identify LED: push-pull, lit = high.
pub struct Led(pub Output<'static>);

impl OutputLine for Led {
    fn set_active(&mut self, active: bool) {
        if active {
            self.0.set_high()
        } else {
            self.0.set_low()
        }
    }
}

/// Power good: high = system power on.
pub struct PowerGood(pub Input<'static>);

impl InputLine for PowerGood {
    fn is_active(&mut self) -> bool {
        self.0.is_high()
    }
}

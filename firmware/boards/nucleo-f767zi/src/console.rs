//! The configuration console ([`bmc_fw::console`]) on USART3, the ST-LINK's virtual COM port
//! (PD8 TX, PD9 RX, wired to the ST-LINK on the board: no jumper, no cable but the USB one):
//! 115200 8N1, e.g. `picocom -b 115200 /dev/ttyACM0`. embassy-stm32's interrupt-driven
//! `BufferedUart`: received bytes wait in a small buffer until the console polls them.
use core::mem::ManuallyDrop;

use bmc_fw::console::ConsolePort;
use embassy_stm32::usart::BufferedUart;

/// The virtual COM port's bit rate.
pub const BAUD: u32 = 115_200;
/// Receive buffer: a pasted line or two between two polls (the console polls every 5 ms).
pub const RX_BUFFER: usize = 128;
/// Transmit buffer: `show` and `help` are a few hundred bytes; a longer write waits for room.
pub const TX_BUFFER: usize = 128;

/// The USART and its pins (TX, RX), for the board's `main`. Fixed by the board: the ST-LINK's
/// virtual COM port.
macro_rules! console_pins {
    ($p:ident) => {
        ($p.USART3, $p.PD8, $p.PD9)
    };
}
pub(crate) use console_pins;

/// The console port. Never dropped (the BMC task runs for ever): `ManuallyDrop` leaves the
/// driver's deinit code out of the image.
pub struct Vcp(pub ManuallyDrop<BufferedUart<'static>>);

impl ConsolePort for Vcp {
    fn read_byte(&mut self) -> Option<u8> {
        // Only read what is buffered: a blocking read would stall the executor.
        if !embedded_io::ReadReady::read_ready(&mut *self.0).unwrap_or(false) {
            return None;
        }
        let mut b = [0u8; 1];
        match embedded_io::Read::read(&mut *self.0, &mut b) {
            Ok(1) => Some(b[0]),
            _ => None,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        // Blocks while the transmit buffer is full (at most ~30 ms for `help`).
        let _ = embedded_io::Write::write_all(&mut *self.0, bytes);
    }

    fn reset(&mut self) -> ! {
        // Let "saved: restarting" leave the UART before the reset.
        let _ = embedded_io::Write::flush(&mut *self.0);
        cortex_m::peripheral::SCB::sys_reset()
    }
}

//! Serial over LAN on USART6 (pins in `pins.rs`): embassy-stm32's interrupt-driven
//! `BufferedUart`, 8N1 at the SOL bit rate (115.2 kbit/s until a console sets another).
use bmc_fw::sol::SerialPort;
use embassy_stm32::usart::BufferedUart;

/// The bit rate the port starts with, and takes for "the port's own setting".
pub const DEFAULT_BAUD: u32 = 115_200;
/// Receive buffer: what arrives while the BMC is busy (about 22 ms at 115.2 kbit/s).
pub const RX_BUFFER: usize = 256;
/// Transmit buffer (console keystrokes are short).
pub const TX_BUFFER: usize = 64;

/// The machine's serial console.
pub struct Usart(pub BufferedUart<'static>);

impl SerialPort for Usart {
    async fn read(&mut self, buf: &mut [u8]) -> usize {
        loop {
            // The buffered driver has no read errors to report (an overrun drops bytes).
            if let Ok(n @ 1..) = embedded_io_async::Read::read(&mut self.0, buf).await {
                return n;
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        // A write longer than the buffer is refused as a whole: go in pieces.
        for piece in bytes.chunks(TX_BUFFER) {
            let _ = embedded_io_async::Write::write_all(&mut self.0, piece).await;
        }
    }

    fn set_bit_rate(&mut self, bits_per_second: Option<u32>) {
        if self.0.set_baudrate(bits_per_second.unwrap_or(DEFAULT_BAUD)).is_err() {
            bmc_fw::warn!("sol: USART6 cannot run at {} bit/s", bits_per_second.unwrap_or(DEFAULT_BAUD));
        }
    }

    fn send_break(&mut self) {
        self.0.send_break();
    }
}

//! Serial over LAN on USART6 (pins in `pins.rs`): embassy-stm32's interrupt-driven
//! `BufferedUart`, 8N1 at the SOL bit rate (115.2 kbit/s until a console sets another).
use bmc_fw::sol::SerialPort;
use core::mem::ManuallyDrop;

use embassy_stm32::usart::BufferedUart;

/// The bit rate the port starts with, and takes for "the port's own setting".
pub const DEFAULT_BAUD: u32 = 115_200;
/// Receive buffer: what arrives while the BMC is busy (about 22 ms at 115.2 kbit/s).
pub const RX_BUFFER: usize = 256;
/// Transmit buffer (console keystrokes are short).
pub const TX_BUFFER: usize = 64;

/// The machine's serial console. Never dropped (the BMC task runs for ever): `ManuallyDrop`
/// leaves the driver's deinit code out of the image.
pub struct Usart(pub ManuallyDrop<BufferedUart<'static>>);

impl SerialPort for Usart {
    async fn read(&mut self, buf: &mut [u8]) -> usize {
        // The buffered driver has no read errors to report (an overrun drops bytes).
        let Ok(data) = embedded_io_async::BufRead::fill_buf(&mut *self.0).await else { return 0 };
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        embedded_io_async::BufRead::consume(&mut *self.0, n);
        n
    }

    async fn write(&mut self, mut bytes: &[u8]) {
        // A write longer than the buffer is refused as a whole: go in pieces.
        while !bytes.is_empty() {
            match embedded_io_async::Write::write(&mut *self.0, &bytes[..bytes.len().min(TX_BUFFER)]).await {
                Ok(n) => bytes = &bytes[n..],
                Err(_) => return,
            }
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

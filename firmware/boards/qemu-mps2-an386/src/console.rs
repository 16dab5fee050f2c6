//! The configuration console ([`bmc_fw::console`]) on the machine's first UART (CMSDK APB
//! UART0 at 0x4000_4000, QEMU's first `-serial`): `qemu.sh PORT` puts it on the terminal, a
//! test on a socket (`-chardev socket,id=console,... -serial chardev:console`).
use bmc_fw::console::ConsolePort;

const UART0: usize = 0x4000_4000;
const DATA: usize = 0x000;
const STATE: usize = 0x004;
const CTRL: usize = 0x008;
const BAUDDIV: usize = 0x010;
const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;

fn reg(offset: usize) -> *mut u32 {
    (UART0 + offset) as *mut u32
}

/// UART0 as the console.
pub struct Uart0;

impl Uart0 {
    /// Enables UART0's transmitter and receiver.
    pub fn new() -> Self {
        // SAFETY: UART0 is only used by this module; plain MMIO register writes.
        unsafe {
            reg(BAUDDIV).write_volatile(16);
            reg(CTRL).write_volatile(CTRL_TX_EN | CTRL_RX_EN);
        }
        Uart0
    }
}

impl ConsolePort for Uart0 {
    fn read_byte(&mut self) -> Option<u8> {
        // SAFETY: MMIO reads of UART0 (see `new`).
        unsafe { (reg(STATE).read_volatile() & STATE_RX_FULL != 0).then(|| reg(DATA).read_volatile() as u8) }
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            // SAFETY: MMIO reads/writes of UART0 (see `new`).
            unsafe {
                while reg(STATE).read_volatile() & STATE_TX_FULL != 0 {}
                reg(DATA).write_volatile(u32::from(b));
            }
        }
    }

    fn reset(&mut self) -> ! {
        cortex_m::peripheral::SCB::sys_reset()
    }
}

//! The chassis lines of the QEMU board, on the machine's second UART (CMSDK APB UART1 at
//! 0x4000_5000, QEMU's `-serial` #2), so that a test can see and drive them.
//!
//! Protocol (ASCII): the board writes one line per edge of an output line, `POWER 1` / `POWER 0`
//! (power button pressed / released), `RESET 1|0`, `NMI 1|0`, `LED 1|0` (identify LED). The
//! test writes single bytes: `1` / `0` sets the power-good input, and lines `S <number> <value>`
//! set a sensor's reading (see [`crate::sensors`]). Until the first such byte the
//! board models a mainboard itself (any press of the power button while off turns power on, any
//! press while on turns it off), so `qemu.sh PORT` with nothing on UART1 behaves like a machine.
//! `firmware/lines-harness.py` is the test's side (it models the mainboard and logs each edge
//! with the host's time).
use core::sync::atomic::{AtomicBool, Ordering};

use bmc_fw::lines::{InputLine, OutputLine, Timings};
use embassy_time::{Duration, Timer};

const UART1: usize = 0x4000_5000;
const DATA: usize = 0x000;
const STATE: usize = 0x004;
const CTRL: usize = 0x008;
const BAUDDIV: usize = 0x010;
const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;

/// The timings of this board's emulated mainboard: ATX press and reset, a 4 s forced off (the
/// ATX minimum, so tests stay short), 1 s between off and on.
pub const TIMINGS: Timings = Timings {
    press: Duration::from_millis(200),
    hard_off: Duration::from_millis(4_000),
    reset: Duration::from_millis(200),
    cycle_pause: Duration::from_millis(1_000),
    nmi: Duration::from_millis(100),
    debounce: Duration::from_millis(20),
};

/// The power-good level (from the test, or from the built-in model).
static POWER_GOOD: AtomicBool = AtomicBool::new(false);
/// Set once the test has sent a power-good byte: from then on only the test sets it.
static EXTERNAL: AtomicBool = AtomicBool::new(false);

fn reg(offset: usize) -> *mut u32 {
    (UART1 + offset) as *mut u32
}

/// Enables UART1's transmitter and receiver.
pub fn init() {
    // SAFETY: UART1 is only used by this module; plain MMIO register writes.
    unsafe {
        reg(BAUDDIV).write_volatile(16);
        reg(CTRL).write_volatile(CTRL_TX_EN | CTRL_RX_EN);
    }
}

fn write(bytes: &[u8]) {
    for &b in bytes {
        // SAFETY: MMIO reads/writes of UART1 (see `init`).
        unsafe {
            while reg(STATE).read_volatile() & STATE_TX_FULL != 0 {}
            reg(DATA).write_volatile(u32::from(b));
        }
    }
}

/// An output line reported on UART1 under `name`.
pub struct UartLine {
    name: &'static [u8],
    /// The power button also drives the built-in mainboard model.
    models_power: bool,
    active: bool,
}

impl UartLine {
    /// The front-panel power button.
    pub const fn power_button() -> Self {
        UartLine { name: b"POWER", models_power: true, active: false }
    }
    /// A line that only reports its edges.
    pub const fn new(name: &'static [u8]) -> Self {
        UartLine { name, models_power: false, active: false }
    }
}

impl OutputLine for UartLine {
    fn set_active(&mut self, active: bool) {
        write(self.name);
        write(if active { b" 1\n" } else { b" 0\n" });
        // Built-in model: a press (on release) toggles power, unless the test drives it.
        if self.models_power && self.active && !active && !EXTERNAL.load(Ordering::Acquire) {
            POWER_GOOD.store(!POWER_GOOD.load(Ordering::Acquire), Ordering::Release);
        }
        self.active = active;
    }
}

/// The power-good input.
pub struct PowerGood;

impl InputLine for PowerGood {
    fn is_active(&mut self) -> bool {
        POWER_GOOD.load(Ordering::Acquire)
    }
}

/// Reads what the test sends on UART1 (the receive FIFO is one byte deep, so poll often).
#[embassy_executor::task]
pub async fn rx_task() -> ! {
    // Sensor readings set by the test come on this UART too (`S <number> <value>`).
    let mut sensor_line = crate::sensors::LineParser::new();
    loop {
        // SAFETY: MMIO reads of UART1 (see `init`).
        while unsafe { reg(STATE).read_volatile() } & STATE_RX_FULL != 0 {
            let b = unsafe { reg(DATA).read_volatile() } as u8;
            if sensor_line.feed(b) {
                continue;
            }
            match b {
                b'0' | b'1' => {
                    if !EXTERNAL.swap(true, Ordering::AcqRel) {
                        bmc_fw::info!("lines: power good is driven over UART1 from now on");
                    }
                    POWER_GOOD.store(b == b'1', Ordering::Release);
                }
                _ => {}
            }
        }
        Timer::after_millis(2).await;
    }
}

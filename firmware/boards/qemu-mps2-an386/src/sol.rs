//! Serial over LAN on the machine's third UART (CMSDK APB UART2 at 0x4000_6000, receive
//! interrupt 4, QEMU's third `-serial`): what the managed machine's console would be wired to.
//! `qemu.sh` puts it on a Unix socket by default; a test plays the machine on it.
//!
//! Emulation-only details:
//! - the UART's receive buffer is one byte deep and QEMU's model does not tell its I/O loop
//!   when the guest has read it, so the next byte would wait for the next timer (1 ms). The
//!   receive interrupt therefore moves each byte into a ring and arms TIMER0 (CMSDK APB timer
//!   at 0x4000_0000, interrupt off) to expire 1 us later, which wakes QEMU's I/O loop at once.
//!   When the ring is full the byte stays in the UART and QEMU holds the rest in the socket:
//!   nothing is lost (a real UART would overrun);
//! - the emulated line has no speed: [`Uart2`] paces what it hands the BMC at the SOL bit rate
//!   (115.2 kbit/s = 11,520 bytes/s by default; `sol set ... serial` leaves it unpaced), as a
//!   real serial line does (freeipmi's ipmiconsole has no flow control and gives up when a BMC
//!   outruns it);
//! - the UDP port consoles reach the BMC at is the host's forwarded port, not 623: `qemu.sh`
//!   passes it as `-append sol-port=PORT`, read here through semihosting (SYS_GET_CMDLINE).
use core::cell::RefCell;
use core::future::poll_fn;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Poll;

use bmc_fw::sol::SerialPort;
use critical_section::{CriticalSection, Mutex};
use embassy_sync::waitqueue::AtomicWaker;
use embassy_time::{Duration, Instant, Timer};
use heapless::Deque;

const UART2: usize = 0x4000_6000;
const DATA: usize = 0x000;
const STATE: usize = 0x004;
const CTRL: usize = 0x008;
const INTSTATUS: usize = 0x00C;
const BAUDDIV: usize = 0x010;
const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;
const CTRL_RX_INTEN: u32 = 1 << 3;
const INT_RX: u32 = 1 << 1;
/// UART2's receive interrupt on mps2-an385/an386 (QEMU hw/arm/mps2.c).
pub const RX_IRQ: u16 = 4;

const TIMER0: usize = 0x4000_0000;
const TIMER_CTRL: usize = 0x000;
const TIMER_VALUE: usize = 0x004;
const TIMER_CTRL_EN: u32 = 1 << 0;

/// The peripheral clock of mps2 machines.
const PCLK_HZ: u32 = 25_000_000;
/// Most bytes the paced line hands over at once after a pause (one SOL packet's worth).
const BURST: u32 = 160;

/// Received bytes the BMC has not taken yet.
static RING: Mutex<RefCell<Deque<u8, 256>>> = Mutex::new(RefCell::new(Deque::new()));
/// A byte waits in the UART because the ring was full.
static STALLED: AtomicBool = AtomicBool::new(false);
static WAKER: AtomicWaker = AtomicWaker::new();

fn reg(base: usize, offset: usize) -> *mut u32 {
    (base + offset) as *mut u32
}

/// Moves what UART2 holds into the ring, and wakes QEMU's I/O loop for the next byte.
fn drain(ring: &mut Deque<u8, 256>) {
    let mut got = false;
    // SAFETY: MMIO of UART2 and TIMER0, used by this module only.
    unsafe {
        while reg(UART2, STATE).read_volatile() & STATE_RX_FULL != 0 {
            if ring.is_full() {
                STALLED.store(true, Ordering::Relaxed);
                break;
            }
            let _ = ring.push_back(reg(UART2, DATA).read_volatile() as u8);
            got = true;
        }
        if got {
            reg(TIMER0, TIMER_VALUE).write_volatile(PCLK_HZ / 1_000_000);
        }
    }
}

/// UART2's receive interrupt.
///
/// # Safety
/// Only as the interrupt handler of [`RX_IRQ`].
pub unsafe extern "C" fn on_rx() {
    // Cleared before reading, so a byte arriving meanwhile raises it again.
    // SAFETY: W1C of UART2's interrupt status.
    unsafe { reg(UART2, INTSTATUS).write_volatile(INT_RX) };
    critical_section::with(|cs| drain(&mut RING.borrow_ref_mut(cs)));
    WAKER.wake();
}

/// Enables UART2 (receive interrupt on) and TIMER0 as the I/O loop's alarm; the board unmasks
/// [`RX_IRQ`] after this.
pub fn init() {
    // SAFETY: MMIO of UART2 and TIMER0, used by this module only.
    unsafe {
        reg(UART2, BAUDDIV).write_volatile(PCLK_HZ / 115_200);
        reg(UART2, CTRL).write_volatile(CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INTEN);
        // A count first: QEMU complains about a one-shot timer enabled at zero.
        reg(TIMER0, TIMER_VALUE).write_volatile(1);
        reg(TIMER0, TIMER_CTRL).write_volatile(TIMER_CTRL_EN);
    }
}

/// The UDP port to name in Activate Payload: `sol-port=N` on QEMU's command line (`-append`),
/// else 623.
pub fn udp_port() -> u16 {
    let port = crate::cmdline::word(b"sol-port=", |digits| {
        let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
        core::str::from_utf8(&digits[..end]).ok()?.parse().ok()
    });
    port.flatten().unwrap_or(bmc_fw::net::RMCP_PORT)
}

/// UART2 as the machine's serial port, paced at the SOL bit rate.
pub struct Uart2 {
    /// Bytes per second the line carries (`None`: unpaced).
    rate: Option<u32>,
    /// Bytes it may hand over now.
    allowance: u32,
    /// When `allowance` was last topped up.
    since: Instant,
}

impl Uart2 {
    /// UART2 (after [`init`]) at 115.2 kbit/s.
    pub fn new() -> Self {
        Uart2 { rate: Some(11_520), allowance: BURST, since: Instant::now() }
    }

    /// Tops the allowance up for the time passed.
    fn top_up(&mut self, rate: u32) {
        let us = self.since.elapsed().as_micros();
        let gained = us * u64::from(rate) / 1_000_000;
        if gained > 0 {
            self.allowance = (self.allowance + gained.min(u64::from(BURST)) as u32).min(BURST);
            self.since += Duration::from_micros(gained * 1_000_000 / u64::from(rate));
        }
    }
}

fn take(cs: CriticalSection<'_>, buf: &mut [u8]) -> usize {
    let mut ring = RING.borrow_ref_mut(cs);
    let mut n = 0;
    while n < buf.len() {
        let Some(b) = ring.pop_front() else { break };
        buf[n] = b;
        n += 1;
    }
    if n > 0 && STALLED.swap(false, Ordering::Relaxed) {
        drain(&mut ring);
    }
    n
}

impl SerialPort for Uart2 {
    async fn read(&mut self, buf: &mut [u8]) -> usize {
        let max = match self.rate {
            Some(rate) => loop {
                self.top_up(rate);
                if self.allowance > 0 {
                    break buf.len().min(self.allowance as usize);
                }
                Timer::after(Duration::from_micros(1_000_000 / u64::from(rate) + 1)).await;
            },
            None => buf.len(),
        };
        let n = poll_fn(|cx| {
            critical_section::with(|cs| {
                WAKER.register(cx.waker());
                match take(cs, &mut buf[..max]) {
                    0 => Poll::Pending,
                    n => Poll::Ready(n),
                }
            })
        })
        .await;
        if self.rate.is_some() {
            self.allowance -= n as u32;
        }
        n
    }

    async fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            // SAFETY: MMIO of UART2 (see `init`).
            unsafe {
                while reg(UART2, STATE).read_volatile() & STATE_TX_FULL != 0 {}
                reg(UART2, DATA).write_volatile(u32::from(b));
            }
        }
    }

    fn set_bit_rate(&mut self, bits_per_second: Option<u32>) {
        // Serial lines carry 10 bits a character (8N1).
        self.rate = bits_per_second.map(|b| (b / 10).max(1));
        if let Some(b) = bits_per_second {
            // SAFETY: MMIO of UART2 (see `init`); QEMU passes the rate to a host serial port.
            unsafe { reg(UART2, BAUDDIV).write_volatile(PCLK_HZ / b) };
        }
    }

    fn send_break(&mut self) {
        bmc_fw::info!("sol: the CMSDK UART cannot send a break (logged only)");
    }
}

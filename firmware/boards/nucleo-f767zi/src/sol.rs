//! Serial over LAN on USART6 (pins in `pins.rs`), 8N1 at the SOL bit rate (115.2 kbit/s until a
//! console sets another).
//!
//! A small interrupt-driven driver on embassy-stm32's register API (its clock, pin and
//! interrupt helpers, the PAC for the USART): embassy-stm32's `BufferedUart` does the same job
//! in 3.6 KiB more flash, which this image (128 KiB budget) does not have. The receive
//! interrupt puts each byte in a 256-byte ring (about 22 ms at 115.2 kbit/s; when it is full a
//! byte is dropped, as a UART overrun would); the BMC takes from it as the SOL console accepts.
//! Keystrokes go out byte by byte, yielding to the other tasks while the transmitter is busy.
use core::cell::RefCell;
use core::future::poll_fn;
use core::mem::ManuallyDrop;
use core::task::Poll;

use bmc_fw::sol::SerialPort;
use critical_section::Mutex;
use embassy_stm32::gpio::{AfType, Flex, OutputType, Pull, Speed};
use embassy_stm32::interrupt::typelevel::{Handler, Interrupt, USART6 as Usart6Irq};
use embassy_stm32::peripherals::USART6;
use embassy_stm32::usart::{RxPin, TxPin};
use embassy_stm32::{pac, Peri};
use embassy_sync::waitqueue::AtomicWaker;
use heapless::Deque;

/// The bit rate the port starts with, and takes for "the port's own setting".
pub const DEFAULT_BAUD: u32 = 115_200;
const REGS: pac::usart::Usart = pac::USART6;
/// USART6's clock: APB2, 216 MHz / 2 (the clock tree `main` sets up; USART6SEL at its reset
/// value, PCLK2).
const PCLK2_HZ: u32 = 108_000_000;

/// Received bytes the BMC has not taken yet.
static RX: Mutex<RefCell<Deque<u8, 256>>> = Mutex::new(RefCell::new(Deque::new()));
static RX_WAKER: AtomicWaker = AtomicWaker::new();

/// USART6's interrupt handler (bound in `main`).
pub struct Irq;

impl Handler<Usart6Irq> for Irq {
    unsafe fn on_interrupt() {
        let isr = REGS.isr().read();
        // Overrun, framing, noise and parity flags are cleared (the byte, if any, is kept).
        REGS.icr().write(|w| {
            w.set_ore(true);
            w.set_fe(true);
            w.set_ne(true);
            w.set_pe(true);
        });
        if isr.rxne() {
            let b = REGS.rdr().read().dr() as u8;
            critical_section::with(|cs| {
                let _ = RX.borrow_ref_mut(cs).push_back(b);
            });
            RX_WAKER.wake();
        }
    }
}

/// The machine's serial console on USART6.
pub struct Usart {
    /// TX and RX in their alternate function, kept so (never dropped: the BMC runs for ever).
    _pins: ManuallyDrop<(Flex<'static>, Flex<'static>)>,
}

impl Usart {
    /// Sets USART6 up on `tx` / `rx` at [`DEFAULT_BAUD`], receive interrupt on.
    pub fn new(
        _usart: Peri<'static, USART6>,
        tx: Peri<'static, impl TxPin<USART6>>,
        rx: Peri<'static, impl RxPin<USART6>>,
    ) -> Self {
        embassy_stm32::rcc::enable_and_reset::<USART6>();
        let (tx_af, rx_af) = (tx.af_num(), rx.af_num());
        let mut tx = Flex::new(tx);
        tx.set_as_af_unchecked(tx_af, AfType::output(OutputType::PushPull, Speed::Medium));
        let mut rx = Flex::new(rx);
        rx.set_as_af_unchecked(rx_af, AfType::input(Pull::Up));
        let mut port = Usart { _pins: ManuallyDrop::new((tx, rx)) };
        port.set_bit_rate(None);
        Usart6Irq::unpend();
        // SAFETY: the handler (`Irq`) only touches USART6's status and data and the ring.
        unsafe { Usart6Irq::enable() };
        port
    }
}

impl SerialPort for Usart {
    async fn read(&mut self, buf: &mut [u8]) -> usize {
        poll_fn(|cx| {
            critical_section::with(|cs| {
                RX_WAKER.register(cx.waker());
                let mut ring = RX.borrow_ref_mut(cs);
                let mut n = 0;
                while n < buf.len() {
                    let Some(b) = ring.pop_front() else { break };
                    buf[n] = b;
                    n += 1;
                }
                if n == 0 {
                    Poll::Pending
                } else {
                    Poll::Ready(n)
                }
            })
        })
        .await
    }

    async fn write(&mut self, bytes: &[u8]) {
        // Polled, but yielding while the transmitter is busy: a paste of 64 bytes takes 5.6 ms
        // at 115.2 kbit/s and 67 ms at 9.6, which the network loop must not wait for.
        for &b in bytes {
            while !REGS.isr().read().txe() {
                embassy_futures::yield_now().await;
            }
            REGS.tdr().write(|w| w.set_dr(u16::from(b)));
        }
    }

    fn set_bit_rate(&mut self, bits_per_second: Option<u32>) {
        let baud = bits_per_second.unwrap_or(DEFAULT_BAUD);
        // 16x oversampling; the divider may only change while the USART is disabled.
        REGS.cr1().write(|_| {});
        REGS.brr().write(|w| w.set_brr((PCLK2_HZ / baud) as u16));
        REGS.cr1().write(|w| {
            w.set_ue(true);
            w.set_te(true);
            w.set_re(true);
            w.set_rxneie(true);
        });
    }

    fn send_break(&mut self) {
        REGS.rqr().write(|w| w.set_sbkrq(true));
    }
}

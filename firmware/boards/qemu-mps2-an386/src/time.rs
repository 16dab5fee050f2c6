//! An embassy-time driver on SysTick: a 1 ms interrupt counts milliseconds and fires expired
//! timers. Millisecond resolution is plenty for a BMC (time-outs of seconds) and keeps QEMU's
//! host CPU use low; `now()` reports ticks of embassy-time's configured rate.
use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;
use critical_section::Mutex;
use embassy_time_driver::{Driver, TICK_HZ};
use embassy_time_queue_utils::Queue;

/// QEMU's mps2 machines clock the core (and SysTick) at 25 MHz.
const CORE_HZ: u32 = 25_000_000;
const TICKS_PER_MS: u64 = TICK_HZ / 1000;
const _: () = assert!(TICK_HZ % 1000 == 0, "embassy-time tick rate must be a multiple of 1 kHz");

struct SysTickDriver {
    millis: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    millis: Mutex::new(Cell::new(0)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.millis.borrow(cs).get()) * TICKS_PER_MS
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let now = self.millis.borrow(cs).get() * TICKS_PER_MS;
            let mut queue = self.queue.borrow_ref_mut(cs);
            queue.schedule_wake(at, waker);
            // Already due: fire now rather than at the next tick.
            if at <= now {
                queue.next_expiration(now);
            }
        });
    }
}

/// Starts the 1 ms SysTick interrupt.
pub fn init(syst: &mut SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / 1000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let millis = DRIVER.millis.borrow(cs);
        millis.set(millis.get() + 1);
        DRIVER.queue.borrow_ref_mut(cs).next_expiration(millis.get() * TICKS_PER_MS);
    });
}

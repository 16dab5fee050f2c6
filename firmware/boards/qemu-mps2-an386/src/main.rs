//! The BMC image for QEMU's `mps2-an386` machine (Cortex-M4, SMSC LAN9118 Ethernet).
//!
//! This board exists so that tests can boot the real firmware and drive it with ipmitool and
//! freeipmi. What is emulation-only here, and why:
//! - time: a SysTick-based embassy-time driver (1 ms tick, QEMU's 25 MHz system clock);
//! - executor: a thread-mode executor that sleeps in WFI (QEMU's WFE returns at once and would
//!   spin a host core at 100 %);
//! - logs: defmt frames over Arm semihosting on QEMU's stderr, decoded by `defmt-print` in
//!   qemu.sh (see [`defmt_log`]; feature `text-log`: plain text on its stdout instead);
//! - chassis lines: reported and driven over UART1 (see [`lines`]), with a built-in mainboard
//!   model until a test drives power good;
//! - randomness: [`rng::EmulationRng`], a SHA-256 generator seeded from the host's /dev/urandom
//!   through semihosting. NOT a hardware RNG: never use this board's image on real hardware.
#![no_std]
#![no_main]

mod cmdline;
mod console;
#[cfg(feature = "defmt")]
mod defmt_log;
mod flash;
mod lines;
mod rng;
mod sensors;
mod sol;
mod time;

use core::sync::atomic::{AtomicBool, Ordering};

use bmc_fw::{error, info};
use cortex_m::peripheral::NVIC;
use cortex_m_rt::{entry, exception};
use embassy_executor::raw::Executor;
use embassy_executor::Spawner;
use embassy_net::StackResources;
use lan9118::Lan9118;
use static_cell::StaticCell;

/// The LAN9118's interrupt line as a NVIC interrupt number.
#[derive(Clone, Copy)]
struct EthIrq;

// SAFETY: 13 is the LAN9118's line on mps2-an385/an386, below the 32 lines the machine has.
unsafe impl cortex_m::interrupt::InterruptNumber for EthIrq {
    fn number(self) -> u16 {
        lan9118::MPS2_IRQ
    }
}

/// UART2's receive interrupt (Serial over LAN).
#[derive(Clone, Copy)]
struct SolRxIrq;

// SAFETY: 4 is UART2's receive line on mps2-an385/an386, below the 32 lines the machine has.
unsafe impl cortex_m::interrupt::InterruptNumber for SolRxIrq {
    fn number(self) -> u16 {
        sol::RX_IRQ
    }
}

/// The device-specific part of the vector table: 32 external interrupts on mps2-an385/an386,
/// all unused except the Ethernet controller's and UART2's receive (Serial over LAN).
#[doc(hidden)]
pub union Vector {
    handler: unsafe extern "C" fn(),
    reserved: usize,
}

extern "C" {
    fn DefaultHandler();
}

unsafe extern "C" fn eth_irq() {
    lan9118::on_interrupt(lan9118::MPS2_BASE);
}

#[doc(hidden)]
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
pub static __INTERRUPTS: [Vector; 32] = {
    let mut v = [const { Vector { handler: DefaultHandler } }; 32];
    v[lan9118::MPS2_IRQ as usize] = Vector { handler: eth_irq };
    v[sol::RX_IRQ as usize] = Vector { handler: sol::on_rx };
    v
};

// Referenced so the linker keeps it; also documents that slot 0 is a real handler.
const _: () = {
    let _ = Vector { reserved: 0 };
};

/// The store on the emulated flash.
type Store = bmc_fw::store::Store<flash::RamFlash>;

/// Set by the executor's pender (a task was woken); cleared before each poll round.
static WORK: AtomicBool = AtomicBool::new(true);

#[unsafe(export_name = "__pender")]
fn pender(_context: *mut ()) {
    WORK.store(true, Ordering::Release);
}

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, Lan9118>) -> ! {
    runner.run().await
}

#[embassy_executor::task]
async fn bmc_task(stack: embassy_net::Stack<'static>, store: Store, saved: bmc_fw::store::Saved, mac: [u8; 6]) -> ! {
    let mut identity = ipmi_core::bmc::DeviceIdentity::default();
    // A GUID per boot (the emulator has no stable chip id); a config file may set a fixed one.
    let mut guid = [0u8; 16];
    rng::fill(&mut guid);
    guid[6] = (guid[6] & 0x0f) | 0x40;
    guid[8] = (guid[8] & 0x3f) | 0x80;
    identity.device_guid = guid;
    identity.system_guid = guid;
    let board = bmc_fw::bmc::Board { identity, mac, name: "qemu-mps2-an386" };
    let lines = bmc_fw::BoardLines {
        power_button: lines::UartLine::power_button(),
        reset: lines::UartLine::new(b"RESET"),
        nmi: Some(lines::UartLine::new(b"NMI")),
        power_good: lines::PowerGood,
        identify: lines::UartLine::new(b"LED"),
        timings: lines::TIMINGS,
    };
    let console = Some(console::Uart0::new());
    let sol = bmc_fw::sol::Sol { serial: sol::Uart2::new(), udp_port: sol::udp_port() };
    bmc_fw::bmc::run(stack, board, lines, rng::EmulationRng, store, saved, console, sensors::EmulatedSensors, sol).await
}

fn start(spawner: Spawner) {
    info!("qemu-mps2-an386 BMC image {} booting", env!("CARGO_PKG_VERSION"));
    // SAFETY: this is the only user of the LAN9118 (the interrupt handler only acknowledges).
    let eth = match unsafe { Lan9118::new(lan9118::MPS2_BASE, bmc_fw::config::MAC) } {
        Ok(eth) => eth,
        Err(e) => {
            error!("LAN9118 not found: {:?}", e);
            halt(1);
        }
    };
    let m = eth.mac();
    info!(
        "eth: LAN9118 id {:x}, MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        eth.id_rev(),
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5]
    );

    let mut store = bmc_fw::store::Store::new(flash::RamFlash, flash::STORE_A, flash::STORE_B, flash::SECTOR);
    let saved = bmc_fw::bmc::load_state(&mut store, flash::BLOB);

    let mut seed = [0u8; 8];
    rng::fill(&mut seed);
    static RESOURCES: StaticCell<StackResources<{ bmc_fw::net::SOCKETS }>> = StaticCell::new();
    let (stack, runner) = embassy_net::new(
        eth,
        bmc_fw::net::stack_config(&saved.network),
        RESOURCES.init(StackResources::new()),
        u64::from_le_bytes(seed),
    );
    // SAFETY: the handler only touches the LAN9118's INT_STS and an AtomicWaker.
    unsafe { NVIC::unmask(EthIrq) };
    spawner.spawn(net_task(runner).expect("net task"));
    lines::init();
    // Serial over LAN on UART2 (its receive interrupt moves bytes into a ring).
    sol::init();
    // SAFETY: the handler only touches UART2, TIMER0 and the ring under a critical section.
    unsafe { NVIC::unmask(SolRxIrq) };
    spawner.spawn(lines::rx_task().expect("lines task"));
    spawner.spawn(bmc_task(stack, store, saved, m).expect("bmc task"));
}

/// Ends the emulation (QEMU exits with `code`).
fn halt(code: i32) -> ! {
    cortex_m_semihosting::debug::exit(if code == 0 {
        cortex_m_semihosting::debug::EXIT_SUCCESS
    } else {
        cortex_m_semihosting::debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[entry]
fn main() -> ! {
    let mut core = cortex_m::Peripherals::take().expect("core peripherals");
    time::init(&mut core.SYST);
    rng::init();

    static EXECUTOR: StaticCell<Executor> = StaticCell::new();
    let executor: &'static Executor = EXECUTOR.init(Executor::new(core::ptr::null_mut()));
    start(executor.spawner());
    loop {
        WORK.store(false, Ordering::Release);
        // SAFETY: called from thread mode only, never re-entered.
        unsafe { executor.poll() };
        // Sleep until an interrupt, unless a task was woken meanwhile. Interrupts are masked
        // around the check so a wake-up between the check and WFI is not lost: WFI still wakes
        // on a pending interrupt, which then runs when they are unmasked.
        cortex_m::interrupt::disable();
        if !WORK.load(Ordering::Acquire) {
            cortex_m::asm::wfi();
        }
        // SAFETY: re-enables what was disabled just above.
        unsafe { cortex_m::interrupt::enable() };
    }
}

#[exception]
unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
    cortex_m_semihosting::hprintln!("HARD FAULT at pc {:#010x}", frame.pc());
    halt(2)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::hprintln!("PANIC: {}", info);
    halt(3)
}

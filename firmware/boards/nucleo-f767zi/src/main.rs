//! The BMC image for the ST NUCLEO-F767ZI board: the on-board Ethernet (RMII, LAN8742A PHY),
//! the STM32 hardware RNG, defmt logs over RTT, and GPIO lines to the managed machine's power
//! button, reset and power-good (see `pins.rs`), the configuration console on the ST-LINK's
//! virtual COM port (USART3, see `console.rs`). Flash it with `cargo run --release` from this
//! directory (probe-rs).
#![no_std]
#![no_main]

mod chassis;
mod console;
mod pins;
mod sensors;
mod sol;

use bmc_fw::info;
use embassy_executor::Spawner;
use embassy_net::StackResources;
use embassy_stm32::eth::{self, Ethernet, GenericPhy, PacketQueue, Sma};
use embassy_stm32::flash::{Blocking, Flash};
use embassy_stm32::gpio::{Input, Level, Output, OutputOpenDrain, Pull, Speed};
use embassy_stm32::peripherals::{ETH, ETH_SMA, RNG};
use embassy_stm32::rng::{self, Rng};
use embassy_stm32::time::Hertz;
use embassy_stm32::{bind_interrupts, Config};
use static_cell::StaticCell;
use {defmt_rtt as _, panic_probe as _};

bind_interrupts!(struct Irqs {
    ETH => eth::InterruptHandler;
    RNG => rng::InterruptHandler<RNG>;
    USART6 => sol::Irq;
    USART3 => embassy_stm32::usart::BufferedInterruptHandler<embassy_stm32::peripherals::USART3>;
});

/// The lines this board drives (no NMI line wired).
type Lines = bmc_fw::BoardLines<chassis::Switch, chassis::Switch, bmc_fw::NoLine, chassis::PowerGood, chassis::Led>;

/// The store in flash sectors 10 and 11 (see `flash_layout`).
type Store = bmc_fw::store::Store<Flash<'static, Blocking>>;

/// Where the store and the provisioning blob live in the 2 MiB single-bank flash (offsets from
/// 0x0800_0000). The image uses sectors 0-3 (128 KiB); sectors 10 and 11 (256 KiB each, at
/// 0x0818_0000 and 0x081C_0000) hold the store, sector 9 (0x0814_0000) the provisioning blob.
mod flash_layout {
    pub const BLOB: u32 = 0x14_0000;
    pub const STORE_A: u32 = 0x18_0000;
    pub const STORE_B: u32 = 0x1C_0000;
    pub const SECTOR: u32 = 0x4_0000;
}

type Device = Ethernet<'static, ETH, GenericPhy<Sma<'static, ETH_SMA>>>;

/// The endpoint's random source: the STM32 RNG peripheral (a true RNG).
struct HwRng(Rng<'static, RNG>);

impl rmcp::session::Random for HwRng {
    fn fill(&mut self, buf: &mut [u8]) {
        self.0.fill_bytes(buf);
    }
}

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, Device>) -> ! {
    runner.run().await
}

/// The board's serial ports and ADC, handed to the BMC task in one piece.
struct Io {
    sensors: sensors::ChipSensors,
    serial: sol::Usart,
    console: console::Vcp,
}

#[embassy_executor::task]
async fn bmc_task(
    stack: embassy_net::Stack<'static>,
    lines: Lines,
    rng: HwRng,
    store: Store,
    saved: bmc_fw::store::Saved,
    mac: [u8; 6],
    io: Io,
) -> ! {
    let Io { sensors, serial, console } = io;
    let mut identity = ipmi_core::bmc::DeviceIdentity::default();
    // A stable GUID from the chip's 96-bit unique id (RFC 4122 version 4 layout bits set).
    let uid = embassy_stm32::uid::uid();
    let mut guid = [0u8; 16];
    guid[..12].copy_from_slice(&uid);
    guid[12..].copy_from_slice(b"BMC1");
    guid[6] = (guid[6] & 0x0f) | 0x40;
    guid[8] = (guid[8] & 0x3f) | 0x80;
    identity.device_guid = guid;
    identity.system_guid = guid;
    let board = bmc_fw::bmc::Board { identity, mac, name: "nucleo-f767zi" };
    let sol = bmc_fw::sol::Sol { serial, udp_port: bmc_fw::net::RMCP_PORT };
    bmc_fw::bmc::run(stack, board, lines, rng, store, saved, Some(console), sensors, sol).await
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let mut config = Config::default();
    {
        use embassy_stm32::rcc::*;
        // 8 MHz from the ST-LINK's MCO; 216 MHz system clock; 48 MHz PLL Q for the RNG.
        config.rcc.hse = Some(Hse { freq: Hertz(8_000_000), mode: HseMode::Bypass });
        config.rcc.pll_src = PllSource::HSE;
        config.rcc.pll = Some(Pll {
            prediv: PllPreDiv::DIV4,
            mul: PllMul::MUL216,
            divp: Some(PllPDiv::DIV2),
            divq: Some(PllQDiv::DIV9),
            divr: None,
        });
        config.rcc.ahb_pre = AHBPrescaler::DIV1;
        config.rcc.apb1_pre = APBPrescaler::DIV4;
        config.rcc.apb2_pre = APBPrescaler::DIV2;
        config.rcc.sys = Sysclk::PLL1_P;
    }
    let p = embassy_stm32::init(config);
    info!("nucleo-f767zi BMC image {} booting", env!("CARGO_PKG_VERSION"));

    let mut rng = Rng::new(p.RNG, Irqs);
    let mut seed = [0u8; 8];
    rng.fill_bytes(&mut seed);

    // A locally administered MAC from the chip's unique id, unless the config sets one.
    let mac = bmc_fw::config::MAC.unwrap_or_else(|| {
        let uid = embassy_stm32::uid::uid();
        [
            0x02,
            0x00,
            uid[0] ^ uid[4],
            uid[1] ^ uid[5] ^ uid[8],
            uid[2] ^ uid[6] ^ uid[9],
            uid[3] ^ uid[7] ^ uid[10] ^ uid[11],
        ]
    });
    static PACKETS: StaticCell<PacketQueue<4, 4>> = StaticCell::new();
    let device = Ethernet::new(
        PACKETS.init(PacketQueue::<4, 4>::new()),
        p.ETH,
        Irqs,
        p.PA1,  // REF_CLK
        p.PA7,  // CRS_DV
        p.PC4,  // RXD0
        p.PC5,  // RXD1
        p.PG13, // TXD0
        p.PB13, // TXD1
        p.PG11, // TX_EN
        mac,
        p.ETH_SMA,
        p.PA2, // MDIO
        p.PC1, // MDC
    );

    let mut store = bmc_fw::store::Store::new(
        Flash::new_blocking(p.FLASH),
        flash_layout::STORE_A,
        flash_layout::STORE_B,
        flash_layout::SECTOR,
    );
    let saved = bmc_fw::bmc::load_state(&mut store, flash_layout::BLOB);

    static RESOURCES: StaticCell<StackResources<{ bmc_fw::net::SOCKETS }>> = StaticCell::new();
    let (stack, runner) = embassy_net::new(
        device,
        bmc_fw::net::stack_config(&saved.network),
        RESOURCES.init(StackResources::new()),
        u64::from_le_bytes(seed),
    );

    let (power_button, reset, power_good, identify) = pins::chassis_pins!(p);
    let lines = Lines {
        power_button: chassis::Switch(OutputOpenDrain::new(power_button, Level::High, Speed::Low)),
        reset: chassis::Switch(OutputOpenDrain::new(reset, Level::High, Speed::Low)),
        nmi: None,
        power_good: chassis::PowerGood(Input::new(power_good, Pull::Down)),
        identify: chassis::Led(Output::new(identify, Level::Low, Speed::Low)),
        timings: pins::TIMINGS,
    };

    // Serial over LAN: the machine's console on USART6 (pins.rs).
    let (usart, tx, rx) = pins::sol_pins!(p);
    let serial = sol::Usart::new(usart, tx, rx);

    // The configuration console on the ST-LINK's virtual COM port (console.rs).
    let (usart, tx, rx) = console::console_pins!(p);
    static CONSOLE_TX: StaticCell<[u8; console::TX_BUFFER]> = StaticCell::new();
    static CONSOLE_RX: StaticCell<[u8; console::RX_BUFFER]> = StaticCell::new();
    let mut console_config = embassy_stm32::usart::Config::default();
    console_config.baudrate = console::BAUD;
    let vcp = embassy_stm32::usart::BufferedUart::new(
        usart,
        rx,
        tx,
        CONSOLE_TX.init([0; console::TX_BUFFER]),
        CONSOLE_RX.init([0; console::RX_BUFFER]),
        Irqs,
        console_config,
    )
    .expect("USART3 configuration");
    let console = console::Vcp(core::mem::ManuallyDrop::new(vcp));

    spawner.spawn(net_task(runner).expect("net task"));
    let sensors = sensors::ChipSensors::new(p.ADC1);
    let io = Io { sensors, serial, console };
    spawner.spawn(bmc_task(stack, lines, HwRng(rng), store, saved, mac, io).expect("bmc task"));
}

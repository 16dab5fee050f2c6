//! An `embassy-net` driver for the SMSC LAN9118 Ethernet controller, as QEMU's Arm MPS2 machines
//! (`mps2-an385`, `mps2-an386`, at `0x4020_0000`, IRQ 13) model it.
//!
//! Programmed I/O through the chip's FIFOs: a received frame is read from the RX status FIFO
//! (length) and the RX data FIFO (the frame and its FCS, little-endian words); a frame is sent by
//! writing TX command words A and B and then the frame into the TX data FIFO. Reception is
//! interrupt driven: the board routes the chip's interrupt line to [`on_interrupt`], which
//! acknowledges the "RX status FIFO level" interrupt and wakes the network stack.
//!
//! What this driver does not do (QEMU does not need it): checksum offload, multicast filters,
//! flow control, PHY auto-negotiation handling beyond reading the link bit, TX error recovery.
#![no_std]
#![warn(missing_docs)]

use core::ptr::{read_volatile, write_volatile};
use core::task::Context;

use embassy_net_driver::{Capabilities, HardwareAddress, LinkState};
use embassy_sync::waitqueue::AtomicWaker;

/// Base address of the LAN9118 on QEMU's `mps2-an385` / `mps2-an386` machines.
pub const MPS2_BASE: usize = 0x4020_0000;
/// NVIC interrupt number of the LAN9118 on QEMU's `mps2-an385` / `mps2-an386` machines.
pub const MPS2_IRQ: u16 = 13;

/// Largest Ethernet frame handled, without FCS (1500 bytes of IP + 14 bytes of header).
pub const MTU: usize = 1514;
/// Receive buffer: a frame plus its 4-byte FCS, rounded up to whole FIFO words.
const RX_BUF: usize = 1536;

/// Register offsets (System Control and Status Registers and FIFO ports).
mod reg {
    pub const RX_DATA_FIFO: usize = 0x00;
    pub const TX_DATA_FIFO: usize = 0x20;
    pub const RX_STATUS_FIFO: usize = 0x40;
    pub const TX_STATUS_FIFO: usize = 0x48;
    pub const ID_REV: usize = 0x50;
    pub const IRQ_CFG: usize = 0x54;
    pub const INT_STS: usize = 0x58;
    pub const INT_EN: usize = 0x5c;
    pub const BYTE_TEST: usize = 0x64;
    pub const FIFO_INT: usize = 0x68;
    pub const RX_CFG: usize = 0x6c;
    pub const TX_CFG: usize = 0x70;
    pub const HW_CFG: usize = 0x74;
    pub const RX_FIFO_INF: usize = 0x7c;
    pub const TX_FIFO_INF: usize = 0x80;
    pub const PMT_CTRL: usize = 0x84;
    pub const MAC_CSR_CMD: usize = 0xa4;
    pub const MAC_CSR_DATA: usize = 0xa8;
}

/// MAC control registers, reached through MAC_CSR_CMD / MAC_CSR_DATA.
mod mac {
    pub const CR: u32 = 1;
    pub const ADDRH: u32 = 2;
    pub const ADDRL: u32 = 3;
    pub const MII_ACC: u32 = 6;
    pub const MII_DATA: u32 = 7;
    /// MAC_CR: full duplex, transmitter on, receiver on (broadcast accepted, exact unicast match).
    pub const CR_FDPX: u32 = 1 << 20;
    pub const CR_TXEN: u32 = 1 << 3;
    pub const CR_RXEN: u32 = 1 << 2;
}

/// BYTE_TEST reads this fixed pattern when the bus works and the byte order is right.
const BYTE_TEST_PATTERN: u32 = 0x8765_4321;
/// HW_CFG bit 0: soft reset (self-clearing).
const HW_CFG_SRST: u32 = 1 << 0;
/// PMT_CTRL bit 0: device ready.
const PMT_READY: u32 = 1 << 0;
/// IRQ_CFG: IRQ output enabled (bit 8), active high (bit 4), push-pull (bit 0).
const IRQ_CFG_ENABLE_HIGH_PUSHPULL: u32 = (1 << 8) | (1 << 4) | (1 << 0);
/// INT_STS/INT_EN bit 3: RX status FIFO level reached (a frame arrived).
const INT_RSFL: u32 = 1 << 3;
/// TX_CFG bit 1: transmitter on.
const TX_CFG_TX_ON: u32 = 1 << 1;
/// RX status word: bit 15 error summary, bits 29:16 frame length including the FCS.
const RX_STS_ERROR: u32 = 1 << 15;
/// TX command A: first segment (bit 13), last segment (bit 12), buffer size bits 10:0.
const TX_CMD_A_FIRST_LAST: u32 = (1 << 13) | (1 << 12);

/// Wakes the network stack when a frame arrived; set from [`on_interrupt`].
static RX_WAKER: AtomicWaker = AtomicWaker::new();

/// Why [`Lan9118::new`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum InitError {
    /// BYTE_TEST did not read 0x87654321: no chip there, or the bus is misconfigured.
    NotFound,
    /// The chip did not leave soft reset or never became ready.
    Timeout,
}

#[derive(Clone, Copy)]
struct Regs(usize);

impl Regs {
    fn read(self, offset: usize) -> u32 {
        // SAFETY: `Lan9118::new`'s caller promised that `self.0` is the base of a LAN9118's
        // 256-byte register window that nothing else uses; every offset used is in that window.
        unsafe { read_volatile((self.0 + offset) as *const u32) }
    }

    fn write(self, offset: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { write_volatile((self.0 + offset) as *mut u32, value) }
    }

    fn mac_wait(self) -> bool {
        (0..100_000).any(|_| self.read(reg::MAC_CSR_CMD) & (1 << 31) == 0)
    }

    fn mac_read(self, index: u32) -> u32 {
        self.mac_wait();
        self.write(reg::MAC_CSR_CMD, (1 << 31) | (1 << 30) | index);
        self.mac_wait();
        self.read(reg::MAC_CSR_DATA)
    }

    fn mac_write(self, index: u32, value: u32) {
        self.mac_wait();
        self.write(reg::MAC_CSR_DATA, value);
        self.write(reg::MAC_CSR_CMD, (1 << 31) | index);
        self.mac_wait();
    }

    /// Reads a register of the internal PHY (address 1) through the MII management interface.
    fn phy_read(self, index: u32) -> u16 {
        let busy = |r: Regs| r.mac_read(mac::MII_ACC) & 1 != 0;
        (0..10_000).any(|_| !busy(self));
        self.mac_write(mac::MII_ACC, (1 << 11) | (index << 6) | 1);
        (0..10_000).any(|_| !busy(self));
        self.mac_read(mac::MII_DATA) as u16
    }

    fn rx_frames_pending(self) -> u32 {
        (self.read(reg::RX_FIFO_INF) >> 16) & 0xff
    }
}

/// Acknowledges the chip's interrupt and wakes the network stack. Call it from the interrupt
/// handler of the LAN9118's line (IRQ 13 on mps2) with the same base address as [`Lan9118::new`].
pub fn on_interrupt(base: usize) {
    let regs = Regs(base);
    let status = regs.read(reg::INT_STS);
    regs.write(reg::INT_STS, status);
    RX_WAKER.wake();
}

/// The driver: owns the chip's registers and one frame buffer each way.
pub struct Lan9118 {
    regs: Regs,
    mac: [u8; 6],
    rx: [u8; RX_BUF],
    tx: [u8; MTU],
}

impl Lan9118 {
    /// Resets the chip, reads its MAC address (from its EEPROM; QEMU puts `-nic ...,mac=` there),
    /// or sets `mac` when given, and enables the transmitter, the receiver and the RX interrupt.
    ///
    /// # Safety
    ///
    /// `base` must be the address of a LAN9118's register window, and nothing else may access
    /// the chip while the driver lives (except [`on_interrupt`]).
    pub unsafe fn new(base: usize, mac: Option<[u8; 6]>) -> Result<Self, InitError> {
        let regs = Regs(base);
        if regs.read(reg::BYTE_TEST) != BYTE_TEST_PATTERN {
            return Err(InitError::NotFound);
        }
        regs.write(reg::HW_CFG, HW_CFG_SRST);
        if !(0..100_000).any(|_| regs.read(reg::HW_CFG) & HW_CFG_SRST == 0) {
            return Err(InitError::Timeout);
        }
        if !(0..100_000).any(|_| regs.read(reg::PMT_CTRL) & PMT_READY != 0) {
            return Err(InitError::Timeout);
        }

        let mac = match mac {
            Some(m) => {
                regs.mac_write(mac::ADDRL, u32::from_le_bytes([m[0], m[1], m[2], m[3]]));
                regs.mac_write(mac::ADDRH, u32::from(m[4]) | (u32::from(m[5]) << 8));
                m
            }
            None => {
                let lo = regs.mac_read(mac::ADDRL).to_le_bytes();
                let hi = regs.mac_read(mac::ADDRH).to_le_bytes();
                [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1]]
            }
        };

        // Interrupt when the RX status FIFO holds more than 0 entries, i.e. on every frame.
        regs.write(reg::FIFO_INT, 0x4800_0000);
        regs.write(reg::RX_CFG, 0);
        regs.write(reg::TX_CFG, TX_CFG_TX_ON);
        regs.write(reg::INT_STS, 0xffff_ffff);
        regs.write(reg::INT_EN, INT_RSFL);
        regs.write(reg::IRQ_CFG, IRQ_CFG_ENABLE_HIGH_PUSHPULL);
        regs.mac_write(mac::CR, mac::CR_FDPX | mac::CR_TXEN | mac::CR_RXEN);

        Ok(Lan9118 { regs, mac, rx: [0; RX_BUF], tx: [0; MTU] })
    }

    /// The chip's identification register (0x0118_xxxx for a LAN9118).
    pub fn id_rev(&self) -> u32 {
        self.regs.read(reg::ID_REV)
    }

    /// The MAC address in use.
    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// Reads one frame out of the RX FIFOs into the receive buffer; the frame length without
    /// FCS, or `None` for a frame that was dropped (error, runt, too long).
    fn read_frame(&mut self) -> Option<usize> {
        let status = self.regs.read(reg::RX_STATUS_FIFO);
        let len = ((status >> 16) & 0x3fff) as usize;
        let words = len.div_ceil(4);
        // Always drain every word of the frame so the FIFO stays in step.
        for i in 0..words {
            let word = self.regs.read(reg::RX_DATA_FIFO).to_le_bytes();
            if let Some(dst) = self.rx.get_mut(i * 4..i * 4 + 4) {
                dst.copy_from_slice(&word);
            }
        }
        if status & RX_STS_ERROR != 0 || !(4 + 14..=RX_BUF).contains(&len) {
            return None;
        }
        Some(len - 4)
    }

    /// Drops transmit status words so the TX status FIFO never fills.
    fn drain_tx_status(&self) {
        let used = (self.regs.read(reg::TX_FIFO_INF) >> 16) & 0xff;
        for _ in 0..used {
            self.regs.read(reg::TX_STATUS_FIFO);
        }
    }
}

/// A received frame, borrowed from the driver's receive buffer.
pub struct RxToken<'a> {
    frame: &'a mut [u8],
}

impl embassy_net_driver::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        f(self.frame)
    }
}

/// Room for one frame to send.
pub struct TxToken<'a> {
    regs: Regs,
    buf: &'a mut [u8; MTU],
}

impl embassy_net_driver::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let len = len.min(MTU);
        let frame = &mut self.buf[..len];
        let result = f(frame);
        let regs = self.regs;
        regs.write(reg::TX_DATA_FIFO, TX_CMD_A_FIRST_LAST | len as u32);
        // Command B: packet tag (bits 31:16, unused) and packet length.
        regs.write(reg::TX_DATA_FIFO, len as u32);
        for chunk in frame.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            regs.write(reg::TX_DATA_FIFO, u32::from_le_bytes(word));
        }
        result
    }
}

impl embassy_net_driver::Driver for Lan9118 {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, cx: &mut Context) -> Option<(RxToken<'_>, TxToken<'_>)> {
        // Register first, then look: a frame that arrives in between still wakes us.
        RX_WAKER.register(cx.waker());
        while self.regs.rx_frames_pending() > 0 {
            if let Some(len) = self.read_frame() {
                self.drain_tx_status();
                let regs = self.regs;
                return Some((RxToken { frame: &mut self.rx[..len] }, TxToken { regs, buf: &mut self.tx }));
            }
        }
        None
    }

    fn transmit(&mut self, _cx: &mut Context) -> Option<TxToken<'_>> {
        self.drain_tx_status();
        // TX_FIFO_INF bits 15:0: free bytes in the TX data FIFO. QEMU sends synchronously, so
        // there is always room; real silicon would need the TX data-available interrupt here.
        if (self.regs.read(reg::TX_FIFO_INF) & 0xffff) < (MTU + 8) as u32 {
            _cx.waker().wake_by_ref();
            return None;
        }
        Some(TxToken { regs: self.regs, buf: &mut self.tx })
    }

    fn link_state(&mut self, _cx: &mut Context) -> LinkState {
        // PHY basic status register, bit 2: link up. QEMU reflects `-nic` link state here.
        if self.regs.phy_read(1) & (1 << 2) != 0 {
            LinkState::Up
        } else {
            LinkState::Down
        }
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.max_transmission_unit = MTU;
        caps.max_burst_size = Some(1);
        caps
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet(self.mac)
    }
}

//! Serial over LAN: the machine's serial port, bridged to the endpoint's SOL engine.
//!
//! Embassy style: the board owns its UART and hands the BMC a [`SerialPort`]; the BMC never
//! names a peripheral. Two halves meet in a [`Bridge`] (one task, so plain cells):
//! - the serial loop ([`Bridge::serve`]) reads what the machine prints into a ring and writes
//!   what the console typed to the machine. While nobody is attached the ring keeps the newest
//!   [`RING`] bytes (counted as lost when older ones make room), and replays them when a
//!   console activates SOL; while SOL is active it reads only as far as the ring has room, so
//!   the port's own buffer (and under QEMU the emulated line) waits instead of dropping bytes;
//! - the network loop calls [`Bridge::work`] after every event: ring to the endpoint as far as
//!   its output buffer has room (`sol_push_output`), losses reported (`sol_report_overrun`),
//!   console input to the serial loop (`sol_take_input`), break and bit rate requests, and
//!   every SOL datagram that is due (`sol_poll`) on the BMC's UDP socket. It wakes when the
//!   machine printed and at `sol_next_deadline` ([`Bridge::wake`]).
use core::cell::{Cell, RefCell};
use core::net::SocketAddr;
use core::task::{Context, Waker};

use embassy_futures::select::{select, Either};
use embassy_net::udp::UdpSocket;
use embassy_net::IpEndpoint;
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::signal::Signal;
use embassy_time::{Instant, Timer};
use heapless::{Deque, Vec};
use rmcp::server::Random;

use crate::bmc::BmcEndpoint;

/// Machine output kept while nobody is attached (and buffered while a console is).
pub const RING: usize = 1024;
/// Most bytes moved in one step, and console input waiting for the serial port.
const CHUNK: usize = 64;

/// A board's serial port to the managed machine (its console UART).
#[allow(async_fn_in_trait)]
pub trait SerialPort {
    /// Waits until the machine printed something, puts up to `buf.len()` bytes of it in `buf`
    /// and returns how many (at least one). Must be cancel-safe: nothing is lost when the
    /// future is dropped before it is ready.
    async fn read(&mut self, buf: &mut [u8]) -> usize;
    /// Sends `bytes` (what the console typed) to the machine.
    async fn write(&mut self, bytes: &[u8]);
    /// The SOL bit rate in force changed: `Some(bits per second)`, or `None` for the port's own
    /// setting (`ipmitool sol set ... serial`). Default: the port keeps its rate.
    fn set_bit_rate(&mut self, _bits_per_second: Option<u32>) {}
    /// The console asked for a break on the machine's serial line (ignored if the port cannot).
    fn send_break(&mut self) {}
    /// Whether there is a port at all ([`NoSerial`] says no: SOL is then disabled).
    const PRESENT: bool = true;
}

/// What a board with a serial console gives [`crate::bmc::run`].
pub struct Sol<S> {
    /// The machine's serial port.
    pub serial: S,
    /// The UDP port consoles reach the BMC at, named in the Activate Payload answer and SOL
    /// parameter 8 (623; the host's port when a NAT or QEMU's port forward sits in between:
    /// ipmitool and ipmiconsole refuse another port than the one they used).
    pub udp_port: u16,
}

/// For a board without a serial console (SOL is then disabled).
pub struct NoSerial;

impl SerialPort for NoSerial {
    async fn read(&mut self, _buf: &mut [u8]) -> usize {
        core::future::pending().await
    }
    async fn write(&mut self, _bytes: &[u8]) {}
    const PRESENT: bool = false;
}

/// Bits per second of a SOL bit rate code (parameters 5 and 6); `None` for 0, the port's own
/// setting.
pub fn bits_per_second(code: u8) -> Option<u32> {
    Some(match code {
        6 => 9_600,
        7 => 19_200,
        8 => 38_400,
        9 => 57_600,
        10 => 115_200,
        _ => return None,
    })
}

/// The state the serial loop and the network loop share.
pub(crate) struct Bridge {
    /// Machine output not yet in the endpoint.
    ring: RefCell<Deque<u8, RING>>,
    /// Machine output dropped since the endpoint was last told.
    lost: Cell<usize>,
    /// A console has SOL active.
    active: Cell<bool>,
    /// Console input for the serial port.
    input: RefCell<Vec<u8, CHUNK>>,
    /// The bit rate code last applied (0xFF: none yet).
    bit_rate: Cell<u8>,
    rate_changed: Cell<bool>,
    send_break: Cell<bool>,
    /// Wakes the network loop: machine output arrived, or input room.
    to_net: Signal<NoopRawMutex, ()>,
    /// Wakes the serial loop: input, ring room, activation, a request.
    to_serial: Signal<NoopRawMutex, ()>,
}

impl Bridge {
    pub(crate) const fn new() -> Self {
        Bridge {
            ring: RefCell::new(Deque::new()),
            lost: Cell::new(0),
            active: Cell::new(false),
            input: RefCell::new(Vec::new()),
            bit_rate: Cell::new(0xFF),
            rate_changed: Cell::new(false),
            send_break: Cell::new(false),
            to_net: Signal::new(),
            to_serial: Signal::new(),
        }
    }

    /// Keeps machine output, dropping the oldest bytes if the ring is full.
    fn keep(&self, bytes: &[u8]) {
        let mut ring = self.ring.borrow_mut();
        for &b in bytes {
            if ring.is_full() {
                ring.pop_front();
                self.lost.set(self.lost.get() + 1);
            }
            let _ = ring.push_back(b);
        }
    }

    /// The serial loop: runs for ever on the board's port.
    pub(crate) async fn serve<S: SerialPort>(&self, mut port: S) -> ! {
        let mut buf = [0u8; CHUNK];
        loop {
            if self.rate_changed.take() {
                let bps = bits_per_second(self.bit_rate.get());
                crate::debug!("sol: serial bit rate {} bit/s (0: the port's own)", bps.unwrap_or(0));
                port.set_bit_rate(bps);
            }
            if self.send_break.take() {
                crate::debug!("sol: break to the machine");
                port.send_break();
            }
            let n = {
                let mut input = self.input.borrow_mut();
                buf[..input.len()].copy_from_slice(&input);
                let n = input.len();
                input.clear();
                n
            };
            if n > 0 {
                port.write(&buf[..n]).await;
                // Room for more of what the console typed.
                self.to_net.signal(());
                continue;
            }
            // While a console is attached, wait for room rather than drop output.
            let room = if self.active.get() { RING - self.ring.borrow().len() } else { CHUNK };
            if room == 0 {
                self.to_serial.wait().await;
                continue;
            }
            if let Either::First(n) = select(port.read(&mut buf[..room.min(CHUNK)]), self.to_serial.wait()).await {
                self.keep(&buf[..n]);
                if self.active.get() {
                    self.to_net.signal(());
                }
            }
        }
    }

    /// Waits until machine output or input room arrived, or `at` (the network loop's next
    /// timer: the endpoint's, or SOL's from [`Bridge::deadline`]) has come.
    pub(crate) async fn wake(&self, at: Instant) {
        select(self.to_net.wait(), Timer::at(at)).await;
    }

    /// When the endpoint has SOL work next.
    pub(crate) fn deadline(ep: &BmcEndpoint) -> Option<Instant> {
        ep.sol_next_deadline().map(|d| Instant::from_millis(d.millis()))
    }

    /// Moves SOL along after an event of the network loop (see the module doc). Not async
    /// (smaller): a SOL datagram that finds the socket's send buffer full is dropped, and the
    /// engine sends it again after the retry interval.
    #[inline(never)]
    pub(crate) fn work<R: Random>(&self, ep: &mut BmcEndpoint, socket: &UdpSocket<'_>, rng: &mut R, out: &mut [u8]) {
        let now = ipmi_core::Instant::from_millis(Instant::now().as_millis());
        if ep.sol_take_changed() {
            let active = ep.sol_active();
            // Two literals: under defmt, smaller than one with a string argument.
            #[allow(clippy::if_same_then_else)]
            if active {
                crate::info!("sol: activated");
            } else {
                crate::info!("sol: deactivated");
            }
            self.active.set(active);
            self.to_serial.signal(());
        }
        let code = ep.bmc().sol().bit_rate();
        if code != self.bit_rate.get() {
            self.bit_rate.set(code);
            self.rate_changed.set(true);
            self.to_serial.signal(());
        }
        if self.active.get() {
            let mut ring = self.ring.borrow_mut();
            loop {
                let (first, _) = ring.as_slices();
                let n = ep.sol_output_room().min(first.len());
                if n == 0 {
                    break;
                }
                let taken = ep.sol_push_output(now, &first[..n]);
                for _ in 0..taken {
                    ring.pop_front();
                }
                self.to_serial.signal(());
                if taken < n {
                    break;
                }
            }
            drop(ring);
            let lost = self.lost.take();
            if lost > 0 {
                ep.sol_report_overrun(lost);
            }
            let mut input = self.input.borrow_mut();
            let mut typed = [0u8; CHUNK];
            let n = ep.sol_take_input(&mut typed[..CHUNK - input.len()]);
            let _ = input.extend_from_slice(&typed[..n]);
            if n > 0 {
                self.to_serial.signal(());
            }
            let events = ep.sol_take_events();
            if events.send_break {
                self.send_break.set(true);
                self.to_serial.signal(());
            }
            if events.lines_changed {
                // CTS, DCD/DSR and ring: no board here wires them.
                crate::debug!("sol: console line request ignored");
            }
        }
        let mut cx = Context::from_waker(Waker::noop());
        while let Some((peer, n)) = ep.sol_poll(now, rng, out) {
            if let SocketAddr::V4(peer) = peer {
                let _ = socket.poll_send_to(&out[..n], IpEndpoint::from(peer), &mut cx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_newest_bytes_and_counts_the_lost() {
        let b = Bridge::new();
        let first: [u8; RING] = core::array::from_fn(|i| i as u8);
        b.keep(&first);
        assert_eq!(b.lost.get(), 0);
        b.keep(b"newest");
        assert_eq!(b.lost.get(), 6);
        let ring = b.ring.borrow();
        assert_eq!(ring.len(), RING);
        assert_eq!(ring.iter().next(), Some(&6));
        assert!(ring.iter().rev().take(6).eq(b"newest".iter().rev()));
    }

    #[test]
    fn bit_rate_codes() {
        assert_eq!(bits_per_second(0), None);
        assert_eq!(bits_per_second(6), Some(9_600));
        assert_eq!(bits_per_second(10), Some(115_200));
        assert_eq!(bits_per_second(0x0B), None);
    }
}

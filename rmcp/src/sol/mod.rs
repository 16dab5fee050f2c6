//! Serial over LAN: the BMC side of one SOL instance, sans-IO and allocation-free.
//!
//! [`SolEngine`] knows nothing of sessions, sockets or clocks. The endpoint feeds it the SOL
//! packets a console sent ([`SolEngine::receive`]) and asks it for the next packet to send
//! ([`SolEngine::poll`]); the platform feeds it what the machine's serial port printed
//! ([`SolEngine::push_output`]) and takes what the console typed ([`SolEngine::take_input`]).
//!
//! The protocol (IPMI 2.0 section 15) is stop-and-wait in each direction: the BMC has at most
//! one packet of console output unacknowledged. It goes out when [`Params::send_threshold`]
//! characters are waiting or the oldest has waited [`Params::accumulate_ms`]; it is sent again
//! after [`Params::retry_interval_ms`] up to [`Params::retry_count`] times, then dropped. An
//! ACK may accept only part of a packet: the rest goes out again in the next packet. A console
//! packet is accepted as far as the input buffer has room (the ACK says how many characters),
//! and a retransmission of it (same sequence number, its ACK was lost) is acknowledged again
//! and never delivered twice.
use ipmi_core::Instant;

use crate::wire::sol::{op, status, SolRepr, HEADER_LEN};

pub mod port;
pub use port::{is_payload_command, Owner, SessionView, SolPort};

/// How the engine runs: SOL configuration parameters 3 and 4, and the packet size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Params {
    /// How long the oldest waiting character may wait before a packet goes out, in ms.
    pub accumulate_ms: u32,
    /// Characters that make a packet go out at once.
    pub send_threshold: u8,
    /// Retransmissions of an unacknowledged packet before it is dropped.
    pub retry_count: u8,
    /// Time between transmissions of an unacknowledged packet, in ms.
    pub retry_interval_ms: u32,
    /// Most characters per packet the BMC sends.
    pub max_data: u8,
}

impl Params {
    /// Parameters from the SOL configuration, sending at most `max_data` characters a packet.
    pub fn from_config(c: &ipmi_core::bmc::SolConfig, max_data: u8) -> Self {
        Params {
            accumulate_ms: c.accumulate_ms(),
            send_threshold: c.send_threshold(),
            retry_count: c.retry_count(),
            retry_interval_ms: c.retry_interval_ms(),
            max_data: max_data.max(1),
        }
    }
}

/// The serial lines the console asked for (operation bits), for the platform to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Lines {
    /// CTS deasserted to the system: it should pause sending.
    pub cts_paused: bool,
    /// DCD and DSR deasserted to the system.
    pub dcd_dsr_dropped: bool,
    /// Ring indicator / wake on ring asserted.
    pub ring: bool,
}

/// What happened since the platform last asked ([`SolEngine::take_events`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Events {
    /// The console asked for a break on the system's serial port.
    pub send_break: bool,
    /// The lines changed; [`Events::lines`] is their state now.
    pub lines_changed: bool,
    /// The console's line requests.
    pub lines: Lines,
}

/// The packet of console output that is waiting for its ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    sequence: u8,
    /// Characters it carries: the first `len` of the output buffer.
    len: u8,
    /// Status bits it carries (sent again the same with a retransmission).
    status: u8,
    sent_at: Instant,
    retries_left: u8,
}

/// The last console packet with characters, to recognise its retransmission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Received {
    sequence: u8,
    accepted: u8,
}

/// Counters for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stats {
    /// Packets with characters sent for the first time.
    pub sent: u32,
    /// Retransmissions.
    pub retransmitted: u32,
    /// Packets dropped after the last retry.
    pub dropped: u32,
    /// Console packets received again (their ACK was lost) and not delivered twice.
    pub duplicates: u32,
    /// Characters of machine output that did not fit the output buffer.
    pub overrun: u32,
}

/// One SOL instance: `OUT` characters of machine output buffered (waiting or in flight), `IN`
/// characters of console input waiting for the platform.
#[derive(Debug)]
pub struct SolEngine<const OUT: usize, const IN: usize> {
    params: Params,
    out: heapless::Deque<u8, OUT>,
    /// When the characters not yet in a packet must go out, threshold or not.
    due_at: Option<Instant>,
    /// After a NACK: nothing new goes out before this.
    hold_until: Instant,
    in_flight: Option<InFlight>,
    next_sequence: u8,
    input: heapless::Deque<u8, IN>,
    last_received: Option<Received>,
    /// An ACK owed to the console: (its sequence, accepted).
    ack_due: Option<(u8, u8)>,
    /// Status bits for the next new packet (overrun, break detected).
    status: u8,
    events: Events,
    stats: Stats,
}

impl<const OUT: usize, const IN: usize> SolEngine<OUT, IN> {
    /// An idle instance.
    pub fn new(params: Params) -> Self {
        SolEngine {
            params,
            out: heapless::Deque::new(),
            due_at: None,
            hold_until: Instant::from_millis(0),
            in_flight: None,
            next_sequence: 1,
            input: heapless::Deque::new(),
            last_received: None,
            ack_due: None,
            status: 0,
            events: Events::default(),
            stats: Stats::default(),
        }
    }

    /// The parameters in force.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Counters since activation.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Room for machine output right now.
    pub fn output_room(&self) -> usize {
        OUT - self.out.len()
    }

    /// Machine output not yet acknowledged by the console (waiting or in flight).
    pub fn output_pending(&self) -> usize {
        self.out.len()
    }

    /// Console input the platform has not taken yet.
    pub fn input_pending(&self) -> usize {
        self.input.len()
    }

    /// Takes machine output (what the serial port printed); returns how many characters were
    /// taken. The platform keeps the rest and offers it again when there is room.
    pub fn push_output(&mut self, now: Instant, bytes: &[u8]) -> usize {
        let mut n = 0;
        for &b in bytes {
            if self.out.push_back(b).is_err() {
                break;
            }
            n += 1;
        }
        if n > 0 && self.due_at.is_none() {
            self.due_at = Some(now.add_millis(u64::from(self.params.accumulate_ms)));
        }
        n
    }

    /// Machine output that was lost before it reached the engine (the platform's own buffer
    /// overflowed): the console is told with the overrun bit.
    pub fn report_overrun(&mut self, lost: usize) {
        if lost > 0 {
            self.status |= status::OVERRUN;
            self.stats.overrun = self.stats.overrun.saturating_add(lost as u32);
        }
    }

    /// The system's serial port sent a break: the console is told in the next packet.
    pub fn report_break(&mut self) {
        self.status |= status::BREAK;
    }

    /// Takes console input for the system's serial port into `out`; returns its length.
    pub fn take_input(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        for slot in out.iter_mut() {
            match self.input.pop_front() {
                Some(b) => {
                    *slot = b;
                    n += 1;
                }
                None => break,
            }
        }
        n
    }

    /// Takes the events since the last call.
    pub fn take_events(&mut self) -> Events {
        let e = self.events;
        self.events.send_break = false;
        self.events.lines_changed = false;
        e
    }

    /// Handles a packet from the console. Returns whether an answer is due at once (an ACK):
    /// the caller then [`poll`](Self::poll)s and sends what it gives.
    pub fn receive(&mut self, now: Instant, pkt: &SolRepr<'_>) -> bool {
        if pkt.ack_sequence != 0 {
            self.acknowledged(now, pkt.ack_sequence, pkt.accepted, pkt.has(op::NACK));
        }
        self.operation(pkt.operation);
        if pkt.sequence == 0 {
            return false;
        }
        let accepted = match self.last_received {
            Some(r) if r.sequence == pkt.sequence => {
                // Its ACK was lost: acknowledge again what was taken the first time.
                self.stats.duplicates = self.stats.duplicates.saturating_add(1);
                r.accepted
            }
            _ => {
                let mut n = 0u8;
                for &b in pkt.data.iter().take(usize::from(u8::MAX)) {
                    if self.input.push_back(b).is_err() {
                        break;
                    }
                    n += 1;
                }
                self.last_received = Some(Received {
                    sequence: pkt.sequence,
                    accepted: n,
                });
                n
            }
        };
        self.ack_due = Some((pkt.sequence, accepted));
        true
    }

    /// Handles a packet the session layer saw before (same session sequence number: ipmitool
    /// resends the very bytes when an ACK is late). Only the last console packet is
    /// acknowledged again; nothing is delivered, and an older packet (a replay) is ignored.
    pub fn receive_again(&mut self, pkt: &SolRepr<'_>) -> bool {
        match self.last_received {
            Some(r) if pkt.sequence != 0 && r.sequence == pkt.sequence => {
                self.stats.duplicates = self.stats.duplicates.saturating_add(1);
                self.ack_due = Some((r.sequence, r.accepted));
                true
            }
            _ => false,
        }
    }

    fn acknowledged(&mut self, now: Instant, sequence: u8, accepted: u8, nack: bool) {
        let Some(f) = self.in_flight else {
            return;
        };
        if f.sequence != sequence {
            return; // an ACK of a packet that is already settled
        }
        let taken = accepted.min(f.len);
        for _ in 0..taken {
            self.out.pop_front();
        }
        self.in_flight = None;
        if self.out.is_empty() {
            self.due_at = None;
        } else {
            // The rest goes out at once, or after the retry interval when the console said
            // it cannot take more now.
            self.due_at = Some(now);
            if nack {
                self.hold_until = now.add_millis(u64::from(self.params.retry_interval_ms));
            }
        }
    }

    fn operation(&mut self, bits: u8) {
        if bits & op::BREAK != 0 {
            self.events.send_break = true;
        }
        let lines = Lines {
            cts_paused: bits & op::CTS_PAUSE != 0,
            dcd_dsr_dropped: bits & op::DROP_DCD_DSR != 0,
            ring: bits & op::RING_WOR != 0,
        };
        if lines != self.events.lines {
            self.events.lines = lines;
            self.events.lines_changed = true;
        }
        if bits & op::FLUSH_INBOUND != 0 {
            self.input.clear();
        }
        if bits & op::FLUSH_OUTBOUND != 0 {
            // Everything not in the packet on its way.
            let keep = self.in_flight.map_or(0, |f| usize::from(f.len));
            while self.out.len() > keep {
                self.out.pop_back();
            }
            if keep == 0 {
                self.due_at = None;
            }
        }
    }

    /// When [`poll`](Self::poll) next has something to send, if nothing else happens first.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.ack_due.is_some() {
            return Some(Instant::from_millis(0));
        }
        if let Some(f) = self.in_flight {
            return Some(
                f.sent_at
                    .add_millis(u64::from(self.params.retry_interval_ms)),
            );
        }
        if self.out.is_empty() {
            return None;
        }
        if self.out.len() >= usize::from(self.params.send_threshold) {
            return Some(self.hold_until);
        }
        self.due_at.map(|d| d.max(self.hold_until))
    }

    /// Writes the next SOL payload to send into `buf` (at least `HEADER_LEN + max_data`
    /// bytes), if one is due now: a retransmission, new output, or an ACK on its own. Call
    /// it until it returns `None`.
    pub fn poll(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let (ack, accepted) = self.ack_due.unwrap_or((0, 0));
        if let Some(f) = self.in_flight {
            let due = f
                .sent_at
                .add_millis(u64::from(self.params.retry_interval_ms));
            if now >= due {
                if f.retries_left > 0 {
                    self.in_flight = Some(InFlight {
                        sent_at: now,
                        retries_left: f.retries_left - 1,
                        ..f
                    });
                    self.stats.retransmitted = self.stats.retransmitted.saturating_add(1);
                    self.ack_due = None;
                    return self.emit(f.sequence, ack, accepted, f.status, f.len, buf);
                }
                // Out of retries: the packet is dropped, the rest goes on.
                for _ in 0..f.len {
                    self.out.pop_front();
                }
                self.in_flight = None;
                self.stats.dropped = self.stats.dropped.saturating_add(1);
                self.due_at = (!self.out.is_empty()).then_some(now);
            }
        }
        if self.in_flight.is_none() && self.output_due(now) {
            let len = self.out.len().min(usize::from(self.params.max_data)) as u8;
            let sequence = self.next_sequence;
            self.next_sequence = if sequence >= 15 { 1 } else { sequence + 1 };
            let status = core::mem::take(&mut self.status);
            self.in_flight = Some(InFlight {
                sequence,
                len,
                status,
                sent_at: now,
                retries_left: self.params.retry_count,
            });
            self.due_at = None;
            self.stats.sent = self.stats.sent.saturating_add(1);
            self.ack_due = None;
            return self.emit(sequence, ack, accepted, status, len, buf);
        }
        if self.ack_due.take().is_some() {
            return self.emit(0, ack, accepted, 0, 0, buf);
        }
        None
    }

    fn output_due(&self, now: Instant) -> bool {
        !self.out.is_empty()
            && now >= self.hold_until
            && (self.out.len() >= usize::from(self.params.send_threshold)
                || self.due_at.is_none_or(|d| now >= d))
    }

    fn emit(
        &self,
        sequence: u8,
        ack_sequence: u8,
        accepted: u8,
        status: u8,
        len: u8,
        buf: &mut [u8],
    ) -> Option<usize> {
        let len = usize::from(len);
        let data = buf.get_mut(HEADER_LEN..HEADER_LEN + len)?;
        for (d, s) in data.iter_mut().zip(self.out.iter()) {
            *d = *s;
        }
        let header = SolRepr {
            sequence,
            ack_sequence,
            accepted,
            operation: status,
            data: &[],
        };
        header.emit(buf).ok()?;
        Some(HEADER_LEN + len)
    }

    /// The last packet when SOL ends while the console still listens (another session
    /// deactivated it): the "deactivating" status, nothing else.
    pub fn farewell(buf: &mut [u8]) -> Option<usize> {
        SolRepr {
            sequence: 0,
            ack_sequence: 0,
            accepted: 0,
            operation: status::DEACTIVATING,
            data: &[],
        }
        .emit(buf)
        .ok()
    }
}

#[cfg(test)]
mod tests;

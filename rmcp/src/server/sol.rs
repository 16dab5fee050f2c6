//! Serial over LAN in the endpoint: the glue between the session table and [`SolPort`].
//!
//! SOL packets (payload type 1) of an active RMCP+ session are verified and decrypted like IPMI
//! payloads, pass the same sequence-number window, and go to the SOL port; what it answers is
//! sealed with the session's keys under payload type 1. Console output is sent unsolicited:
//! the shell calls [`Endpoint::sol_poll`] when machine output arrived or
//! [`Endpoint::sol_next_deadline`] has come. The SOL instance ends with Deactivate Payload, with
//! its session's Close Session and with its session's time-out (checked lazily, here).
use core::net::SocketAddr;

use ipmi_core::{CompletionCode, Instant};

use super::state::{Protection, State};
use super::table::Slot;
use super::{Endpoint, Output, Random};
use crate::session as sealing;
use crate::sol::port::{SessionView, MAX_PAYLOAD};
use crate::sol::{Events, SolPort};
use crate::wire::v20::PayloadType;

impl<const SESSIONS: usize, const USERS: usize> Endpoint<SESSIONS, USERS> {
    /// Ends SOL when the session it runs on is gone (closed or timed out).
    pub(crate) fn sol_check_owner(&mut self) {
        if let Some(o) = self.sol.owner() {
            let alive = self
                .table
                .index_of(o.session_id)
                .and_then(|i| self.table.at_mut(i))
                .is_some_and(|s| s.state.is_active() && s.peer == o.peer);
            if !alive {
                self.sol.session_ended(o.session_id);
            }
        }
    }

    /// Whether a console has SOL active (on a session that is still up).
    pub fn sol_active(&mut self) -> bool {
        self.sol_check_owner();
        self.sol.owner().is_some()
    }

    /// Whether SOL was activated or deactivated since the last call.
    pub fn sol_take_changed(&mut self) -> bool {
        self.sol_check_owner();
        self.sol.take_changed()
    }

    /// The SOL port (engine statistics, tests).
    pub fn sol_port(&mut self) -> &mut SolPort {
        &mut self.sol
    }

    /// Room for machine output in the SOL engine (0 while SOL is inactive).
    pub fn sol_output_room(&mut self) -> usize {
        self.sol.engine().map_or(0, |e| e.output_room())
    }

    /// Machine output (what the serial port printed) for the console; returns how many bytes
    /// were taken (none while SOL is inactive: the shell keeps its own buffer).
    pub fn sol_push_output(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.sol.engine().map_or(0, |e| e.push_output(now, bytes))
    }

    /// Machine output the shell had to drop: the console sees the overrun bit.
    pub fn sol_report_overrun(&mut self, lost: usize) {
        if let Some(e) = self.sol.engine() {
            e.report_overrun(lost);
        }
    }

    /// Console input for the machine's serial port; returns its length.
    pub fn sol_take_input(&mut self, out: &mut [u8]) -> usize {
        self.sol.engine().map_or(0, |e| e.take_input(out))
    }

    /// The console's break and line requests since the last call.
    pub fn sol_take_events(&mut self) -> Events {
        self.sol.take_events()
    }

    /// When [`Endpoint::sol_poll`] next has something to send (retransmission, accumulated
    /// output), if nothing arrives first.
    pub fn sol_next_deadline(&self) -> Option<Instant> {
        self.sol.next_deadline()
    }

    /// The next SOL datagram to send and where: call until `None` after machine output
    /// arrived, after a datagram was handled, and at [`Endpoint::sol_next_deadline`].
    pub fn sol_poll(
        &mut self,
        now: Instant,
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Option<(SocketAddr, usize)> {
        self.sol_check_owner();
        loop {
            let mut payload = [0u8; MAX_PAYLOAD];
            let (owner, n) = self.sol.poll(now, &mut payload)?;
            match self.seal_sol(owner.session_id, &payload[..n], rng, out) {
                Some(len) => return Some((owner.peer, len)),
                // The farewell's session went meanwhile: nothing to say to it.
                None => continue,
            }
        }
    }

    /// Seals a SOL payload for the active RMCP+ session `id`.
    fn seal_sol(
        &mut self,
        id: u32,
        payload: &[u8],
        rng: &mut dyn Random,
        out: &mut [u8],
    ) -> Option<usize> {
        let index = self.table.index_of(id)?;
        seal_sol(self.table.at_mut(index)?, payload, rng, out)
    }
}

/// Seals a SOL payload for the active RMCP+ session in `slot`.
fn seal_sol(
    slot: &mut Slot,
    payload: &[u8],
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Option<usize> {
    let State::Active(active) = &mut slot.state else {
        return None;
    };
    let seq = active.next_out_seq();
    let Protection::V20(keys) = &active.protection else {
        return None;
    };
    let mut iv = [0u8; 16];
    if keys.suite().encrypted() {
        rng.fill(&mut iv);
    }
    sealing::v20::seal(
        out,
        PayloadType::Sol,
        active.console_id,
        seq,
        payload,
        Some(keys),
        &iv,
    )
    .ok()
}

/// A payload command (App 0x48-0x4B, 0x4E, 0x4F) of the active session in `slot`.
pub(crate) fn command(
    sol: &mut SolPort,
    cfg: &mut ipmi_core::bmc::SolConfig,
    slot: &Slot,
    cmd: u8,
    data: &[u8],
    out: &mut [u8],
) -> (CompletionCode, usize) {
    let State::Active(active) = &slot.state else {
        return (CompletionCode::Unspecified, 0);
    };
    let encrypted = match &active.protection {
        Protection::V20(keys) => keys.suite().encrypted(),
        // SOL is an RMCP+ payload: an IPMI 1.5 session cannot carry it.
        Protection::V15 { .. } => return (CompletionCode::CommandSpecific81, 0),
    };
    let view = SessionView {
        session_id: slot.id,
        console_id: active.console_id,
        peer: slot.peer,
        privilege: active.privilege,
        user_id: active.user_id,
        encrypted,
    };
    sol.command(&view, cfg, cmd, data, out)
}

/// A SOL packet of the active session in `slot`, already verified, decrypted and past the
/// sequence window (`again`: a duplicate there): the engine takes it, and the ACK it is owed
/// goes back at once.
pub(crate) fn packet(
    sol: &mut SolPort,
    slot: &mut Slot,
    now: Instant,
    payload: &[u8],
    again: bool,
    rng: &mut dyn Random,
    out: &mut [u8],
) -> Output {
    if !sol.packet(now, slot.id, payload, again) {
        return Output::Drop;
    }
    let mut reply = [0u8; MAX_PAYLOAD];
    match sol.poll_active(now, &mut reply) {
        Some((owner, n)) if owner.session_id == slot.id => {
            seal_sol(slot, &reply[..n], rng, out).map_or(Output::Drop, Output::Reply)
        }
        _ => Output::Drop,
    }
}

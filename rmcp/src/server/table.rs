//! The fixed session table: keyed by the BMC's own random session id, bounded, and self-cleaning.
use core::net::SocketAddr;

use ipmi_core::Instant;

use super::session::State;
use super::Random;

/// One slot of the table.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The BMC's session id: random, never 0, unique in the table.
    pub id: u32,
    /// The session handle reported by Get Session Info (slot index + 1).
    pub handle: u8,
    /// Where the session came from; packets from elsewhere are not this session's.
    pub peer: SocketAddr,
    /// When the handshake started.
    pub created: Instant,
    /// Last authenticated activity.
    pub last: Instant,
    /// Where the session is in its life.
    pub state: State,
}

/// A fixed array of optional sessions.
#[derive(Debug)]
pub(crate) struct Table<const N: usize> {
    slots: [Option<Slot>; N],
}

impl<const N: usize> Table<N> {
    pub fn new() -> Self {
        Table {
            slots: core::array::from_fn(|_| None),
        }
    }

    /// The slot of session `id`.
    pub fn get_mut(&mut self, id: u32) -> Option<&mut Slot> {
        if id == 0 {
            return None;
        }
        self.slots.iter_mut().flatten().find(|s| s.id == id)
    }

    /// The slot with this index (for tickets).
    pub fn at_mut(&mut self, index: usize) -> Option<&mut Slot> {
        self.slots.get_mut(index)?.as_mut()
    }

    /// The index of session `id`.
    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.id == id && id != 0))
    }

    /// Removes session `id`.
    pub fn remove(&mut self, id: u32) {
        for slot in self.slots.iter_mut() {
            if slot.as_ref().is_some_and(|s| s.id == id) {
                *slot = None;
            }
        }
    }

    /// Every live slot.
    pub fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().flatten()
    }

    /// Number of active (fully established) sessions.
    pub fn active(&self) -> usize {
        self.iter().filter(|s| s.state.is_active()).count()
    }

    /// Drops half-open sessions older than `handshake_ms` and active ones idle for `idle_ms`.
    pub fn expire(&mut self, now: Instant, handshake_ms: u32, idle_ms: u32) {
        for slot in self.slots.iter_mut() {
            let dead = slot.as_ref().is_some_and(|s| {
                if s.state.is_active() {
                    now.since(s.last) >= u64::from(idle_ms) && !s.state.is_pending()
                } else {
                    now.since(s.created) >= u64::from(handshake_ms)
                }
            });
            if dead {
                *slot = None;
            }
        }
    }

    /// Makes a new slot with a fresh random id. When the table is full, the oldest half-open
    /// session gives way, so a flood of Open Session requests never locks out a real login.
    /// Returns `None` only when every slot holds an active session.
    pub fn insert(
        &mut self,
        peer: SocketAddr,
        now: Instant,
        state: State,
        rng: &mut dyn Random,
    ) -> Option<&mut Slot> {
        let id = self.fresh_id(rng)?;
        let index = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
                .filter(|(_, s)| !s.state.is_active())
                .min_by_key(|(_, s)| s.created)
                .map(|(i, _)| i)?,
        };
        // The handle is the slot's place in the table: unique among live sessions.
        let handle = u8::try_from(index + 1).unwrap_or(u8::MAX);
        let slot = self.slots.get_mut(index)?;
        *slot = Some(Slot {
            id,
            handle,
            peer,
            created: now,
            last: now,
            state,
        });
        slot.as_mut()
    }

    /// A random session id that is not 0 and not in use (CVE-2014-8272: never predictable).
    fn fresh_id(&self, rng: &mut dyn Random) -> Option<u32> {
        for _ in 0..16 {
            let mut b = [0u8; 4];
            rng.fill(&mut b);
            let id = u32::from_le_bytes(b);
            if id != 0 && self.iter().all(|s| s.id != id) {
                return Some(id);
            }
        }
        None
    }
}

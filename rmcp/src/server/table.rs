//! The fixed session table: keyed by the BMC's own random session id, bounded, and self-cleaning.
use core::net::{IpAddr, SocketAddr};

use ipmi_core::Instant;

use super::limiter::Source;
use super::state::State;
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

/// Every slot of the table but the one being served (see [`Table::split`]).
pub(crate) struct Others<'a> {
    before: &'a mut [Option<Slot>],
    after: &'a mut [Option<Slot>],
    ids_before: &'a mut [u32],
    ids_after: &'a mut [u32],
}

impl Others<'_> {
    /// Every live slot in table order, `own` in its place.
    pub fn around<'s>(&'s self, own: &'s Slot) -> impl Iterator<Item = &'s Slot> {
        self.before
            .iter()
            .flatten()
            .chain(core::iter::once(own))
            .chain(self.after.iter().flatten())
    }

    /// Slots in the whole table.
    pub fn capacity(&self) -> usize {
        self.before.len() + 1 + self.after.len()
    }

    /// Active sessions, `own` included.
    pub fn active(&self, own: &Slot) -> usize {
        self.around(own).filter(|s| s.state.is_active()).count()
    }

    /// Removes another session by id.
    pub fn remove(&mut self, id: u32) {
        if id == 0 {
            return;
        }
        let halves = [
            (&mut *self.before, &mut *self.ids_before),
            (&mut *self.after, &mut *self.ids_after),
        ];
        for (slots, ids) in halves {
            if let Some(i) = ids.iter().position(|&x| x == id) {
                if let (Some(slot), Some(x)) = (slots.get_mut(i), ids.get_mut(i)) {
                    *slot = None;
                    *x = 0;
                }
            }
        }
    }
}

/// A fixed array of optional sessions.
///
/// Every datagram looks a session up and runs the expiry, and a session's datagrams arrive on cold
/// caches (the client runs in between): so the ids sit packed in one array (a lookup reads one
/// cache line, not a line of every slot), and the expiry scans the slots only once the earliest
/// time any of them can be due has come.
#[derive(Debug)]
pub(crate) struct Table<const N: usize> {
    slots: [Option<Slot>; N],
    /// `slots[i]`'s session id, 0 for an empty slot.
    ids: [u32; N],
    /// No slot can be due for expiry before this (milliseconds).
    next_expiry: u64,
    /// The time-outs of the last expiry scan, (handshake, idle) in ms: `insert` bounds a new
    /// slot's expiry with them, and other time-outs force a scan.
    timeouts: (u32, u32),
}

impl<const N: usize> Table<N> {
    pub fn new() -> Self {
        Table {
            slots: core::array::from_fn(|_| None),
            ids: [0; N],
            next_expiry: 0,
            timeouts: (0, 0),
        }
    }

    /// The slot with this index (for tickets).
    pub fn at_mut(&mut self, index: usize) -> Option<&mut Slot> {
        self.slots.get_mut(index)?.as_mut()
    }

    /// The index of session `id`.
    pub fn index_of(&self, id: u32) -> Option<usize> {
        if id == 0 {
            return None;
        }
        self.ids.iter().position(|&x| x == id)
    }

    /// Removes session `id`.
    pub fn remove(&mut self, id: u32) {
        if let Some(index) = self.index_of(id) {
            self.clear(index);
        }
    }

    /// The slot with this index, and the rest of the table beside it: what serving one request
    /// needs, from a single lookup (Close Session and Get Session Info look at the others).
    pub fn split(&mut self, index: usize) -> Option<(&mut Slot, Others<'_>)> {
        if index >= N {
            return None;
        }
        let (before, rest) = self.slots.split_at_mut(index);
        let (own, after) = rest.split_first_mut()?;
        let (ids_before, ids_rest) = self.ids.split_at_mut(index);
        let ids_after = ids_rest.get_mut(1..)?;
        Some((
            own.as_mut()?,
            Others {
                before,
                after,
                ids_before,
                ids_after,
            },
        ))
    }

    /// Empties the slot with this index.
    pub fn clear(&mut self, index: usize) {
        if let (Some(slot), Some(id)) = (self.slots.get_mut(index), self.ids.get_mut(index)) {
            *slot = None;
            *id = 0;
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
    /// `now` never goes backwards (every caller's clock is monotonic).
    pub fn expire(&mut self, now: Instant, handshake_ms: u32, idle_ms: u32) {
        if now.millis() < self.next_expiry && self.timeouts == (handshake_ms, idle_ms) {
            return;
        }
        self.timeouts = (handshake_ms, idle_ms);
        // The bound holds through what can happen to a slot before the next scan: activity
        // only moves `last` later, and a half-open slot that becomes active (its `last` at or
        // after `created`) is then due at `last + idle`, not before `created + min(..)`.
        let first = u64::from(handshake_ms.min(idle_ms));
        let mut next = u64::MAX;
        for index in 0..N {
            let Some(s) = self.slots.get(index).and_then(Option::as_ref) else {
                continue;
            };
            let dead = if s.state.is_active() {
                now.since(s.last) >= u64::from(idle_ms) && !s.state.is_pending()
            } else {
                now.since(s.created) >= u64::from(handshake_ms)
            };
            if dead {
                self.clear(index);
                continue;
            }
            // A pending session is due at `last + idle` once its action completes.
            let due = if s.state.is_active() {
                s.last.millis().saturating_add(u64::from(idle_ms))
            } else {
                s.created.millis().saturating_add(first)
            };
            next = next.min(due);
        }
        self.next_expiry = next;
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
        known: &dyn Fn(IpAddr) -> bool,
    ) -> Option<&mut Slot> {
        let id = self.fresh_id(rng)?;
        let index = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => self.victim(peer, known)?,
        };
        // The handle is the slot's place in the table: unique among live sessions.
        let handle = u8::try_from(index + 1).unwrap_or(u8::MAX);
        let (handshake_ms, idle_ms) = self.timeouts;
        let due = now
            .millis()
            .saturating_add(u64::from(handshake_ms.min(idle_ms)));
        self.next_expiry = self.next_expiry.min(due);
        *self.ids.get_mut(index)? = id;
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

    /// The half-open session that makes room for one from `peer`: a stranger's before one of a
    /// source that logged in before (`known`), then the oldest of the source that holds the
    /// most half-open sessions, `peer`'s own on a tie. A flood from one address only ever pushes
    /// out its own handshakes, and a flood from many never a known client's.
    /// Sources are the limiter's: an IPv4 address, an IPv6 /64.
    fn victim(&self, peer: SocketAddr, known: &dyn Fn(IpAddr) -> bool) -> Option<usize> {
        let half_open = |s: &&Slot| !s.state.is_active();
        let held = |source| {
            self.iter()
                .filter(half_open)
                .filter(|s| Source::of(s.peer.ip()) == source)
                .count()
        };
        let newcomer = Source::of(peer.ip());
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
            .filter(|(_, s)| half_open(s))
            .max_by_key(|(_, s)| {
                let source = Source::of(s.peer.ip());
                (
                    !known(s.peer.ip()),
                    held(source),
                    source == newcomer,
                    core::cmp::Reverse(s.created),
                )
            })
            .map(|(i, _)| i)
    }

    /// A random session id that is not 0 and not in use (CVE-2014-8272: never predictable).
    fn fresh_id(&self, rng: &mut dyn Random) -> Option<u32> {
        for _ in 0..16 {
            let mut b = [0u8; 4];
            rng.fill(&mut b);
            let id = u32::from_le_bytes(b);
            if id != 0 && !self.ids.contains(&id) {
                return Some(id);
            }
        }
        None
    }
}

//! Inbound sequence-number windows: accept a little ahead and behind, never the same number twice.
//!
//! IPMI 2.0 keeps one window for authenticated and one for unauthenticated packets; IPMI 1.5 has a
//! single, smaller one. The window advances only after the packet passed its integrity check, so a
//! forged packet cannot push it forward and make the real client's packets look old.

/// How far a window reaches around the highest number seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// Numbers up to this far above the highest seen are accepted (and move the window).
    pub ahead: u32,
    /// Numbers up to this far below the highest seen are accepted once each.
    pub behind: u32,
}

/// IPMI 2.0: 15 ahead, 16 behind.
pub const V20: Reach = Reach {
    ahead: 15,
    behind: 16,
};
/// IPMI 1.5: 8 either way.
pub const V15: Reach = Reach {
    ahead: 8,
    behind: 8,
};

/// What a window says of a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Never seen and inside the window.
    Fresh,
    /// Seen before: a retransmission or a replay.
    Duplicate,
    /// Outside the window, or zero.
    Outside,
}

/// A sliding window with a bitmap of the numbers seen at and below the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    reach: Reach,
    /// Highest accepted number; `None` until the first packet.
    top: Option<u32>,
    /// Bit i set: `top - i` was seen (bit 0 is `top` itself).
    seen: u32,
}

impl Window {
    /// An empty window.
    pub const fn new(reach: Reach) -> Self {
        Window {
            reach,
            top: None,
            seen: 0,
        }
    }

    /// An empty window whose first accepted number must lie within `reach.ahead` above `start`.
    /// IPMI 1.5 tells the console the BMC's expected start; accepting from `start - 1` upward.
    pub const fn starting_at(reach: Reach, start: u32) -> Self {
        Window {
            reach,
            top: Some(start.wrapping_sub(1)),
            seen: 1,
        }
    }

    /// Judges `seq` without changing anything.
    pub fn check(&self, seq: u32) -> Verdict {
        if seq == 0 {
            return Verdict::Outside;
        }
        let Some(top) = self.top else {
            // First packet of a session: ipmitool starts at 3, freeipmi at 1; any is fine.
            return Verdict::Fresh;
        };
        let ahead = seq.wrapping_sub(top);
        if ahead != 0 && ahead <= self.reach.ahead {
            return Verdict::Fresh;
        }
        let behind = top.wrapping_sub(seq);
        if behind > self.reach.behind || behind >= 32 {
            return Verdict::Outside;
        }
        if self.seen & (1 << behind) != 0 {
            Verdict::Duplicate
        } else {
            Verdict::Fresh
        }
    }

    /// Records `seq` as seen; call only after the packet's integrity was verified and
    /// [`Window::check`] said `Fresh`.
    pub fn accept(&mut self, seq: u32) {
        match self.top {
            None => {
                self.top = Some(seq);
                self.seen = 1;
            }
            Some(top) => {
                let ahead = seq.wrapping_sub(top);
                if ahead != 0 && ahead <= self.reach.ahead {
                    self.seen = if ahead >= 32 { 0 } else { self.seen << ahead };
                    self.seen |= 1;
                    self.top = Some(seq);
                } else {
                    let behind = top.wrapping_sub(seq);
                    if behind < 32 {
                        self.seen |= 1 << behind;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_packet_any_nonzero() {
        let w = Window::new(V20);
        assert_eq!(w.check(0), Verdict::Outside);
        assert_eq!(w.check(3), Verdict::Fresh);
        assert_eq!(w.check(u32::MAX), Verdict::Fresh);
    }

    #[test]
    fn duplicates_dropped_reordering_allowed() {
        let mut w = Window::new(V20);
        w.accept(3);
        assert_eq!(w.check(3), Verdict::Duplicate);
        assert_eq!(w.check(5), Verdict::Fresh);
        w.accept(5);
        assert_eq!(w.check(4), Verdict::Fresh);
        w.accept(4);
        assert_eq!(w.check(4), Verdict::Duplicate);
        assert_eq!(w.check(5), Verdict::Duplicate);
        assert_eq!(w.check(20), Verdict::Fresh);
        assert_eq!(w.check(21), Verdict::Outside);
    }

    #[test]
    fn behind_limit() {
        let mut w = Window::new(V20);
        w.accept(100);
        assert_eq!(w.check(84), Verdict::Fresh);
        assert_eq!(w.check(83), Verdict::Outside);
        w.accept(84);
        assert_eq!(w.check(84), Verdict::Duplicate);
        // Moving far ahead forgets the old bits and the old numbers fall outside.
        w.accept(115);
        assert_eq!(w.check(100), Verdict::Duplicate);
        assert_eq!(w.check(99), Verdict::Fresh); // 16 behind: the edge
        assert_eq!(w.check(98), Verdict::Outside); // 17 behind
        assert_eq!(w.check(84), Verdict::Outside);
    }

    #[test]
    fn wraps_around() {
        let mut w = Window::new(V20);
        w.accept(u32::MAX - 1);
        assert_eq!(w.check(u32::MAX), Verdict::Fresh);
        w.accept(u32::MAX);
        // 0 is never valid inside a session, 1 follows.
        assert_eq!(w.check(0), Verdict::Outside);
        assert_eq!(w.check(1), Verdict::Fresh);
        w.accept(1);
        assert_eq!(w.check(u32::MAX), Verdict::Duplicate);
    }

    #[test]
    fn v15_start() {
        let mut w = Window::starting_at(V15, 0x971f_777e);
        assert_eq!(w.check(0x971f_777e), Verdict::Fresh);
        w.accept(0x971f_777e);
        assert_eq!(w.check(0x971f_777e), Verdict::Duplicate);
        assert_eq!(w.check(0x971f_777e + 9), Verdict::Outside);
    }

    proptest::proptest! {
        #[test]
        fn never_accepts_twice(seqs in proptest::collection::vec(proptest::num::u32::ANY, 0..200)) {
            let mut w = Window::new(V20);
            let mut accepted = std::vec::Vec::new();
            for s in seqs {
                if w.check(s) == Verdict::Fresh {
                    proptest::prop_assert!(!accepted.contains(&s));
                    w.accept(s);
                    accepted.push(s);
                }
            }
        }
    }
}

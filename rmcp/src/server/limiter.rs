//! Defences around RAKP (CVE-2013-4786): every RAKP2 that carries a real HMAC of a password is a
//! hash an attacker can crack offline, so such replies are rationed per user and per source.
//!
//! A RAKP2 with a real code takes a token from the user's bucket and from the source's bucket; a
//! valid RAKP3 gives both back. A client that logs in properly therefore never runs dry, while a
//! harvester that never completes the handshake gets at most `burst` hashes and then one per
//! `refill_ms`. Bad passwords (a RAKP3 that fails) count towards a lockout of the user.
use core::net::IpAddr;

use ipmi_core::Instant;

/// The knobs of the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LimiterConfig {
    /// Unanswered RAKP2 codes a user or a source may hold before being slowed.
    pub burst: u8,
    /// Milliseconds to earn one token back.
    pub refill_ms: u32,
    /// Failed logins (bad RAKP3, bad 1.5 activation) that lock a user; 0 = never lock.
    pub lockout_threshold: u8,
    /// How long a locked user stays locked.
    pub lockout_ms: u32,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        LimiterConfig {
            burst: 8,
            refill_ms: 1_000,
            lockout_threshold: 5,
            lockout_ms: 60_000,
        }
    }
}

/// A token bucket stored in a few bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bucket {
    /// Tokens spent and not yet earned back.
    spent: u8,
    /// When the oldest spent token is earned back from.
    since: Instant,
}

impl Bucket {
    fn settle(&mut self, now: Instant, cfg: &LimiterConfig) {
        if self.spent == 0 {
            self.since = now;
            return;
        }
        let refill = u64::from(cfg.refill_ms.max(1));
        let earned = now.since(self.since) / refill;
        if earned >= u64::from(self.spent) {
            self.spent = 0;
            self.since = now;
        } else {
            // `earned < spent <= 255` here, so it fits in a u8.
            self.spent -= earned as u8;
            self.since = self.since.add_millis(earned * refill);
        }
    }

    /// Whether a token is available now.
    pub fn available(&mut self, now: Instant, cfg: &LimiterConfig) -> bool {
        self.settle(now, cfg);
        self.spent < cfg.burst
    }

    /// Spends a token (call after [`Bucket::available`] said yes).
    pub fn spend(&mut self, now: Instant, cfg: &LimiterConfig) {
        self.settle(now, cfg);
        self.spent = self.spent.saturating_add(1);
    }

    /// Gives a token back (a handshake completed).
    pub fn refund(&mut self) {
        self.spent = self.spent.saturating_sub(1);
    }
}

/// Per-user login state: its bucket and failure count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserGuard {
    /// RAKP2 codes handed out for this user and not yet redeemed.
    pub bucket: Bucket,
    failures: u8,
    locked_until: Option<Instant>,
}

impl UserGuard {
    /// Whether the user is locked out now.
    pub fn locked(&mut self, now: Instant) -> bool {
        match self.locked_until {
            Some(until) if now < until => true,
            Some(_) => {
                self.locked_until = None;
                self.failures = 0;
                false
            }
            None => false,
        }
    }

    /// Counts a failed login; locks the user when the threshold is reached.
    pub fn fail(&mut self, now: Instant, cfg: &LimiterConfig) {
        self.failures = self.failures.saturating_add(1);
        if cfg.lockout_threshold != 0 && self.failures >= cfg.lockout_threshold {
            self.locked_until = Some(now.add_millis(u64::from(cfg.lockout_ms)));
        }
    }

    /// A successful login clears the failure count.
    pub fn succeed(&mut self) {
        self.failures = 0;
        self.bucket.refund();
    }
}

/// A fixed table of per-source buckets; the least recently used entry makes room.
#[derive(Debug, Clone)]
pub struct Sources<const N: usize> {
    entries: [(Option<IpAddr>, Bucket, Instant); N],
}

impl<const N: usize> Default for Sources<N> {
    fn default() -> Self {
        Sources {
            entries: [(None, Bucket::default(), Instant(0)); N],
        }
    }
}

impl<const N: usize> Sources<N> {
    fn slot(&mut self, ip: IpAddr, now: Instant) -> Option<&mut Bucket> {
        let mut pick = None;
        let mut oldest = u64::MAX;
        for (i, (addr, _, used)) in self.entries.iter().enumerate() {
            if *addr == Some(ip) {
                pick = Some(i);
                break;
            }
            let age_key = if addr.is_none() {
                0
            } else {
                used.millis().saturating_add(1)
            };
            if age_key < oldest {
                oldest = age_key;
                pick = Some(i);
            }
        }
        let entry = self.entries.get_mut(pick?)?;
        if entry.0 != Some(ip) {
            *entry = (Some(ip), Bucket::default(), now);
        }
        entry.2 = now;
        Some(&mut entry.1)
    }

    /// Whether `ip` may be handed another RAKP2 code now.
    pub fn available(&mut self, ip: IpAddr, now: Instant, cfg: &LimiterConfig) -> bool {
        self.slot(ip, now).is_none_or(|b| b.available(now, cfg))
    }

    /// Spends a token of `ip`.
    pub fn spend(&mut self, ip: IpAddr, now: Instant, cfg: &LimiterConfig) {
        if let Some(b) = self.slot(ip, now) {
            b.spend(now, cfg);
        }
    }

    /// Gives `ip` a token back.
    pub fn refund(&mut self, ip: IpAddr, now: Instant) {
        if let Some(b) = self.slot(ip, now) {
            b.refund();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    const CFG: LimiterConfig = LimiterConfig {
        burst: 3,
        refill_ms: 1000,
        lockout_threshold: 2,
        lockout_ms: 5000,
    };

    #[test]
    fn honest_clients_never_run_dry() {
        let mut b = Bucket::default();
        for i in 0..1000 {
            let now = Instant(i);
            assert!(b.available(now, &CFG));
            b.spend(now, &CFG);
            b.refund();
        }
    }

    #[test]
    fn harvester_is_rationed() {
        let mut b = Bucket::default();
        let mut granted = 0;
        for ms in (0..10_000).step_by(10) {
            let now = Instant(ms);
            if b.available(now, &CFG) {
                b.spend(now, &CFG);
                granted += 1;
            }
        }
        // burst 3 plus one per second over ten seconds
        assert!((12..=14).contains(&granted), "granted {granted}");
    }

    #[test]
    fn lockout_and_expiry() {
        let mut g = UserGuard::default();
        assert!(!g.locked(Instant(0)));
        g.fail(Instant(0), &CFG);
        assert!(!g.locked(Instant(1)));
        g.fail(Instant(1), &CFG);
        assert!(g.locked(Instant(2)));
        assert!(g.locked(Instant(5000)));
        assert!(!g.locked(Instant(5001)));
        g.fail(Instant(5002), &CFG);
        assert!(!g.locked(Instant(5003)));
    }

    #[test]
    fn sources_evict_least_recent() {
        let mut s: Sources<2> = Sources::default();
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        let c = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3));
        for _ in 0..3 {
            s.spend(a, Instant(1), &CFG);
        }
        assert!(!s.available(a, Instant(2), &CFG));
        s.spend(b, Instant(3), &CFG);
        s.spend(c, Instant(4), &CFG); // evicts a (least recently used)
        assert!(s.available(a, Instant(5), &CFG));
    }
}

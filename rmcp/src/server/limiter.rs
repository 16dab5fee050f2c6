//! Logins an attacker on the network can neither block nor guess (CVE-2013-4786 and friends).
//!
//! Every RAKP2 that carries a real HMAC of a password is a hash an attacker can crack offline,
//! and every IPMI 1.5 Activate Session is an online guess. So both are rationed and counted,
//! keyed by **(user, source)**: a source is an IPv4 address, or an IPv6 /64 (one host can hold
//! a whole /64), so what one host does never uses up another host's tokens nor locks a user out
//! for another host.
//!
//! - **Rationing**: each grant (a RAKP2 with a real code, a 1.5 challenge) takes a token of the
//!   (user, source) pair; a source may hold `burst` tokens over all its users, earned back one per
//!   `refill_ms` each. A completed login gives its token back, so an honest client never runs
//!   dry. On top, one **global** bucket caps the whole BMC (`global_burst`, one back per
//!   `global_refill_ms`); its last `known_reserve` tokens are for sources that have completed a
//!   login before, so strangers together can never starve them.
//! - **Lockout**: `lockout_threshold` failed logins of a pair lock that pair (and only that
//!   pair) for `lockout_ms`. A failure is a wrong RAKP3, a RAKP3 that gives up, a RAKP2 whose
//!   RAKP3 never comes (real clients stop at RAKP2 when the password is wrong: the code is
//!   counted as a failure when its handshake time is up, whether the half-open session expired
//!   or was pushed out), or a wrong 1.5 Activate Session. RAKP2 codes still out count towards
//!   the threshold already, so a pair never has more than `lockout_threshold` password checks
//!   per lockout period, however many handshakes it opens at once (while its entry is kept: with
//!   more than [`STRANGERS`] strangers at once their entries churn, and the global cap is the
//!   bound).
//! - A locked pair is refused before any password is looked at (RAKP1, RAKP3, Get Session
//!   Challenge, Activate Session): the answer is the same whether the password is right or not.
//!
//! Memory is fixed and small: [`KNOWN`] entries for pairs that completed a login, [`STRANGERS`]
//! for the rest. Strangers only ever push out strangers (first the ones with nothing to remember,
//! then the least recently seen, locked ones last), so a flood from new addresses cannot evict
//! the state of a source that logs in properly; a known pair gives way only to another pair
//! that completed a login.
use core::net::IpAddr;

use ipmi_core::Instant;

/// Entries for (user, source) pairs that completed a login.
pub const KNOWN: usize = 8;
/// Entries for every other (user, source) pair.
pub const STRANGERS: usize = 16;

/// The knobs of the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LimiterConfig {
    /// Grants (RAKP2 codes, 1.5 challenges) one source may hold unredeemed, over all users.
    pub burst: u8,
    /// Milliseconds for a (user, source) pair to earn one token back.
    pub refill_ms: u32,
    /// Failed logins that lock a (user, source) pair; 0 = never lock.
    pub lockout_threshold: u8,
    /// How long a locked pair stays locked.
    pub lockout_ms: u32,
    /// Grants the whole BMC may have unredeemed.
    pub global_burst: u8,
    /// Milliseconds for the whole BMC to earn one token back.
    pub global_refill_ms: u32,
    /// Of `global_burst`, the tokens only sources that completed a login before may take.
    pub known_reserve: u8,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        LimiterConfig {
            burst: 8,
            refill_ms: 1_000,
            lockout_threshold: 5,
            lockout_ms: 60_000,
            global_burst: 32,
            global_refill_ms: 125,
            known_reserve: 16,
        }
    }
}

/// Why a login attempt may not go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Refusal {
    /// The (user, source) pair is locked out.
    Locked,
    /// Out of tokens (the source's or the BMC's), or the pair's remaining attempts are all
    /// in flight: try again in a moment.
    Busy,
}

/// Where an attempt comes from: an IPv4 address (also when it arrives IPv4-mapped on a
/// dual-stack socket), or the /64 prefix of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Source([u8; 9]);

impl Source {
    /// The source of a peer address.
    pub fn of(ip: IpAddr) -> Source {
        let mut b = [0u8; 9];
        match ip {
            IpAddr::V4(v4) => {
                b[0] = 4;
                b[1..5].copy_from_slice(&v4.octets());
            }
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => return Source::of(IpAddr::V4(v4)),
                None => {
                    b[0] = 6;
                    b[1..9].copy_from_slice(&v6.octets()[..8]);
                }
            },
        }
        Source(b)
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
    fn settle(&mut self, now: Instant, refill_ms: u32) {
        if self.spent == 0 {
            self.since = now;
            return;
        }
        let refill = u64::from(refill_ms.max(1));
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

    /// Tokens spent and not yet earned back, as of `now`.
    pub fn spent(&mut self, now: Instant, refill_ms: u32) -> u8 {
        self.settle(now, refill_ms);
        self.spent
    }

    /// Spends a token.
    pub fn spend(&mut self, now: Instant, refill_ms: u32) {
        self.settle(now, refill_ms);
        self.spent = self.spent.saturating_add(1);
    }

    /// Gives a token back (a handshake completed).
    pub fn refund(&mut self) {
        self.spent = self.spent.saturating_sub(1);
    }
}

/// What the limiter remembers about one (user, source) pair.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    live: bool,
    source: Source,
    /// User id; 0 for a name that is no user.
    user: u8,
    failures: u8,
    /// RAKP2 codes handed out whose RAKP3 has not come.
    outstanding: u8,
    bucket: Bucket,
    /// When the codes out are failures if no RAKP3 came.
    pending_until: Instant,
    /// Locked until then; `Instant(0)`: not locked.
    locked_until: Instant,
    /// Last seen (for eviction).
    last: Instant,
}

impl Entry {
    fn new(user: u8, source: Source, now: Instant) -> Entry {
        Entry {
            live: true,
            source,
            user,
            bucket: Bucket {
                spent: 0,
                since: now,
            },
            last: now,
            ..Entry::default()
        }
    }

    fn is(&self, user: u8, source: Source) -> bool {
        self.live && self.user == user && self.source == source
    }

    /// Brings the entry up to `now`: codes whose time is up become failures, an expired lock
    /// ends (with its count), the bucket refills.
    fn settle(&mut self, now: Instant, cfg: &LimiterConfig) {
        if self.outstanding > 0 && now >= self.pending_until {
            self.failures = self.failures.saturating_add(self.outstanding);
            self.outstanding = 0;
            self.lock_if_due(self.pending_until, cfg);
        }
        if self.locked() && now >= self.locked_until {
            self.locked_until = Instant(0);
            self.failures = 0;
        }
        self.bucket.settle(now, cfg.refill_ms);
    }

    fn locked(&self) -> bool {
        self.locked_until != Instant(0)
    }

    fn lock_if_due(&mut self, at: Instant, cfg: &LimiterConfig) {
        if cfg.lockout_threshold != 0 && self.failures >= cfg.lockout_threshold && !self.locked() {
            self.locked_until = at.add_millis(u64::from(cfg.lockout_ms)).max(Instant(1));
        }
    }

    /// Nothing worth keeping (after `settle`).
    fn clean(&self) -> bool {
        self.bucket.spent == 0 && self.failures == 0 && self.outstanding == 0 && !self.locked()
    }

    /// Which stranger gives way first: free, then clean, then unlocked, each least recently
    /// seen first; locked ones last, the one whose lock ends first.
    fn eviction_rank(&self) -> (u8, u64) {
        if !self.live {
            (0, 0)
        } else if self.clean() {
            (1, self.last.millis())
        } else if !self.locked() {
            (2, self.last.millis())
        } else {
            (3, self.locked_until.millis())
        }
    }
}

/// The login limiter: a fixed table of (user, source) entries and the global bucket.
#[derive(Debug, Clone)]
pub struct Limiter {
    known: [Entry; KNOWN],
    strangers: [Entry; STRANGERS],
    global: Bucket,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter {
            known: [Entry::default(); KNOWN],
            strangers: [Entry::default(); STRANGERS],
            global: Bucket::default(),
        }
    }
}

impl Limiter {
    fn at(&mut self, index: usize) -> Option<&mut Entry> {
        match index.checked_sub(KNOWN) {
            None => self.known.get_mut(index),
            Some(i) => self.strangers.get_mut(i),
        }
    }

    fn index(&self, user: u8, source: Source) -> Option<usize> {
        self.known
            .iter()
            .chain(self.strangers.iter())
            .position(|e| e.is(user, source))
    }

    fn entries(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.known.iter_mut().chain(self.strangers.iter_mut())
    }

    /// The entry of the pair, made among the strangers if it has none; settled to `now`.
    fn entry(
        &mut self,
        user: u8,
        source: Source,
        now: Instant,
        cfg: &LimiterConfig,
    ) -> Option<&mut Entry> {
        let index = match self.index(user, source) {
            Some(i) => i,
            None => {
                for e in self.strangers.iter_mut().filter(|e| e.live) {
                    e.settle(now, cfg);
                }
                let victim = self
                    .strangers
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.eviction_rank())
                    .map_or(0, |(i, _)| i);
                *self.strangers.get_mut(victim)? = Entry::new(user, source, now);
                KNOWN + victim
            }
        };
        let e = self.at(index)?;
        e.settle(now, cfg);
        e.last = now;
        Some(e)
    }

    /// Whether the source completed a login before (as any user).
    fn known_source(&self, source: Source) -> bool {
        self.known.iter().any(|e| e.live && e.source == source)
    }

    /// Whether `ip` completed a login before (its half-open sessions are kept from strangers).
    pub fn knows(&self, ip: IpAddr) -> bool {
        self.known_source(Source::of(ip))
    }

    /// Tokens the source holds over all its users.
    fn source_spent(&mut self, source: Source, now: Instant, cfg: &LimiterConfig) -> u16 {
        let mut sum = 0u16;
        for e in self.entries().filter(|e| e.live && e.source == source) {
            sum += u16::from(e.bucket.spent(now, cfg.refill_ms));
        }
        sum
    }

    /// May `user` from `ip` have its password checked now (a RAKP2 code, a 1.5 challenge)?
    /// If so, the grant is charged. `pending_ms`: the grant is a RAKP2 code that counts as a
    /// failed login unless its RAKP3 comes within that time.
    pub fn admit(
        &mut self,
        now: Instant,
        cfg: &LimiterConfig,
        user: u8,
        ip: IpAddr,
        pending_ms: Option<u32>,
    ) -> Result<(), Refusal> {
        let source = Source::of(ip);
        let e = self.entry(user, source, now, cfg).ok_or(Refusal::Busy)?;
        if e.locked() {
            return Err(Refusal::Locked);
        }
        // The attempts left before the lockout are all in flight: not locked (yet), but no
        // more now (an honest client running many handshakes at once is told to retry).
        let in_flight = e.failures.saturating_add(e.outstanding);
        if cfg.lockout_threshold != 0 && in_flight >= cfg.lockout_threshold {
            return Err(Refusal::Busy);
        }
        if self.source_spent(source, now, cfg) >= u16::from(cfg.burst) {
            return Err(Refusal::Busy);
        }
        let cap = if self.known_source(source) {
            cfg.global_burst
        } else {
            cfg.global_burst.saturating_sub(cfg.known_reserve)
        };
        if self.global.spent(now, cfg.global_refill_ms) >= cap {
            return Err(Refusal::Busy);
        }
        self.global.spend(now, cfg.global_refill_ms);
        let e = self.entry(user, source, now, cfg).ok_or(Refusal::Busy)?;
        e.bucket.spend(now, cfg.refill_ms);
        if let Some(ms) = pending_ms {
            e.outstanding = e.outstanding.saturating_add(1);
            e.pending_until = now.add_millis(u64::from(ms));
        }
        Ok(())
    }

    /// A name that is no user: charged to the source (no global token, no lockout), so that
    /// probing names costs the prober and nobody else.
    pub fn charge_unknown(&mut self, now: Instant, cfg: &LimiterConfig, ip: IpAddr) {
        let source = Source::of(ip);
        if self.source_spent(source, now, cfg) >= u16::from(cfg.burst) {
            return;
        }
        if let Some(e) = self.entry(0, source, now, cfg) {
            e.bucket.spend(now, cfg.refill_ms);
        }
    }

    /// Whether `user` from `ip` is locked out now. Checked before any password, so that a
    /// locked pair learns nothing from the answer.
    pub fn locked(&mut self, now: Instant, cfg: &LimiterConfig, user: u8, ip: IpAddr) -> bool {
        let source = Source::of(ip);
        let Some(index) = self.index(user, source) else {
            return false;
        };
        self.at(index).is_some_and(|e| {
            e.settle(now, cfg);
            e.locked()
        })
    }

    /// A failed login of `user` from `ip`: a wrong password, or a handshake the console gave up.
    /// `pending`: it ends a RAKP2 code granted with `pending_ms`.
    pub fn fail(&mut self, now: Instant, cfg: &LimiterConfig, user: u8, ip: IpAddr, pending: bool) {
        if let Some(e) = self.entry(user, Source::of(ip), now, cfg) {
            if pending {
                e.outstanding = e.outstanding.saturating_sub(1);
            }
            e.failures = e.failures.saturating_add(1);
            e.lock_if_due(now, cfg);
        }
    }

    /// A completed login of `user` from `ip`: its failures are forgiven, its tokens given back,
    /// and the pair is known from now on. `pending` as for [`Limiter::fail`].
    pub fn succeed(
        &mut self,
        now: Instant,
        cfg: &LimiterConfig,
        user: u8,
        ip: IpAddr,
        pending: bool,
    ) {
        let source = Source::of(ip);
        let Some(e) = self.entry(user, source, now, cfg) else {
            return;
        };
        if pending {
            e.outstanding = e.outstanding.saturating_sub(1);
        }
        e.failures = 0;
        e.locked_until = Instant(0);
        e.bucket.refund();
        let entry = *e;
        self.global.refund();
        // Move the pair among the known ones: into a free entry, else over the least recently
        // seen known pair (which only another completed login can push out).
        let Some(from) = self.index(user, source) else {
            return;
        };
        let Some(stranger) = from.checked_sub(KNOWN) else {
            return; // known already
        };
        let to = self
            .known
            .iter()
            .enumerate()
            .min_by_key(|(_, e)| (e.live, e.last.millis()))
            .map_or(0, |(i, _)| i);
        if let (Some(k), Some(s)) = (self.known.get_mut(to), self.strangers.get_mut(stranger)) {
            *k = entry;
            *s = Entry::default();
        }
    }

    /// Forgets every pair of `user` (its password or its slot changed).
    pub fn forget_user(&mut self, user: u8) {
        for e in self.entries().filter(|e| e.live && e.user == user) {
            *e = Entry::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    const CFG: LimiterConfig = LimiterConfig {
        burst: 3,
        refill_ms: 1000,
        lockout_threshold: 2,
        lockout_ms: 5000,
        global_burst: 8,
        global_refill_ms: 100,
        known_reserve: 4,
    };
    const PENDING: Option<u32> = Some(5000);

    fn v4(d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, d))
    }

    #[test]
    fn honest_clients_never_run_dry() {
        let mut l = Limiter::default();
        for i in 0..1000 {
            let now = Instant(i);
            assert_eq!(l.admit(now, &CFG, 2, v4(1), PENDING), Ok(()));
            l.succeed(now, &CFG, 2, v4(1), true);
        }
    }

    #[test]
    fn a_source_is_rationed_over_all_its_users() {
        let cfg = LimiterConfig {
            lockout_threshold: 0,
            global_burst: 100,
            global_refill_ms: 1,
            ..CFG
        };
        let mut l = Limiter::default();
        // A burst of 3 over all users of the source.
        let granted = (2..8)
            .filter(|&u| l.admit(Instant(0), &cfg, u, v4(9), None).is_ok())
            .count();
        assert_eq!(granted, 3);
        assert_eq!(
            l.admit(Instant(0), &cfg, 9, v4(9), None),
            Err(Refusal::Busy)
        );
        // Another source is untouched.
        assert_eq!(l.admit(Instant(0), &cfg, 2, v4(1), None), Ok(()));
        // Then one per pair holding a token and second: over 10 s, trying every 10 ms with 6
        // users, at most 3 pairs hold tokens, so at most 3 grants a second.
        let mut granted = 0;
        for ms in (1..10_000).step_by(10) {
            let user = 2 + (ms / 10 % 6) as u8;
            if l.admit(Instant(ms), &cfg, user, v4(9), None).is_ok() {
                granted += 1;
            }
        }
        assert!((27..=30).contains(&granted), "granted {granted}");
    }

    #[test]
    fn lockout_is_per_pair_and_expires() {
        let mut l = Limiter::default();
        l.fail(Instant(0), &CFG, 2, v4(66), false);
        assert!(!l.locked(Instant(1), &CFG, 2, v4(66)));
        l.fail(Instant(1), &CFG, 2, v4(66), false);
        assert!(l.locked(Instant(2), &CFG, 2, v4(66)));
        assert_eq!(
            l.admit(Instant(2), &CFG, 2, v4(66), PENDING),
            Err(Refusal::Locked)
        );
        // The same user from another source, another user from the same source: free.
        assert!(!l.locked(Instant(2), &CFG, 2, v4(1)));
        assert_eq!(l.admit(Instant(2), &CFG, 2, v4(1), PENDING), Ok(()));
        assert_eq!(l.admit(Instant(2), &CFG, 3, v4(66), PENDING), Ok(()));
        assert!(l.locked(Instant(5000), &CFG, 2, v4(66)));
        assert!(!l.locked(Instant(5001), &CFG, 2, v4(66)));
        // The count started over.
        l.fail(Instant(5002), &CFG, 2, v4(66), false);
        assert!(!l.locked(Instant(5003), &CFG, 2, v4(66)));
    }

    #[test]
    fn a_rakp2_without_rakp3_is_a_failure_when_its_time_is_up() {
        let mut l = Limiter::default();
        let cfg = LimiterConfig { burst: 10, ..CFG };
        assert_eq!(l.admit(Instant(0), &cfg, 2, v4(66), PENDING), Ok(()));
        assert_eq!(l.admit(Instant(10), &cfg, 2, v4(66), PENDING), Ok(()));
        // Both codes are out: the threshold is used up, though nothing failed yet.
        assert_eq!(
            l.admit(Instant(20), &cfg, 2, v4(66), PENDING),
            Err(Refusal::Busy)
        );
        assert!(!l.locked(Instant(20), &cfg, 2, v4(66)));
        // No RAKP3 came: both are failures, the pair is locked from when they expired.
        assert!(l.locked(Instant(5010), &cfg, 2, v4(66)));
        assert!(l.locked(Instant(10_009), &cfg, 2, v4(66)));
        assert!(!l.locked(Instant(10_010), &cfg, 2, v4(66)));
        // A RAKP3 that comes in time settles its code either way.
        assert_eq!(l.admit(Instant(20_000), &cfg, 2, v4(66), PENDING), Ok(()));
        l.succeed(Instant(20_001), &cfg, 2, v4(66), true);
        assert_eq!(l.admit(Instant(20_002), &cfg, 2, v4(66), PENDING), Ok(()));
        l.fail(Instant(20_003), &cfg, 2, v4(66), true);
        assert!(!l.locked(Instant(30_000), &cfg, 2, v4(66)));
    }

    #[test]
    fn a_legitimate_client_with_failures_left_gets_in() {
        let mut l = Limiter::default();
        l.fail(Instant(0), &CFG, 2, v4(1), false);
        // One failure, threshold two: the next attempt is admitted and may succeed.
        assert_eq!(l.admit(Instant(1), &CFG, 2, v4(1), PENDING), Ok(()));
        assert!(!l.locked(Instant(2), &CFG, 2, v4(1)));
        l.succeed(Instant(2), &CFG, 2, v4(1), true);
        l.fail(Instant(3), &CFG, 2, v4(1), false);
        assert!(!l.locked(Instant(4), &CFG, 2, v4(1)));
    }

    #[test]
    fn global_cap_keeps_a_reserve_for_known_sources() {
        let cfg = LimiterConfig {
            lockout_threshold: 0,
            ..CFG
        };
        let mut l = Limiter::default();
        // Source 1 logs in once: known.
        assert_eq!(l.admit(Instant(0), &cfg, 2, v4(1), PENDING), Ok(()));
        l.succeed(Instant(0), &cfg, 2, v4(1), true);
        // Strangers from many addresses take what strangers may: 8 - 4.
        let mut granted = 0;
        for d in 10..40 {
            if l.admit(Instant(1), &cfg, 2, v4(d), None).is_ok() {
                granted += 1;
            }
        }
        assert_eq!(granted, 4);
        assert_eq!(
            l.admit(Instant(1), &cfg, 2, v4(200), None),
            Err(Refusal::Busy)
        );
        // The known source still gets in.
        assert_eq!(l.admit(Instant(1), &cfg, 2, v4(1), PENDING), Ok(()));
        l.succeed(Instant(1), &cfg, 2, v4(1), true);
        // The global bucket refills: one token per 100 ms.
        assert_eq!(l.admit(Instant(101), &cfg, 2, v4(200), None), Ok(()));
    }

    #[test]
    fn strangers_cannot_evict_known_pairs() {
        let mut l = Limiter::default();
        assert_eq!(l.admit(Instant(0), &CFG, 2, v4(1), PENDING), Ok(()));
        l.succeed(Instant(0), &CFG, 2, v4(1), true);
        l.fail(Instant(1), &CFG, 2, v4(1), false);
        for d in 0..=255 {
            l.fail(
                Instant(2),
                &CFG,
                2,
                IpAddr::V4(Ipv4Addr::new(10, 1, 0, d)),
                false,
            );
        }
        // The known pair kept its failure: one more locks it.
        l.fail(Instant(3), &CFG, 2, v4(1), false);
        assert!(l.locked(Instant(4), &CFG, 2, v4(1)));
    }

    #[test]
    fn strangers_evict_clean_entries_first_and_locked_ones_last() {
        let mut l = Limiter::default();
        // A locked stranger.
        l.fail(Instant(0), &CFG, 2, v4(66), false);
        l.fail(Instant(0), &CFG, 2, v4(66), false);
        // Many clean strangers, more than the table holds (RAKP1 for unknown names refunded
        // by time: clean again after a second).
        for d in 100..200 {
            l.charge_unknown(Instant(1), &CFG, v4(d));
        }
        for d in 100..200 {
            l.charge_unknown(Instant(3000), &CFG, v4(d));
        }
        assert!(l.locked(Instant(3001), &CFG, 2, v4(66)));
    }

    #[test]
    fn ipv6_sources_are_their_slash_64_and_mapped_ipv4_is_ipv4() {
        let a: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:ffff::77".parse().unwrap();
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Source::of(a.into()), Source::of(b.into()));
        assert_ne!(Source::of(a.into()), Source::of(c.into()));
        let m: Ipv6Addr = "::ffff:127.0.0.66".parse().unwrap();
        let v = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 66));
        assert_eq!(Source::of(m.into()), Source::of(v));
        assert_ne!(
            Source::of(v),
            Source::of(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))
        );
    }

    #[test]
    fn forgetting_a_user_clears_its_locks() {
        let mut l = Limiter::default();
        l.fail(Instant(0), &CFG, 2, v4(66), false);
        l.fail(Instant(0), &CFG, 2, v4(66), false);
        l.fail(Instant(0), &CFG, 3, v4(66), false);
        l.fail(Instant(0), &CFG, 3, v4(66), false);
        l.forget_user(2);
        assert!(!l.locked(Instant(1), &CFG, 2, v4(66)));
        assert!(l.locked(Instant(1), &CFG, 3, v4(66)));
    }
}

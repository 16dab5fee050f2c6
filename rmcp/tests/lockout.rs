//! Logins an attacker cannot block or guess, at the endpoint, at chosen instants: rationing and
//! lockout per (user, source), the global cap with its reserve for known sources, failures
//! counted at RAKP2 time, IPMI 1.5 locked before the password, and session slots a flood from
//! one address cannot take from another. Also the guess rates the README quotes.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ipmi_core::{CompletionCode, Instant, Privilege};
use rmcp::client::{ClientConfig, Event, Failure, Random, Session, Stage, MAX_DATAGRAM};
use rmcp::server::{Config, Endpoint, Output};
use rmcp::wire::rakp::RmcpPlusStatus as Status;

struct Counter(u32);
impl Random for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            *b = (self.0 >> 16) as u8;
        }
    }
}

const HANDSHAKE_MS: u32 = 5_000;

struct LockoutBmc {
    ep: Endpoint<8, 8>,
    rng: Counter,
}

impl LockoutBmc {
    fn new() -> LockoutBmc {
        let mut c: Config<8> = Config::new();
        c.add_user(b"admin", b"password", Privilege::Administrator)
            .unwrap();
        c.add_user(b"operator", b"secret", Privilege::Operator)
            .unwrap();
        c.handshake_timeout_ms = HANDSHAKE_MS;
        LockoutBmc {
            ep: Endpoint::new(c),
            rng: Counter(99),
        }
    }

    fn exchange(&mut self, now: u64, from: SocketAddr, datagram: &[u8]) -> Option<Vec<u8>> {
        let mut out = [0u8; 512];
        match self
            .ep
            .handle(Instant(now), from, datagram, &mut self.rng, &mut out)
        {
            Output::Reply(n) => Some(out[..n].to_vec()),
            _ => None,
        }
    }
}

fn peer(last: u8, port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, last)), port)
}

/// How a login ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Established (and the session closed again).
    In,
    /// The BMC refused, or the client did (wrong password seen in RAKP2).
    Failed(Failure),
    /// The BMC said nothing to this datagram (IPMI 1.5 Activate Session with a wrong password).
    Silence(Option<Stage>),
    /// Stopped, as asked, before sending this RMCP+ payload type / at this stage.
    Paused,
}

/// A console on `from`.
struct Console {
    s: Session,
    rng: Counter,
    from: SocketAddr,
    out: [u8; MAX_DATAGRAM],
    n: usize,
}

impl Console {
    fn new(from: SocketAddr, user: &str, pass: &str, v15: bool) -> Console {
        let privilege = if user == "admin" {
            Privilege::Administrator
        } else {
            Privilege::Operator
        };
        let mut cfg = ClientConfig::new(user.as_bytes(), pass.as_bytes(), privilege)
            .unwrap()
            .with_auth_capabilities(false);
        if v15 {
            cfg = cfg.with_ipmi15_md5().unwrap();
        }
        let octets = match from.ip() {
            IpAddr::V4(v4) => u32::from(v4),
            IpAddr::V6(_) => 6,
        };
        let mut rng = Counter(u32::from(from.port()) ^ octets.rotate_left(16));
        let s = Session::new(cfg, &mut rng);
        Console {
            s,
            rng,
            from,
            out: [0; MAX_DATAGRAM],
            n: 0,
        }
    }

    /// Runs the login at `now` until it ends, or until the console is about to send a
    /// datagram at `pause` (the stage it will then wait for). `courtesy`: send the RAKP3 with
    /// an error status a real client sends when RAKP2 does not verify.
    fn run(&mut self, bmc: &mut LockoutBmc, now: u64, pause: Option<Stage>, courtesy: bool) -> End {
        if self.n == 0 {
            self.n = self.s.start(&mut self.rng, &mut self.out).unwrap();
        }
        loop {
            if pause.is_some() && self.s.waiting_for() == pause {
                return End::Paused;
            }
            let Some(reply) = bmc.exchange(now, self.from, &self.out[..self.n]) else {
                return End::Silence(self.s.waiting_for());
            };
            match self.s.handle(&reply, &mut self.rng, &mut self.out).unwrap() {
                Event::Send(n) => self.n = n,
                Event::Established => {
                    let n = self.s.close(&mut self.rng, &mut self.out).unwrap();
                    let _ = bmc.exchange(now, self.from, &self.out[..n]);
                    return End::In;
                }
                Event::Failed { failure, send } => {
                    if courtesy && send > 0 {
                        assert!(bmc.exchange(now, self.from, &self.out[..send]).is_none());
                    }
                    return End::Failed(failure);
                }
                Event::Ignored => return End::Silence(self.s.waiting_for()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Sends the datagram the console paused before; the BMC's answer, if any.
    fn resume_raw(&mut self, bmc: &mut LockoutBmc, now: u64) -> Option<Vec<u8>> {
        bmc.exchange(now, self.from, &self.out[..self.n])
    }
}

fn login(
    bmc: &mut LockoutBmc,
    now: u64,
    from: SocketAddr,
    user: &str,
    pass: &str,
    v15: bool,
) -> End {
    Console::new(from, user, pass, v15).run(bmc, now, None, true)
}

const LOCKED: End = End::Failed(Failure::Status {
    stage: Stage::Rakp2,
    status: Status::UnauthorizedName,
});
const BUSY: End = End::Failed(Failure::Status {
    stage: Stage::Rakp2,
    status: Status::InsufficientResources,
});
const WRONG: End = End::Failed(Failure::Rakp2AuthCode);
const V15_LOCKED: End = End::Failed(Failure::CompletionCode {
    stage: Stage::SessionChallenge,
    completion_code: CompletionCode::CommandSpecific81,
});

/// A forged RAKP3 (status "no errors", a code that is not the password's) for the handshake
/// a console paused before RAKP3: the BMC's RAKP4 status.
fn forged_rakp3(bmc: &mut LockoutBmc, now: u64, c: &mut Console) -> Status {
    // The console's RAKP3 with its code flipped: header 16 bytes, RAKP3 code from byte 8.
    let mut d = c.out[..c.n].to_vec();
    let last = d.len() - 1;
    d[last] ^= 0x55;
    let reply = bmc.exchange(now, c.from, &d).expect("RAKP4");
    Status::from(reply[17])
}

#[test]
fn forged_rakp3_locks_only_the_forger() {
    let mut bmc = LockoutBmc::new();
    let attacker = peer(66, 4000);
    for i in 0..5 {
        let mut c = Console::new(peer(66, 4000 + i), "admin", "password", false);
        assert_eq!(
            c.run(&mut bmc, 10 * u64::from(i), Some(Stage::Rakp4), true),
            End::Paused
        );
        assert_eq!(
            forged_rakp3(&mut bmc, 10 * u64::from(i), &mut c),
            Status::InvalidIntegrityCheckValue
        );
    }
    // Locked: even the right password gets what a locked name gets, before any password.
    assert_eq!(
        login(&mut bmc, 100, attacker, "admin", "password", false),
        LOCKED
    );
    assert_eq!(
        login(&mut bmc, 100, attacker, "admin", "wrong", false),
        LOCKED
    );
    // Nobody else is: the same user from another address, another user from the attacker.
    assert_eq!(
        login(&mut bmc, 100, peer(1, 5000), "admin", "password", false),
        End::In
    );
    assert_eq!(
        login(&mut bmc, 100, attacker, "operator", "secret", false),
        End::In
    );
    // For 60 s.
    assert_eq!(
        login(&mut bmc, 60_039, attacker, "admin", "password", false),
        LOCKED
    );
    assert_eq!(
        login(&mut bmc, 60_050, attacker, "admin", "password", false),
        End::In
    );
}

#[test]
fn rakp2_without_rakp3_is_a_failure_when_its_handshake_expires() {
    let mut bmc = LockoutBmc::new();
    // Five RAKP2 codes for admin from .66, never a RAKP3 (a harvester, or a client with the
    // wrong password that does not send the courtesy RAKP3).
    for i in 0..5 {
        let mut c = Console::new(peer(66, 4000 + i), "admin", "wrong", false);
        assert_eq!(c.run(&mut bmc, u64::from(i), None, false), WRONG);
    }
    // The threshold is used up by codes in flight already: not locked yet, but no more now.
    assert_eq!(
        login(&mut bmc, 10, peer(66, 4100), "admin", "password", false),
        BUSY
    );
    // When their handshakes expire they are failures: the pair is locked for 60 s from then.
    let expired = 4 + u64::from(HANDSHAKE_MS);
    assert_eq!(bmc.ep.active_sessions(), 0);
    assert_eq!(
        login(
            &mut bmc,
            expired + 59_000,
            peer(66, 4101),
            "admin",
            "password",
            false
        ),
        LOCKED
    );
    assert_eq!(
        login(
            &mut bmc,
            expired + 60_000,
            peer(66, 4102),
            "admin",
            "password",
            false
        ),
        End::In
    );
    // And .1 was never affected.
    assert_eq!(
        login(&mut bmc, 20, peer(1, 5000), "admin", "password", false),
        End::In
    );
}

#[test]
fn many_handshakes_at_once_are_told_to_retry_never_locked() {
    let mut bmc = LockoutBmc::new();
    // Five handshakes of one (user, source) between RAKP2 and RAKP3 at once: a sixth is told
    // "insufficient resources" (all attempts before a lockout are in flight), not "locked".
    let mut held: Vec<Console> = (0..5)
        .map(|i| {
            let mut c = Console::new(peer(1, 5000 + i), "admin", "password", false);
            assert_eq!(c.run(&mut bmc, 0, Some(Stage::Rakp4), true), End::Paused);
            c
        })
        .collect();
    assert_eq!(
        login(&mut bmc, 1, peer(1, 5100), "admin", "password", false),
        BUSY
    );
    for c in held.iter_mut() {
        assert_eq!(c.run(&mut bmc, 2, None, true), End::In);
    }
    assert_eq!(
        login(&mut bmc, 3, peer(1, 5100), "admin", "password", false),
        End::In
    );
}

#[test]
fn a_client_that_gives_up_at_rakp2_counts_as_a_failure() {
    let mut bmc = LockoutBmc::new();
    // ipmitool and freeipmi with a wrong password stop at RAKP2 (with a RAKP3 carrying an
    // error status): five of them lock the pair at once.
    for i in 0..5 {
        assert_eq!(
            login(&mut bmc, i, peer(7, 4000), "admin", "wrong", false),
            WRONG
        );
    }
    assert_eq!(
        login(&mut bmc, 10, peer(7, 4000), "admin", "password", false),
        LOCKED
    );
    assert_eq!(
        login(&mut bmc, 10, peer(8, 4000), "admin", "password", false),
        End::In
    );
}

#[test]
fn a_rakp1_flood_from_one_source_does_not_starve_another() {
    let mut bmc = LockoutBmc::new();
    let mut refused = 0;
    let mut codes = 0;
    // 2 minutes: the attacker tries every 10 ms, the real admin logs in every second.
    for ms in (0..120_000u64).step_by(10) {
        let port = 4000 + (ms / 10 % 1000) as u16;
        match login(&mut bmc, ms, peer(66, port), "admin", "guess", false) {
            WRONG => codes += 1,
            LOCKED | BUSY => refused += 1,
            other => panic!("attacker: {other:?}"),
        }
        if ms % 1000 == 0 {
            assert_eq!(
                login(&mut bmc, ms, peer(1, 5000), "admin", "password", false),
                End::In,
                "the real admin at {ms} ms"
            );
        }
    }
    // Five codes per 60 s lockout (plus the handshake time), nothing more.
    assert!(codes <= 15, "{codes} RAKP2 codes for the attacker");
    assert!(refused > 10_000);
}

#[test]
fn v15_guesser_sees_no_difference_once_locked() {
    let mut bmc = LockoutBmc::new();
    let at = |p| peer(66, p);
    // A challenge for the right password, held back.
    let mut right = Console::new(at(4000), "operator", "secret", true);
    assert_eq!(
        right.run(&mut bmc, 0, Some(Stage::ActivateSession), true),
        End::Paused
    );
    let mut wrong_held = Console::new(at(4001), "operator", "nope", true);
    assert_eq!(
        wrong_held.run(&mut bmc, 0, Some(Stage::ActivateSession), true),
        End::Paused
    );
    // Five wrong guesses: silence each time, and the pair is locked.
    for i in 0..5 {
        assert_eq!(
            login(&mut bmc, 1, at(4010 + i), "operator", "nope", true),
            End::Silence(Some(Stage::ActivateSession))
        );
    }
    // Now the right password gets what a wrong one gets: nothing, checked before the password.
    assert_eq!(right.resume_raw(&mut bmc, 2), None);
    assert_eq!(wrong_held.resume_raw(&mut bmc, 2), None);
    // And a new challenge is refused alike, whatever the password.
    assert_eq!(
        login(&mut bmc, 3, at(4020), "operator", "secret", true),
        V15_LOCKED
    );
    assert_eq!(
        login(&mut bmc, 3, at(4021), "operator", "nope", true),
        V15_LOCKED
    );
    // Another source is not locked, nor is RMCP+ for another user.
    assert_eq!(
        login(&mut bmc, 3, peer(1, 5000), "operator", "secret", true),
        End::In
    );
    assert_eq!(
        login(&mut bmc, 3, at(4022), "admin", "password", false),
        End::In
    );
    // After 60 s the pair may try again.
    assert_eq!(
        login(&mut bmc, 60_001, at(4023), "operator", "secret", true),
        End::In
    );
}

#[test]
fn v15_challenges_are_rationed_per_source() {
    let mut bmc = LockoutBmc::new();
    let mut granted = 0;
    for i in 0..20 {
        let mut c = Console::new(peer(66, 4000 + i), "operator", "nope", true);
        match c.run(&mut bmc, 0, Some(Stage::ActivateSession), true) {
            End::Paused => granted += 1,
            End::Failed(Failure::CompletionCode {
                stage: Stage::SessionChallenge,
                completion_code: CompletionCode::NodeBusy,
            }) => {}
            other => panic!("{other:?}"),
        }
    }
    // The source's burst of 8 (the session table holds 8 half-open sessions, its own pushed out).
    assert_eq!(granted, 8);
    assert_eq!(
        login(&mut bmc, 0, peer(1, 5000), "operator", "secret", true),
        End::In
    );
}

#[test]
fn strangers_cannot_use_up_the_tokens_kept_for_known_sources() {
    let mut bmc = LockoutBmc::new();
    // .1 logged in before.
    assert_eq!(
        login(&mut bmc, 0, peer(1, 5000), "admin", "password", false),
        End::In
    );
    // Many strangers harvest RAKP2 codes at once: the global cap stops them at 32 - 16.
    let mut codes = 0;
    for last in 10..60 {
        if login(&mut bmc, 1, peer(last, 4000), "admin", "wrong", false) == WRONG {
            codes += 1;
        }
    }
    assert_eq!(codes, 16);
    assert_eq!(
        login(&mut bmc, 1, peer(200, 4000), "admin", "password", false),
        BUSY
    );
    // The known source still logs in.
    for i in 0..20 {
        assert_eq!(
            login(&mut bmc, 2 + i, peer(1, 5000), "admin", "password", false),
            End::In
        );
    }
    // The global bucket earns a token back every 125 ms.
    assert_eq!(
        login(&mut bmc, 130, peer(200, 4000), "admin", "password", false),
        End::In
    );
}

#[test]
fn an_open_session_flood_does_not_push_out_another_clients_handshake() {
    let mut bmc = LockoutBmc::new();
    let mut real = Console::new(peer(1, 5000), "admin", "password", false);
    assert_eq!(real.run(&mut bmc, 0, Some(Stage::Rakp2), true), End::Paused);
    // 200 Open Sessions from .66 while the real client is between Open Session and RAKP1.
    for i in 0..200 {
        let mut c = Console::new(peer(66, 4000 + i), "admin", "x", false);
        assert_eq!(c.run(&mut bmc, 1, Some(Stage::Rakp2), true), End::Paused);
    }
    assert_eq!(real.run(&mut bmc, 2, None, true), End::In);
}

#[test]
fn a_flood_from_many_sources_does_not_push_out_a_known_clients_handshake() {
    let mut bmc = LockoutBmc::new();
    // .1 logged in before: known.
    assert_eq!(
        login(&mut bmc, 0, peer(1, 5000), "admin", "password", false),
        End::In
    );
    let mut real = Console::new(peer(1, 5001), "admin", "password", false);
    assert_eq!(real.run(&mut bmc, 1, Some(Stage::Rakp2), true), End::Paused);
    // 200 strangers, each with a handshake left at RAKP2.
    for last in 10..210u16 {
        let mut c = Console::new(peer(last as u8, 4000 + last), "admin", "x", false);
        let _ = c.run(&mut bmc, 2, None, false);
    }
    assert_eq!(real.run(&mut bmc, 3, None, true), End::In);
}

#[test]
fn a_flood_from_one_ipv6_64_counts_as_one_source() {
    let mut bmc = LockoutBmc::new();
    let v6 = |i: u16| {
        SocketAddr::new(
            IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, i, 1)),
            4000,
        )
    };
    let mut real = Console::new(peer(1, 5000), "admin", "password", false);
    assert_eq!(real.run(&mut bmc, 0, Some(Stage::Rakp2), true), End::Paused);
    // 200 addresses of one /64, each opening a session: one source, it pushes out only its own.
    for i in 0..200 {
        let mut c = Console::new(v6(i), "admin", "x", false);
        assert_eq!(c.run(&mut bmc, 1, Some(Stage::Rakp2), true), End::Paused);
    }
    assert_eq!(real.run(&mut bmc, 2, None, true), End::In);
}

/// The figures for the README: password checks (RAKP2 codes, 1.5 activations) an attacker
/// gets per second, from one source and from many, trying as fast as the BMC answers.
#[test]
fn guess_rates() {
    let minutes = 10u64;
    let span = minutes * 60_000;
    // One source, one user, RMCP+ (every 10 ms).
    let mut bmc = LockoutBmc::new();
    let mut one = 0u32;
    for ms in (0..span).step_by(10) {
        if login(&mut bmc, ms, peer(66, 4000), "admin", "guess", false) == WRONG {
            one += 1;
        }
    }
    // One source, both users (and IPMI 1.5 for one of them).
    let mut bmc = LockoutBmc::new();
    let mut both = 0u32;
    for ms in (0..span).step_by(10) {
        if login(&mut bmc, ms, peer(66, 4000), "admin", "guess", false) == WRONG {
            both += 1;
        }
        let mut c = Console::new(peer(66, 4001), "operator", "guess", true);
        if c.run(&mut bmc, ms, None, true) == End::Silence(Some(Stage::ActivateSession)) {
            both += 1;
        }
    }
    // 250 sources (a /24 of strangers), round robin, every 5 ms in all.
    let mut bmc = LockoutBmc::new();
    let mut many = 0u32;
    for ms in (0..span).step_by(5) {
        let last = (ms / 5 % 250) as u8 + 1;
        if login(&mut bmc, ms, peer(last, 4000), "admin", "guess", false) == WRONG {
            many += 1;
        }
    }
    let per_s = |n: u32| f64::from(n) / (span as f64 / 1000.0);
    println!(
        "guess rates over {minutes} min: one source, one user {one} ({:.3}/s); one source, two users (RMCP+ and 1.5) {both} ({:.3}/s); 250 sources {many} ({:.2}/s)",
        per_s(one),
        per_s(both),
        per_s(many)
    );
    // Per (user, source): 5 per lockout of 60 s (+ 5 s handshake time).
    assert!(per_s(one) <= 5.0 / 60.0 + 0.01, "{one}");
    assert!(per_s(both) <= 2.0 * (5.0 / 60.0) + 0.01, "{both}");
    // Globally: the 8/s of the global bucket at most (strangers get their 16-token share).
    assert!(per_s(many) <= 8.0 + 0.1, "{many}");
}

//! The client against the in-memory endpoint: every suite, IPMI 1.5, failures, retransmission,
//! and no panic on any reply (proptest). Real-UDP tests live in tests/client.rs.
use core::net::SocketAddr;
use std::vec::Vec;

use ipmi_core::bmc::{Action, ActionResult};
use ipmi_core::{CompletionCode, Instant, NetFn, Privilege};
use proptest::prelude::*;

use super::*;
use crate::server::{Config, Endpoint, Output, KNOWN_SUITES};

/// A deterministic random source (xorshift), different per seed.
struct TestRandom(u64);

impl Random for TestRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}

fn peer() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

fn bmc_config() -> Config<8> {
    let mut c: Config<8> = Config::new();
    c.add_user(b"admin", b"password", Privilege::Administrator)
        .unwrap();
    c.add_user(b"user", b"userpass", Privilege::User).unwrap();
    c.set_suites(&KNOWN_SUITES).unwrap();
    c.system_guid = [0x42; 16];
    c
}

/// The BMC's answer to one datagram (platform actions complete at once).
fn bmc_reply(ep: &mut Endpoint<8, 8>, rng: &mut TestRandom, datagram: &[u8]) -> Option<Vec<u8>> {
    let mut out = [0u8; 512];
    match ep.handle(Instant::from_millis(1), peer(), datagram, rng, &mut out) {
        Output::Drop => None,
        Output::Reply(n) => Some(out[..n].to_vec()),
        Output::Pending(ticket, action) => {
            let result = match action {
                Action::PowerStatus => ActionResult::Power { on: true },
                _ => ActionResult::Done,
            };
            let n = ep.complete(ticket, result, Instant::from_millis(1), rng, &mut out)?;
            Some(out[..n].to_vec())
        }
    }
}

/// What a pump ended with.
#[derive(Debug, PartialEq)]
enum End {
    Established,
    Response(CompletionCode, Vec<u8>),
    Closed,
    Failed(Failure),
    Silence,
}

/// Sends `out[..n]` and keeps going until the session reports something other than `Send`.
fn pump(
    ep: &mut Endpoint<8, 8>,
    s: &mut Session,
    rng: &mut TestRandom,
    out: &mut [u8; MAX_DATAGRAM],
    mut n: usize,
) -> End {
    for _ in 0..16 {
        let Some(reply) = bmc_reply(ep, rng, &out[..n]) else {
            return End::Silence;
        };
        match s.handle(&reply, rng, out).unwrap() {
            Event::Send(m) => n = m,
            Event::Established => return End::Established,
            Event::Response(r) => return End::Response(r.completion_code, r.data.to_vec()),
            Event::Closed => return End::Closed,
            Event::Failed { failure, send } => {
                if send > 0 {
                    let _ = bmc_reply(ep, rng, &out[..send]);
                }
                return End::Failed(failure);
            }
            Event::Ignored => panic!("the endpoint's own reply was ignored"),
        }
    }
    panic!("no end");
}

fn connect(ep: &mut Endpoint<8, 8>, config: ClientConfig, rng: &mut TestRandom) -> (Session, End) {
    let mut out = [0u8; MAX_DATAGRAM];
    let mut s = Session::new(config, rng);
    let n = s.start(rng, &mut out).unwrap();
    let end = pump(ep, &mut s, rng, &mut out, n);
    (s, end)
}

fn admin(suite: u8) -> ClientConfig {
    ClientConfig::new(b"admin", b"password", Privilege::Administrator)
        .unwrap()
        .with_suite(suite)
        .unwrap()
}

fn request(
    ep: &mut Endpoint<8, 8>,
    s: &mut Session,
    rng: &mut TestRandom,
    netfn: NetFn,
    cmd: u8,
    data: &[u8],
) -> End {
    let mut out = [0u8; MAX_DATAGRAM];
    let n = s.request(netfn, cmd, data, rng, &mut out).unwrap();
    pump(ep, s, rng, &mut out, n)
}

fn close(ep: &mut Endpoint<8, 8>, s: &mut Session, rng: &mut TestRandom) -> End {
    let mut out = [0u8; MAX_DATAGRAM];
    let n = s.close(rng, &mut out).unwrap();
    pump(ep, s, rng, &mut out, n)
}

#[test]
fn every_suite_handshake_request_close() {
    for suite in KNOWN_SUITES {
        let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
        let mut rng = TestRandom(0x1234 + u64::from(suite));
        let (mut s, end) = connect(&mut ep, admin(suite), &mut rng);
        assert_eq!(end, End::Established, "suite {suite}");
        assert!(s.is_active());
        assert_eq!(s.max_privilege(), Privilege::Administrator);
        assert!(s.auth_capabilities().unwrap().supports_ipmi_v20);
        // Get Device ID: 11 or 15 bytes of data.
        let End::Response(cc, data) = request(&mut ep, &mut s, &mut rng, NetFn::App, 0x01, &[])
        else {
            panic!("suite {suite}: no response");
        };
        assert_eq!(cc, CompletionCode::Normal, "suite {suite}");
        assert!(matches!(data.len(), 11 | 15), "suite {suite}: {data:?}");
        // Chassis Control (Operator) works at Administrator.
        let end = request(&mut ep, &mut s, &mut rng, NetFn::Chassis, 0x02, &[1]);
        assert_eq!(end, End::Response(CompletionCode::Normal, Vec::new()));
        assert_eq!(close(&mut ep, &mut s, &mut rng), End::Closed);
        assert!(s.is_closed());
        assert_eq!(ep.active_sessions(), 0, "suite {suite}");
    }
}

#[test]
fn ipmi15_md5() {
    let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
    let mut rng = TestRandom(99);
    let config = admin(3).with_ipmi15_md5().unwrap();
    let (mut s, end) = connect(&mut ep, config, &mut rng);
    assert_eq!(end, End::Established);
    for _ in 0..3 {
        let End::Response(cc, data) = request(&mut ep, &mut s, &mut rng, NetFn::Chassis, 0x01, &[])
        else {
            panic!("no response");
        };
        assert_eq!(cc, CompletionCode::Normal);
        assert!(data.len() >= 3);
    }
    assert_eq!(close(&mut ep, &mut s, &mut rng), End::Closed);
    assert_eq!(ep.active_sessions(), 0);
}

#[test]
fn wrong_password_is_refused_and_the_bmc_told() {
    for suite in [1u8, 3, 8, 17] {
        let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
        let mut rng = TestRandom(7);
        let config = ClientConfig::new(b"admin", b"wrong", Privilege::Administrator)
            .unwrap()
            .with_suite(suite)
            .unwrap();
        let (s, end) = connect(&mut ep, config, &mut rng);
        assert_eq!(end, End::Failed(Failure::Rakp2AuthCode), "suite {suite}");
        assert_eq!(s.failure(), Some(Failure::Rakp2AuthCode));
        // The RAKP3 error made the BMC forget the half-open session.
        assert_eq!(ep.active_sessions(), 0, "suite {suite}");
    }
}

#[test]
fn wrong_kg_fails_at_rakp4() {
    let mut config = bmc_config();
    config.set_kg(Some(b"0123456789abcdefghij")).unwrap();
    for (kg, expect) in [
        (Some(&b"0123456789abcdefghij"[..]), End::Established),
        (Some(&b"wrong"[..]), End::Failed(Failure::Rakp4Icv)),
        (None, End::Failed(Failure::Rakp4Icv)),
    ] {
        let mut ep: Endpoint<8, 8> = Endpoint::new(config.clone());
        let mut rng = TestRandom(5);
        let mut c = admin(17);
        if let Some(kg) = kg {
            c = c.with_kg(kg).unwrap();
        }
        let (_, end) = connect(&mut ep, c, &mut rng);
        assert_eq!(end, expect);
    }
}

#[test]
fn refusals_carry_the_status() {
    let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
    let mut rng = TestRandom(11);
    // Unknown user.
    let c = ClientConfig::new(b"nobody", b"x", Privilege::User).unwrap();
    let (_, end) = connect(&mut ep, c, &mut rng);
    assert_eq!(
        end,
        End::Failed(Failure::Status {
            stage: Stage::Rakp2,
            status: crate::wire::rakp::RmcpPlusStatus::UnauthorizedName
        })
    );
    // A User asking for Administrator.
    let c = ClientConfig::new(b"user", b"userpass", Privilege::Administrator).unwrap();
    let (_, end) = connect(&mut ep, c, &mut rng);
    assert_eq!(
        end,
        End::Failed(Failure::Status {
            stage: Stage::Rakp2,
            status: crate::wire::rakp::RmcpPlusStatus::UnauthorizedRole
        })
    );
    // A suite the BMC does not enable.
    let mut cfg = bmc_config();
    cfg.set_suites(&[3]).unwrap();
    let mut ep: Endpoint<8, 8> = Endpoint::new(cfg);
    let (_, end) = connect(&mut ep, admin(17), &mut rng);
    assert_eq!(
        end,
        End::Failed(Failure::Status {
            stage: Stage::OpenSession,
            status: crate::wire::rakp::RmcpPlusStatus::NoCipherSuiteMatch
        })
    );
}

#[test]
fn user_privilege_cannot_control_the_chassis() {
    let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
    let mut rng = TestRandom(13);
    let c = ClientConfig::new(b"user", b"userpass", Privilege::User).unwrap();
    let (mut s, end) = connect(&mut ep, c, &mut rng);
    assert_eq!(end, End::Established);
    let end = request(&mut ep, &mut s, &mut rng, NetFn::Chassis, 0x02, &[1]);
    assert_eq!(
        end,
        End::Response(CompletionCode::InsufficientPrivilege, Vec::new())
    );
}

#[test]
fn retransmission_is_answered_once_and_the_duplicate_ignored() {
    let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
    let mut rng = TestRandom(17);
    let (mut s, end) = connect(&mut ep, admin(17), &mut rng);
    assert_eq!(end, End::Established);
    let mut out = [0u8; MAX_DATAGRAM];
    let n = s
        .request(NetFn::Chassis, 0x02, &[1], &mut rng, &mut out)
        .unwrap();
    let first = out[..n].to_vec();
    assert_eq!(s.retransmit(&mut out).unwrap(), n);
    assert_eq!(&out[..n], &first[..]);
    let r1 = bmc_reply(&mut ep, &mut rng, &first).unwrap();
    let r2 = bmc_reply(&mut ep, &mut rng, &first).unwrap();
    assert!(matches!(
        s.handle(&r1, &mut rng, &mut out).unwrap(),
        Event::Response(_)
    ));
    assert_eq!(s.handle(&r2, &mut rng, &mut out).unwrap(), Event::Ignored);
    // A replayed reply is not accepted for the next request either.
    s.request(NetFn::Chassis, 0x02, &[1], &mut rng, &mut out)
        .unwrap();
    assert_eq!(s.handle(&r1, &mut rng, &mut out).unwrap(), Event::Ignored);
    // Giving up on that request: Close Session still goes out, and the late reply to the
    // abandoned request is not taken for the close acknowledgement.
    let late = bmc_reply(&mut ep, &mut rng, &out[..n]);
    assert!(s.is_authenticated());
    let n = s.close(&mut rng, &mut out).unwrap();
    if let Some(late) = late {
        assert_eq!(s.handle(&late, &mut rng, &mut out).unwrap(), Event::Ignored);
    }
    assert_eq!(pump(&mut ep, &mut s, &mut rng, &mut out, n), End::Closed);
    assert!(!s.is_authenticated());
    assert_eq!(ep.active_sessions(), 0);
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let mut rng = TestRandom(19);
    let mut out = [0u8; MAX_DATAGRAM];
    let mut s = Session::new(admin(3), &mut rng);
    assert_eq!(
        s.request(NetFn::App, 1, &[], &mut rng, &mut out),
        Err(ClientError::NotReady)
    );
    assert_eq!(s.close(&mut rng, &mut out), Err(ClientError::NotReady));
    assert_eq!(s.retransmit(&mut out), Err(ClientError::NotReady));
    s.start(&mut rng, &mut out).unwrap();
    assert_eq!(s.start(&mut rng, &mut out), Err(ClientError::NotReady));
    assert_eq!(
        s.request(NetFn::App, 1, &[], &mut rng, &mut out),
        Err(ClientError::Busy)
    );
    let mut small = [0u8; 8];
    assert_eq!(s.retransmit(&mut small), Err(ClientError::BufferTooSmall));
    assert!(ClientConfig::new(&[b'a'; 17], b"x", Privilege::User).is_err());
    assert!(ClientConfig::new(b"a", &[b'x'; 21], Privilege::User).is_err());
    assert!(ClientConfig::new(b"a", b"x", Privilege::Highest).is_err());
    assert_eq!(
        admin(3).with_suite(4).err(),
        Some(ClientError::UnknownSuite(4))
    );
}

#[test]
fn cipher_suite_query_lists_the_enabled_suites() {
    let mut cfg = bmc_config();
    cfg.set_suites(&[1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17])
        .unwrap();
    let mut ep: Endpoint<8, 8> = Endpoint::new(cfg);
    let mut rng = TestRandom(23);
    let mut q = presession::CipherSuiteQuery::new();
    let mut out = [0u8; MAX_DATAGRAM];
    let mut n = q.start(&mut out).unwrap();
    loop {
        let reply = bmc_reply(&mut ep, &mut rng, &out[..n]).unwrap();
        match q.handle(&reply, &mut out).unwrap() {
            presession::QueryStep::Send(m) => n = m,
            presession::QueryStep::Done => break,
            other => panic!("{other:?}"),
        }
    }
    let ids: Vec<u8> = q.suites().collect();
    assert_eq!(ids, [1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17]);
    assert_eq!(q.choose(&[17, 3]), Some(17));
    assert_eq!(q.choose(&[0, 4]), None);
}

/// Every reply of a real exchange (handshake, Get Chassis Status, Close), in order.
fn transcript(suite: Option<u8>) -> Vec<Vec<u8>> {
    let mut ep: Endpoint<8, 8> = Endpoint::new(bmc_config());
    let mut bmc_rng = TestRandom(31);
    let mut rng = TestRandom(29);
    let mut s = Session::new(client_config(suite), &mut rng);
    let mut out = [0u8; MAX_DATAGRAM];
    let mut n = s.start(&mut rng, &mut out).unwrap();
    let mut replies = Vec::new();
    loop {
        let reply = bmc_reply(&mut ep, &mut bmc_rng, &out[..n]).unwrap();
        replies.push(reply.clone());
        match s.handle(&reply, &mut rng, &mut out).unwrap() {
            Event::Send(m) => n = m,
            Event::Established => {
                n = s
                    .request(NetFn::Chassis, 0x01, &[], &mut rng, &mut out)
                    .unwrap()
            }
            Event::Response(_) => n = s.close(&mut rng, &mut out).unwrap(),
            Event::Closed => return replies,
            other => panic!("{other:?}"),
        }
    }
}

fn client_config(suite: Option<u8>) -> ClientConfig {
    match suite {
        Some(id) => admin(id),
        None => admin(3).with_ipmi15_md5().unwrap(),
    }
}

/// Replays `replies` into a session drawing the same random numbers, replacing reply `at` by
/// `bad`: the replies before it must be accepted as before, and `bad` must not panic.
fn replay_with(suite: Option<u8>, replies: &[Vec<u8>], at: usize, bad: &[u8]) {
    let mut rng = TestRandom(29);
    let mut s = Session::new(client_config(suite), &mut rng);
    let mut out = [0u8; MAX_DATAGRAM];
    s.start(&mut rng, &mut out).unwrap();
    for (i, reply) in replies.iter().enumerate() {
        if i == at {
            let _ = s.handle(bad, &mut rng, &mut out).unwrap();
            return;
        }
        match s.handle(reply, &mut rng, &mut out).unwrap() {
            Event::Send(_) => {}
            Event::Established => {
                s.request(NetFn::Chassis, 0x01, &[], &mut rng, &mut out)
                    .unwrap();
            }
            Event::Response(_) => {
                s.close(&mut rng, &mut out).unwrap();
            }
            other => panic!("reply {i} of the replay: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_reply_panics_the_client(
        suite in prop::sample::select(&[None, Some(0u8), Some(1), Some(3), Some(8), Some(12), Some(17)][..]),
        at in 0usize..8,
        pos in 0usize..200,
        flip in 1u8..=255,
        garbage in prop::collection::vec(any::<u8>(), 0..200),
        use_garbage in any::<bool>(),
    ) {
        let replies = transcript(suite);
        let at = at % replies.len();
        let bad = if use_garbage {
            garbage
        } else {
            let mut b = replies[at].clone();
            let len = b.len();
            b[pos % len] ^= flip;
            b
        };
        replay_with(suite, &replies, at, &bad);
    }
}

#[test]
fn tampered_rakp2_is_refused() {
    // Flip a byte in the RAKP2 code: the client refuses the BMC.
    let replies = transcript(Some(17));
    let mut rng = TestRandom(29);
    let mut s = Session::new(client_config(Some(17)), &mut rng);
    let mut out = [0u8; MAX_DATAGRAM];
    s.start(&mut rng, &mut out).unwrap();
    assert!(matches!(
        s.handle(&replies[0], &mut rng, &mut out).unwrap(),
        Event::Send(_)
    ));
    assert!(matches!(
        s.handle(&replies[1], &mut rng, &mut out).unwrap(),
        Event::Send(_)
    ));
    let mut rakp2 = replies[2].clone();
    let last = rakp2.len() - 1;
    rakp2[last] ^= 1;
    assert!(matches!(
        s.handle(&rakp2, &mut rng, &mut out).unwrap(),
        Event::Failed {
            failure: Failure::Rakp2AuthCode,
            ..
        }
    ));
}

#[test]
fn tampered_in_session_replies_are_ignored() {
    // Suites with integrity (and IPMI 1.5 MD5): any flipped byte of the protected part of a
    // reply makes it invisible; the untouched reply is still accepted afterwards.
    for suite in [
        Some(2u8),
        Some(3),
        Some(8),
        Some(12),
        Some(16),
        Some(17),
        None,
    ] {
        let replies = transcript(suite);
        // replies: ..., Get Chassis Status reply, Close Session reply.
        let status_at = replies.len() - 2;
        let reply = &replies[status_at];
        // Skip the RMCP header (4 bytes): it is not authenticated by IPMI.
        for pos in 4..reply.len() {
            let mut rng = TestRandom(29);
            let mut s = Session::new(client_config(suite), &mut rng);
            let mut out = [0u8; MAX_DATAGRAM];
            s.start(&mut rng, &mut out).unwrap();
            for r in &replies[..status_at] {
                if s.handle(r, &mut rng, &mut out).unwrap() == Event::Established {
                    s.request(NetFn::Chassis, 0x01, &[], &mut rng, &mut out)
                        .unwrap();
                }
            }
            let mut bad = reply.clone();
            bad[pos] ^= 0x01;
            assert_eq!(
                s.handle(&bad, &mut rng, &mut out).unwrap(),
                Event::Ignored,
                "suite {suite:?}, byte {pos}"
            );
            assert!(matches!(
                s.handle(reply, &mut rng, &mut out).unwrap(),
                Event::Response(_)
            ));
        }
    }
}

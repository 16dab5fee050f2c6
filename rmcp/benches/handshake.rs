//! The cost of one full RMCP+ session set-up per cipher suite: Open Session, RAKP1/RAKP2,
//! RAKP3/RAKP4 between `rmcp::client` and `rmcp::server::Endpoint`, in memory.
//!
//! Group `handshake`, per suite 0-3, 6-8, 11, 12, 15-17:
//!
//! - `bmc/suite-N`: the BMC side only, the three `Endpoint::handle` calls (session slot and id,
//!   user lookup, rationing, RAKP2 code, RAKP3 check, SIK/K1/K2, RAKP4 ICV). The client's three
//!   datagrams are recorded once; each iteration then resets the BMC's random source to the same
//!   seed and moves the clock past the session time-out, so the endpoint expires the previous
//!   session, hands out the same session id and Rc again, and the recorded RAKP1 and RAKP3 are
//!   valid again. Each RAKP4 is checked against the recorded one, so a failed handshake fails
//!   the bench rather than measuring a refusal.
//! - `exchange/suite-N`: both sides, the whole thing a console and a BMC spend on a login
//!   (client session creation, RAKP2 verification, its key derivation and RAKP4 check included).
//!
//! The client asks for User privilege and skips Get Channel Auth Capabilities, so the exchange
//! is exactly the three round trips (no Set Session Privilege after RAKP4).
//!
//! Run: `cargo bench -p rmcp --bench handshake` (see `benches/README.md`).
mod common;
#[macro_use]
#[path = "common/cputime.rs"]
mod cputime;

use std::hint::black_box;

use common::BenchRng;
use criterion::measurement::Measurement;
use criterion::{BenchmarkId, Criterion};
use ipmi_core::Instant;
use rmcp::client::{Event, Session, MAX_DATAGRAM};
use rmcp::server::{Endpoint, Output};

/// Suites ipmitool and freeipmi speak (all but the xRC4 ones).
const SUITES: [u8; 12] = [0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17];

/// Past the endpoint's 60 s idle time-out: one step per iteration expires the last session.
const STEP_MS: u64 = 61_000;

/// The three client datagrams of a handshake against a fresh endpoint whose random source
/// starts at `seed`, and the endpoint's last reply (RAKP4).
fn record(ep: &mut Endpoint<8, 8>, suite: u8, seed: u64, now: Instant) -> (Vec<Vec<u8>>, Vec<u8>) {
    let mut bmc_rng = BenchRng(seed);
    let mut client_rng = BenchRng(0xC11E_0000 + u64::from(suite));
    let (_s, transcript) = common::handshake(ep, suite, now, &mut bmc_rng, &mut client_rng);
    assert_eq!(
        transcript.len(),
        6,
        "Open Session, RAKP1, RAKP3 and replies"
    );
    let c2s = transcript.iter().step_by(2).cloned().collect();
    (c2s, transcript[5].clone())
}

/// One handshake of a new client against `ep` at `now`; panics unless it is established.
fn exchange(
    ep: &mut Endpoint<8, 8>,
    suite: u8,
    now: Instant,
    bmc_rng: &mut BenchRng,
    client_rng: &mut BenchRng,
) {
    let mut s = Session::new(common::client_config(suite), client_rng);
    let mut out = [0u8; MAX_DATAGRAM];
    let mut rsp = [0u8; rmcp::server::MAX_DATAGRAM];
    let mut n = s.start(client_rng, &mut out).unwrap();
    loop {
        let Output::Reply(m) = ep.handle(now, common::peer(), &out[..n], bmc_rng, &mut rsp) else {
            panic!("suite {suite}: dropped");
        };
        match s.handle(&rsp[..m], client_rng, &mut out) {
            Ok(Event::Send(k)) => n = k,
            Ok(Event::Established) => return,
            other => panic!("suite {suite}: {other:?}"),
        }
    }
}

fn handshake<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("handshake");
    for suite in SUITES {
        let name = format!("suite-{suite}");
        let seed = 0x5EED_0000 + u64::from(suite);
        let mut ep = common::endpoint();
        let mut now = Instant::from_millis(1_000);
        let (requests, rakp4) = record(&mut ep, suite, seed, now);
        let mut out = [0u8; rmcp::server::MAX_DATAGRAM];
        g.bench_function(BenchmarkId::new("bmc", &name), |b| {
            b.iter(|| {
                now = now.add_millis(STEP_MS);
                let mut rng = BenchRng(seed);
                let mut n = 0;
                for rq in &requests {
                    match ep.handle(now, common::peer(), black_box(rq), &mut rng, &mut out) {
                        Output::Reply(m) => n = m,
                        other => panic!("suite {suite}: {other:?}"),
                    }
                }
                assert_eq!(&out[..n], &rakp4[..], "suite {suite}: RAKP4 differs");
            })
        });
        assert_eq!(ep.active_sessions(), 1);

        let mut bmc_rng = BenchRng(seed);
        let mut client_rng = BenchRng(0xC0FF_EE00 + u64::from(suite));
        g.bench_function(BenchmarkId::new("exchange", &name), |b| {
            b.iter(|| {
                now = now.add_millis(STEP_MS);
                exchange(&mut ep, suite, now, &mut bmc_rng, &mut client_rng);
            })
        });
        assert_eq!(ep.active_sessions(), 1);
    }
    g.finish();
}

bench_main!(handshake);

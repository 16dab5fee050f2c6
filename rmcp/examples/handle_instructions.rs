//! Instruction counts of `Endpoint::handle` per in-session request, steadier than criterion on a
//! shared machine: `rmcp::client` logs in to an endpoint (suite from the first argument, default
//! 17), then sends N Get Device ID requests (second argument, default 1000). Only `serve`, an
//! `#[inline(never)]` wrapper around `Endpoint::handle` on those requests, is meant to be counted:
//!
//! ```text
//! cargo build --release -p rmcp --example handle_instructions
//! valgrind --tool=callgrind --toggle-collect='handle_instructions::serve' \
//!     target/release/examples/handle_instructions 3 1000      # "Collected" / 1000 = Ir per request
//! ```
use ipmi_core::{Instant, NetFn, Privilege};
use rmcp::client::{ClientConfig, Event, Random, Session, MAX_DATAGRAM};
use rmcp::server::{Config, Endpoint, Output};

/// A deterministic random source (an LCG): the same run every time.
struct Rng(u64);
impl Random for Rng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (self.0 >> 33) as u8;
        }
    }
}

#[inline(never)]
fn serve(ep: &mut Endpoint<8, 8>, now: Instant, d: &[u8], rng: &mut Rng, out: &mut [u8]) -> Output {
    ep.handle(now, "127.0.0.1:50000".parse().unwrap(), d, rng, out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let suite: u8 = args.get(1).map_or(17, |s| s.parse().unwrap());
    let n: usize = args.get(2).map_or(1000, |s| s.parse().unwrap());
    let mut c: Config<8> = Config::new();
    c.add_user(b"admin", b"password", Privilege::Administrator)
        .unwrap();
    let mut ep: Endpoint<8, 8> = Endpoint::new(c);
    let (mut rng, mut brng) = (Rng(1), Rng(2));
    let now = Instant::from_millis(1000);
    let cfg = ClientConfig::new(b"admin", b"password", Privilege::User)
        .unwrap()
        .with_suite(suite)
        .unwrap();
    let mut s = Session::new(cfg, &mut rng);
    let (mut out, mut reply) = ([0u8; MAX_DATAGRAM], [0u8; 512]);
    let mut len = s.start(&mut rng, &mut out).unwrap();
    loop {
        let m = match ep.handle(
            now,
            "127.0.0.1:50000".parse().unwrap(),
            &out[..len],
            &mut brng,
            &mut reply,
        ) {
            Output::Reply(m) => m,
            o => panic!("{o:?}"),
        };
        match s.handle(&reply[..m], &mut rng, &mut out).unwrap() {
            Event::Send(k) => len = k,
            Event::Established => break,
            e => panic!("{e:?}"),
        }
    }
    for _ in 0..n {
        let k = s
            .request(NetFn::App, 0x01, &[], &mut rng, &mut out)
            .unwrap();
        let m = match serve(&mut ep, now, &out[..k], &mut brng, &mut reply) {
            Output::Reply(m) => m,
            o => panic!("{o:?}"),
        };
        match s.handle(&reply[..m], &mut rng, &mut out).unwrap() {
            Event::Response(_) => {}
            e => panic!("{e:?}"),
        }
    }
}

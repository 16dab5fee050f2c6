//! Shared by the rmcp benches: the captured vectors, a cheap deterministic random source, and a
//! passive observer that derives a session's keys from its handshake datagrams (as the vector
//! KATs do: everything but the password is on the wire).
#![allow(dead_code)]

use std::path::PathBuf;

use rmcp::crypto::{CipherSuite, Kg, Kuid, RakpContext};
use rmcp::session::{Random, SessionKeys};
use rmcp::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use rmcp::wire::rakp::{Rakp1, Rakp2};
use rmcp::wire::v20::{self, PayloadType};
use rmcp::wire::Datagram;

/// The password of every captured session (user `admin`).
pub const PASSWORD: &[u8] = b"password";
/// The user name of every captured session.
pub const USER: &[u8] = b"admin";

/// Hex to bytes (bench input only; panics on bad hex).
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Who sent a datagram.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dir {
    /// Console to BMC.
    C2s,
    /// BMC to console.
    S2c,
}

/// The datagrams of `shared/vectors/txt/<name>.txt`, in capture order.
pub fn vector(name: &str) -> Vec<(Dir, Vec<u8>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/vectors/txt")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (shared/ must sit beside the repo)", path.display()));
    text.lines()
        .filter_map(|l| {
            if let Some(h) = l.strip_prefix("c2s ") {
                Some((Dir::C2s, hex(h.trim())))
            } else {
                l.strip_prefix("s2c ").map(|h| (Dir::S2c, hex(h.trim())))
            }
        })
        .collect()
}

/// The first datagram of `v` from `dir` that `pick` accepts.
pub fn find(v: &[(Dir, Vec<u8>)], dir: Dir, pick: impl Fn(&Datagram<'_>) -> bool) -> &[u8] {
    v.iter()
        .filter(|(d, _)| *d == dir)
        .map(|(_, b)| b.as_slice())
        .find(|b| Datagram::parse(b).is_ok_and(|d| pick(&d)))
        .expect("no such datagram in the vector")
}

/// The RMCP+ payload type of a datagram, if it is one.
pub fn payload_type(d: &Datagram<'_>) -> Option<PayloadType> {
    match d {
        Datagram::V20 { body, .. } => v20::Header::parse(body).ok().map(|h| h.payload_type),
        _ => None,
    }
}

/// xorshift64*: fast and deterministic, so runs are repeatable. Not for anything real.
pub struct BenchRng(pub u64);

impl Random for BenchRng {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Watches a handshake go by and derives the session keys from it, knowing only the password
/// (and K_g): SIDm, SIDc, Rm, Rc, GUID, role and name are all on the wire.
#[derive(Default)]
pub struct Observer {
    console_id: u32,
    bmc_id: u32,
    suite: Option<&'static CipherSuite>,
    rm: [u8; 16],
    rc: [u8; 16],
    guid: [u8; 16],
    role: u8,
    name: Vec<u8>,
    keys: Option<SessionKeys>,
}

impl Observer {
    /// Feeds one datagram of the exchange (either direction; anything else is ignored).
    pub fn see(&mut self, datagram: &[u8], kg: Option<&Kg>) {
        let Ok(Datagram::V20 { body, .. }) = Datagram::parse(datagram) else {
            return;
        };
        let Ok(opened) = rmcp::session::v20::open(body, None, &mut []) else {
            return; // in-session packet
        };
        let p = opened.payload;
        match opened.payload_type() {
            PayloadType::OpenSessionRequest => {
                self.console_id = OpenSessionRequest::parse(p).unwrap().console_session_id;
            }
            PayloadType::OpenSessionResponse => {
                let r = OpenSessionResponse::parse(p).unwrap();
                self.bmc_id = r.bmc_session_id;
                self.suite = CipherSuite::by_algorithms(r.auth, r.integrity, r.confidentiality);
            }
            PayloadType::Rakp1 => {
                let r = Rakp1::parse(p).unwrap();
                self.rm = r.console_random;
                self.role = r.role;
                self.name = r.user_name.to_vec();
            }
            PayloadType::Rakp2 => {
                let r = Rakp2::parse(p).unwrap();
                self.rc = r.bmc_random;
                self.guid = r.bmc_guid;
                let kuid = Kuid::from_slice(PASSWORD).unwrap();
                let suite = self.suite.expect("Open Session response before RAKP2");
                let ctx = RakpContext {
                    console_session_id: self.console_id,
                    bmc_session_id: self.bmc_id,
                    console_random: self.rm,
                    bmc_random: self.rc,
                    bmc_guid: self.guid,
                    role: self.role,
                    user_name: &self.name,
                };
                self.keys = Some(SessionKeys::derive(suite, &kuid, kg, &ctx).unwrap());
            }
            _ => {}
        }
    }

    /// The session keys (after RAKP2 went by).
    pub fn keys(&self) -> &SessionKeys {
        self.keys.as_ref().expect("no RAKP2 seen")
    }

    /// SIDm.
    pub fn console_id(&self) -> u32 {
        self.console_id
    }

    /// SIDc.
    pub fn bmc_id(&self) -> u32 {
        self.bmc_id
    }
}

/// Observes every datagram of a vector and returns the observer.
pub fn observe(v: &[(Dir, Vec<u8>)], kg: Option<&Kg>) -> Observer {
    let mut o = Observer::default();
    for (_, d) in v {
        o.see(d, kg);
    }
    o
}

/// The peer address every bench datagram comes from.
pub fn peer() -> std::net::SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

/// A BMC with user `admin`/`password` (Administrator) and every suite this stack knows enabled
/// (0 included, off by default in real configs).
pub fn endpoint() -> rmcp::server::Endpoint<8, 8> {
    let mut c: rmcp::server::Config<8> = rmcp::server::Config::new();
    c.add_user(USER, PASSWORD, ipmi_core::Privilege::Administrator)
        .unwrap();
    c.set_suites(&rmcp::server::KNOWN_SUITES).unwrap();
    c.system_guid = hex("00112233445566778899aabbccddeeff").try_into().unwrap();
    rmcp::server::Endpoint::new(c)
}

/// The client settings of every bench session: `suite`, User privilege (so the session is up
/// right after RAKP4, no Set Session Privilege), no Get Channel Auth Capabilities first: the
/// exchange is exactly Open Session, RAKP1/2, RAKP3/4.
pub fn client_config(suite: u8) -> rmcp::client::ClientConfig {
    rmcp::client::ClientConfig::new(USER, PASSWORD, ipmi_core::Privilege::User)
        .unwrap()
        .with_suite(suite)
        .unwrap()
        .with_auth_capabilities(false)
}

/// Runs one full handshake of `rmcp::client` against `ep` (every reply must be a direct reply)
/// and returns the established client session and the datagrams in order (c2s, s2c, ...).
pub fn handshake(
    ep: &mut rmcp::server::Endpoint<8, 8>,
    suite: u8,
    now: ipmi_core::Instant,
    bmc_rng: &mut dyn Random,
    client_rng: &mut dyn Random,
) -> (rmcp::client::Session, Vec<Vec<u8>>) {
    use rmcp::client::{Event, Session, MAX_DATAGRAM};
    use rmcp::server::Output;
    let mut s = Session::new(client_config(suite), client_rng);
    let mut out = [0u8; MAX_DATAGRAM];
    let mut n = s.start(client_rng, &mut out).unwrap();
    let mut transcript = Vec::new();
    loop {
        transcript.push(out[..n].to_vec());
        let mut rsp = [0u8; rmcp::server::MAX_DATAGRAM];
        let m = match ep.handle(now, peer(), &out[..n], bmc_rng, &mut rsp) {
            Output::Reply(m) => m,
            other => panic!("suite {suite}: the endpoint answered {other:?}"),
        };
        transcript.push(rsp[..m].to_vec());
        match s.handle(&rsp[..m], client_rng, &mut out).unwrap() {
            Event::Send(k) => n = k,
            Event::Established => return (s, transcript),
            other => panic!("suite {suite}: the client says {other:?}"),
        }
    }
}

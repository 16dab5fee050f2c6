//! Any bytes into a fresh BMC endpoint with a fixed configuration: no panic, no allocation, at
//! most one reply, and no amplification: every datagram here is pre-session, and a pre-session
//! reply stays small and at most a few times the request.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ipmi_core::Instant;
use rmcp::server::{Endpoint, Output, MAX_DATAGRAM};

use super::{no_alloc, session};

/// Largest reply to a pre-session request: RAKP2 with an HMAC-SHA256 code is
/// 4 (RMCP) + 12 (session header) + 40 + 32 = 88 bytes; anything larger is a regression.
pub const PRESESSION_MAX: usize = 96;
/// A pre-session reply is at most this many times its request (ASF pong: 28 for a 12-byte ping).
pub const AMPLIFICATION_MAX: usize = 3;

/// Checks a reply to a pre-session request of `request_len` bytes.
pub fn check_presession_reply(request_len: usize, n: usize) {
    assert!(n <= PRESESSION_MAX, "{n}-byte reply before any session");
    assert!(
        n <= AMPLIFICATION_MAX * request_len,
        "{n}-byte reply to a {request_len}-byte request"
    );
}

/// The `datagram` target.
pub fn datagram(data: &[u8]) {
    let mut ep: Endpoint<4, 5> = Endpoint::new(session::config(0xFF));
    let mut rng = session::Rng::new(0x1234_5678);
    let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)), 50_000);
    let mut out = [0u8; 2 * MAX_DATAGRAM];
    let now = Instant::from_millis(1_000);
    match no_alloc(|| ep.handle(now, peer, data, &mut rng, &mut out)) {
        Output::Drop => {}
        Output::Reply(n) => {
            assert!(n > 0 && n <= MAX_DATAGRAM, "reply of {n} bytes");
            check_presession_reply(data.len(), n);
            // The reply itself is a well-formed datagram.
            assert!(
                rmcp::wire::Datagram::parse(&out[..n]).is_ok(),
                "unparseable reply {:02x?}",
                &out[..n]
            );
        }
        Output::Pending(..) => panic!("a platform action without a session"),
    }
    assert_eq!(
        ep.active_sessions(),
        0,
        "a session became active from one datagram"
    );
}

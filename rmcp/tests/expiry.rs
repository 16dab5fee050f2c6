//! Session time-outs to the millisecond: a half-open session is gone `handshake_timeout_ms` after
//! Open Session, an active one `session_timeout_ms` after its last authenticated request, and
//! every other session is untouched. (The table scans its slots only once one can be due; these
//! pin down that nothing expires late or early because of that.)
use ipmi_core::{CompletionCode, Instant, NetFn, Privilege};
use rmcp::client::{ClientConfig, Event, Random, Session, MAX_DATAGRAM};
use rmcp::server::{Config, Endpoint, Output};

struct Counter(u8);
impl Random for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_mul(31).wrapping_add(7);
            *b = self.0;
        }
    }
}

const RAKP1: u8 = 0x12;

fn payload_type(datagram: &[u8]) -> Option<u8> {
    (datagram.get(4) == Some(&0x06)).then(|| datagram.get(5).map(|t| t & 0x3F))?
}

struct Bmc {
    ep: Endpoint<4, 4>,
    rng: Counter,
}

impl Bmc {
    fn new(handshake_ms: u32, idle_ms: u32) -> Bmc {
        let mut config: Config<4> = Config::new();
        config
            .add_user(b"admin", b"password", Privilege::Administrator)
            .unwrap();
        config.handshake_timeout_ms = handshake_ms;
        config.session_timeout_ms = idle_ms;
        Bmc {
            ep: Endpoint::new(config),
            rng: Counter(2),
        }
    }

    fn exchange(
        &mut self,
        now: u64,
        port: u16,
        datagram: &[u8],
        reply: &mut [u8],
    ) -> Option<usize> {
        let peer = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        match self.ep.handle(
            Instant::from_millis(now),
            peer,
            datagram,
            &mut self.rng,
            reply,
        ) {
            Output::Reply(n) => Some(n),
            _ => None,
        }
    }
}

/// A console on its own port.
struct Console {
    session: Session,
    rng: Counter,
    port: u16,
    out: [u8; MAX_DATAGRAM],
    n: usize,
}

impl Console {
    fn new(port: u16) -> Console {
        let mut rng = Counter(port as u8);
        let cfg = ClientConfig::new(b"admin", b"password", Privilege::Administrator).unwrap();
        let session = Session::new(cfg, &mut rng);
        Console {
            session,
            rng,
            port,
            out: [0; MAX_DATAGRAM],
            n: 0,
        }
    }

    /// Runs the handshake, every step at `at`, until the console is about to send `until` (a
    /// payload type) or the session is established. `Some(())` when the BMC answered throughout.
    fn handshake(&mut self, bmc: &mut Bmc, at: u64, until: Option<u8>) -> Option<()> {
        if self.n == 0 {
            self.n = self.session.start(&mut self.rng, &mut self.out).unwrap();
        }
        loop {
            if until.is_some() && payload_type(&self.out[..self.n]) == until {
                return Some(());
            }
            let mut reply = [0u8; 512];
            let m = bmc.exchange(at, self.port, &self.out[..self.n], &mut reply)?;
            match self
                .session
                .handle(&reply[..m], &mut self.rng, &mut self.out)
                .unwrap()
            {
                Event::Send(next) => self.n = next,
                Event::Established => return Some(()),
                other => panic!("handshake: {other:?}"),
            }
        }
    }

    /// Get Device ID at `at`: whether the BMC answered it.
    fn request(&mut self, bmc: &mut Bmc, at: u64) -> bool {
        let n = self
            .session
            .request(NetFn::App, 0x01, &[], &mut self.rng, &mut self.out)
            .unwrap();
        let mut reply = [0u8; 512];
        let Some(m) = bmc.exchange(at, self.port, &self.out[..n], &mut reply) else {
            return false;
        };
        match self
            .session
            .handle(&reply[..m], &mut self.rng, &mut self.out)
            .unwrap()
        {
            Event::Response(r) => r.completion_code == CompletionCode::Normal,
            _ => false,
        }
    }
}

#[test]
fn active_sessions_idle_out_exactly() {
    let mut bmc = Bmc::new(5_000, 60_000);
    let (mut a, mut b) = (Console::new(40001), Console::new(40002));
    a.handshake(&mut bmc, 0, None).unwrap();
    b.handshake(&mut bmc, 1_000, None).unwrap();
    // Activity moves the deadline: a's requests at 59,999 and 60,999; b's last was its login.
    assert!(a.request(&mut bmc, 59_999));
    assert!(a.request(&mut bmc, 60_999));
    // b is due at 61,000 to the millisecond.
    assert!(!b.request(&mut bmc, 61_000), "b outlived its time-out");
    assert!(a.request(&mut bmc, 120_998));
    assert!(!a.request(&mut bmc, 180_998), "a outlived its time-out");
    assert_eq!(bmc.ep.active_sessions(), 0);
}

#[test]
fn half_open_sessions_time_out_exactly() {
    let mut bmc = Bmc::new(5_000, 60_000);
    let mut early = Console::new(40003);
    early.handshake(&mut bmc, 0, Some(RAKP1)).unwrap();
    let mut late = Console::new(40004);
    late.handshake(&mut bmc, 100, Some(RAKP1)).unwrap();
    // At 5,099 the first is gone, the second (opened at 100) still takes its RAKP1.
    let mut reply = [0u8; 512];
    let n = early.n;
    let m = bmc.exchange(5_099, early.port, &early.out[..n], &mut reply);
    let stale = m.is_none_or(|_| reply.get(17).copied() != Some(0));
    assert!(stale, "a half-open session outlived its time-out");
    late.handshake(&mut bmc, 5_099, None).unwrap();
    assert!(late.request(&mut bmc, 5_099));
}

#[test]
fn idle_time_out_shorter_than_handshake_time_out() {
    // The session becomes active at 20 and idles out at 1,020, long before a half-open one would.
    let mut bmc = Bmc::new(5_000, 1_000);
    let mut c = Console::new(40005);
    c.handshake(&mut bmc, 20, None).unwrap();
    let mut other = Console::new(40006);
    other.handshake(&mut bmc, 500, None).unwrap();
    assert!(other.request(&mut bmc, 1_019));
    assert!(!c.request(&mut bmc, 1_020), "idled out late");
    assert!(other.request(&mut bmc, 2_018));
}

#[test]
fn session_activated_after_a_scan_idles_out_exactly() {
    // Half-open at 0; a scan runs at 1,000 (any datagram, here a malformed one); the login then
    // completes at 1,000, so the session is due at 2,000, before a half-open one would be (5,000).
    let mut bmc = Bmc::new(5_000, 1_000);
    let mut c = Console::new(40007);
    c.handshake(&mut bmc, 0, Some(RAKP1)).unwrap();
    let mut reply = [0u8; 512];
    assert_eq!(bmc.exchange(1_000, 40008, &[0x06, 0x00], &mut reply), None);
    c.handshake(&mut bmc, 1_000, None).unwrap();
    assert!(c.request(&mut bmc, 1_999));
    assert!(!c.request(&mut bmc, 2_999), "idled out late");
}

//! An endpoint and consoles in memory, driven at chosen instants: the tests of time-outs and
//! retries, where real UDP and real time would make the exact steps unobservable.
#![allow(dead_code)]

use ipmi_core::{CompletionCode, Instant, NetFn, Privilege};
use rmcp::client::{ClientConfig, Event, Random, Session, MAX_DATAGRAM};
use rmcp::server::{Config, Endpoint, Output};

pub struct Counter(pub u8);
impl Random for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_mul(31).wrapping_add(7);
            *b = self.0;
        }
    }
}

pub const OPEN_SESSION: u8 = 0x10;
pub const RAKP1: u8 = 0x12;
pub const RAKP3: u8 = 0x14;

pub fn payload_type(datagram: &[u8]) -> Option<u8> {
    (datagram.get(4) == Some(&0x06)).then(|| datagram.get(5).map(|t| t & 0x3F))?
}

pub struct MemoryBmc {
    pub ep: Endpoint<4, 4>,
    pub rng: Counter,
}

impl MemoryBmc {
    pub fn new(handshake_ms: u32, idle_ms: u32) -> MemoryBmc {
        let mut config: Config<4> = Config::new();
        config
            .add_user(b"admin", b"password", Privilege::Administrator)
            .unwrap();
        config.handshake_timeout_ms = handshake_ms;
        config.session_timeout_ms = idle_ms;
        MemoryBmc {
            ep: Endpoint::new(config),
            rng: Counter(2),
        }
    }

    pub fn exchange(
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
pub struct Console {
    pub session: Session,
    pub rng: Counter,
    pub port: u16,
    /// The datagram the console is about to send (or sent last).
    pub out: [u8; MAX_DATAGRAM],
    pub n: usize,
}

impl Console {
    /// admin/password over RMCP+ with the client's default suite.
    pub fn new(port: u16) -> Console {
        let cfg = ClientConfig::new(b"admin", b"password", Privilege::Administrator).unwrap();
        Console::with(port, cfg)
    }

    pub fn with(port: u16, cfg: ClientConfig) -> Console {
        let mut rng = Counter(port as u8);
        let session = Session::new(cfg, &mut rng);
        Console {
            session,
            rng,
            port,
            out: [0; MAX_DATAGRAM],
            n: 0,
        }
    }

    /// Runs the handshake, every step at `at`, until the console is about to send `until` (an
    /// RMCP+ payload type) or the session is established. `Some(())` when the BMC answered throughout.
    pub fn handshake(&mut self, bmc: &mut MemoryBmc, at: u64, until: Option<u8>) -> Option<()> {
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

    /// Takes the answer to the datagram sent last, which calls for another one (in `out`).
    pub fn takes(&mut self, answer: &[u8]) {
        match self.session.handle(answer, &mut self.rng, &mut self.out) {
            Ok(Event::Send(n)) => self.n = n,
            other => panic!("an answer that calls for the next datagram: {other:?}"),
        }
    }

    /// Get Device ID at `at`: whether the BMC answered it.
    pub fn request(&mut self, bmc: &mut MemoryBmc, at: u64) -> bool {
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

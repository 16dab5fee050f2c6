//! Lost replies during session set-up: the console retries the same request and the endpoint
//! answers it again, so the login completes instead of timing out.
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

const RAKP3: u8 = 0x14;
const RAKP4: u8 = 0x15;

fn payload_type(datagram: &[u8]) -> Option<u8> {
    (datagram.get(4) == Some(&0x06)).then(|| datagram.get(5).map(|t| t & 0x3F))?
}

#[test]
fn lost_rakp4_is_sent_again() {
    for suite in [3u8, 17] {
        let mut config: Config<4> = Config::new();
        config
            .add_user(b"admin", b"password", Privilege::Administrator)
            .unwrap();
        let mut bmc: Endpoint<4, 4> = Endpoint::new(config);
        let peer = "127.0.0.1:50000".parse().unwrap();
        let (mut rng, mut bmc_rng) = (Counter(1), Counter(2));
        let mut exchange = |datagram: &[u8], reply: &mut [u8]| match bmc.handle(
            Instant::from_millis(0),
            peer,
            datagram,
            &mut bmc_rng,
            reply,
        ) {
            Output::Reply(n) => Some(n),
            _ => None,
        };
        let cfg = ClientConfig::new(b"admin", b"password", Privilege::Administrator)
            .unwrap()
            .with_suite(suite)
            .unwrap();
        let mut session = Session::new(cfg, &mut rng);
        let (mut out, mut reply) = ([0u8; MAX_DATAGRAM], [0u8; 512]);
        let mut n = session.start(&mut rng, &mut out).unwrap();
        let mut lost = false;
        loop {
            let mut m = exchange(&out[..n], &mut reply).expect("no reply");
            if payload_type(&out[..n]) == Some(RAKP3) && !lost {
                // The first RAKP4 is lost on the way; the console retries the same RAKP3.
                lost = true;
                let first = reply[..m].to_vec();
                n = session.retransmit(&mut out).unwrap();
                assert_eq!(payload_type(&out[..n]), Some(RAKP3));
                m = exchange(&out[..n], &mut reply)
                    .unwrap_or_else(|| panic!("suite {suite}: RAKP3 retry unanswered"));
                assert_eq!(payload_type(&reply[..m]), Some(RAKP4));
                assert_eq!(
                    &reply[..m],
                    &first[..],
                    "suite {suite}: the same RAKP4 again"
                );

                // A different RAKP3 for the now active session (a forged auth code) gets nothing.
                let mut forged = out[..n].to_vec();
                let last = forged.len() - 1;
                forged[last] ^= 1;
                let mut scratch = [0u8; 512];
                assert_eq!(
                    exchange(&forged, &mut scratch),
                    None,
                    "suite {suite}: forged RAKP3"
                );
            }
            match session.handle(&reply[..m], &mut rng, &mut out).unwrap() {
                Event::Send(next) => n = next,
                Event::Established => break,
                other => panic!("suite {suite}: {other:?}"),
            }
        }
        assert!(lost, "suite {suite}: the test never saw RAKP3");
        // The session works.
        let n = session
            .request(NetFn::App, 0x01, &[], &mut rng, &mut out)
            .unwrap();
        let m = exchange(&out[..n], &mut reply).unwrap();
        match session.handle(&reply[..m], &mut rng, &mut out).unwrap() {
            Event::Response(r) => assert_eq!(r.completion_code, CompletionCode::Normal),
            other => panic!("suite {suite}: {other:?}"),
        }
    }
}

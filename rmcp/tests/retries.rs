//! The console's retry of the last step of a session's set-up, after the BMC's answer was lost:
//! the same answer again (under the retry's tag or rqSeq), never a second session, and nothing
//! for a packet that is not that retry. (Real ipmitool and ipmipower over a lossy relay:
//! `interop::lost_replies_are_recovered_by_retransmission`.)
mod memory;

use ipmi_core::Privilege;
use memory::{Console, MemoryBmc, OPEN_SESSION, RAKP3};
use rmcp::client::{ClientConfig, Event, Stage};

/// The first byte of an RMCP+ session-less payload (Open Session, RAKP): its message tag.
const TAG: usize = 16;
/// The BMC session id in an Open Session Response datagram.
const OPENED_ID: std::ops::Range<usize> = 24..28;

/// Sends what `c` is about to send at 10; that answer is lost, and the same bytes again at 1,010
/// (ipmitool's retry) get the same answer. Returns the request and the answer.
fn lost_and_resent(bmc: &mut MemoryBmc, c: &Console) -> (Vec<u8>, Vec<u8>) {
    let request = c.out[..c.n].to_vec();
    let mut reply = [0u8; 512];
    let m = bmc.exchange(10, c.port, &request, &mut reply).unwrap();
    let first = reply[..m].to_vec();
    let m = bmc.exchange(1_010, c.port, &request, &mut reply).unwrap();
    assert_eq!(reply[..m], first[..], "another answer to the same request");
    (request, first)
}

/// [`lost_and_resent`] for the RMCP+ set-up step `payload_type`, and a retry at 1,510 under a
/// new message tag (freeipmi's) gets the same answer under that tag.
fn answer_lost_and_retried(
    bmc: &mut MemoryBmc,
    c: &mut Console,
    payload_type: u8,
) -> (Vec<u8>, Vec<u8>) {
    c.handshake(bmc, 0, Some(payload_type)).unwrap();
    let (request, first) = lost_and_resent(bmc, c);
    let mut reply = [0u8; 512];
    let mut retry = request.clone();
    retry[TAG] = retry[TAG].wrapping_add(1);
    let m = bmc.exchange(1_510, c.port, &retry, &mut reply).unwrap();
    assert_eq!(reply[TAG], retry[TAG]);
    assert_eq!(reply[..TAG], first[..TAG]);
    assert_eq!(reply[TAG + 1..m], first[TAG + 1..]);
    (request, first)
}

#[test]
fn open_session_retry_gets_the_same_half_open_session() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
    let mut c = Console::new(40100);
    let (open, first) = answer_lost_and_retried(&mut bmc, &mut c, OPEN_SESSION);
    let mut reply = [0u8; 512];
    // From another port it is another console: another session.
    bmc.exchange(1_520, c.port + 1, &open, &mut reply).unwrap();
    assert_ne!(reply[OPENED_ID], first[OPENED_ID]);
    // The console goes on with the session it was answered, within the first one's time-out.
    c.takes(&first);
    c.handshake(&mut bmc, 4_999, None).unwrap();
    assert!(c.request(&mut bmc, 5_000));
    // Once the session is past Open Session, the same proposal is a new session.
    bmc.exchange(5_010, c.port, &open, &mut reply).unwrap();
    assert_ne!(reply[OPENED_ID], first[OPENED_ID]);
}

/// An IPMI 1.5 console on `port`, run until it is about to send what answers `stage`.
fn v15_until(bmc: &mut MemoryBmc, port: u16, stage: Stage) -> Console {
    let cfg = ClientConfig::new(b"admin", b"password", Privilege::Administrator)
        .unwrap()
        .with_ipmi15_md5()
        .unwrap();
    let mut c = Console::with(port, cfg);
    c.n = c.session.start(&mut c.rng, &mut c.out).unwrap();
    let mut reply = [0u8; 512];
    while c.session.waiting_for() != Some(stage) {
        let m = bmc.exchange(0, c.port, &c.out[..c.n], &mut reply).unwrap();
        c.takes(&reply[..m]);
    }
    c
}

#[test]
fn session_challenge_retry_gets_the_same_challenge() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
    let mut c = v15_until(&mut bmc, 40105, Stage::SessionChallenge);
    // The retry gets the same temporary session and challenge.
    let (request, first) = lost_and_resent(&mut bmc, &c);
    let mut reply = [0u8; 512];
    // Another console (port) gets its own.
    let m = bmc
        .exchange(1_020, c.port + 1, &request, &mut reply)
        .unwrap();
    assert_ne!(reply[..m], first[..]);
    c.takes(&first);
    c.handshake(&mut bmc, 1_030, None).unwrap();
    assert!(c.request(&mut bmc, 1_040));
}

#[test]
fn activate_session_answered_again_until_the_session_is_used() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
    let mut c = v15_until(&mut bmc, 40101, Stage::ActivateSession);
    let (activate, first) = lost_and_resent(&mut bmc, &c);
    let mut reply = [0u8; 512];
    assert_eq!(bmc.ep.active_sessions(), 1);
    c.takes(&first);
    c.handshake(&mut bmc, 1_020, None).unwrap();
    assert!(c.request(&mut bmc, 1_030));
    // The session is in use: the console has its answer, an Activate Session now is a replay.
    assert_eq!(bmc.exchange(1_040, c.port, &activate, &mut reply), None);
    assert!(c.request(&mut bmc, 1_050));
}

#[test]
fn rakp3_retry_gets_the_same_rakp4_under_its_own_tag() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
    let mut c = Console::new(40102);
    let (rakp3, first) = answer_lost_and_retried(&mut bmc, &mut c, RAKP3);
    let mut reply = [0u8; 512];
    // A RAKP3 with another key exchange code is no retry: nothing.
    let mut other = rakp3.clone();
    *other.last_mut().unwrap() ^= 1;
    assert_eq!(bmc.exchange(1_520, c.port, &other, &mut reply), None);
    assert_eq!(bmc.ep.active_sessions(), 1);
    // The console takes the first RAKP4 and the session works.
    match c.session.handle(&first, &mut c.rng, &mut c.out) {
        Ok(Event::Established) => {}
        Ok(Event::Send(n)) => {
            c.n = n;
            c.handshake(&mut bmc, 1_530, None).unwrap();
        }
        other => panic!("RAKP4: {other:?}"),
    }
    assert!(c.request(&mut bmc, 1_540));
}

/// A session of `c` on `bmc`, logged in at `at` and closed at `at + 10`: the Close Session
/// datagram and its answer.
fn login_and_close(bmc: &mut MemoryBmc, c: &mut Console, at: u64) -> (Vec<u8>, Vec<u8>) {
    c.n = 0;
    c.handshake(bmc, at, None).unwrap();
    let n = c.session.close(&mut c.rng, &mut c.out).unwrap();
    let close = c.out[..n].to_vec();
    let mut reply = [0u8; 512];
    let m = bmc.exchange(at + 10, c.port, &close, &mut reply).unwrap();
    assert_eq!(bmc.ep.active_sessions(), 0);
    (close, reply[..m].to_vec())
}

#[test]
fn close_session_answer_sent_again_a_few_times_to_its_peer() {
    for v15 in [false, true] {
        let cfg = ClientConfig::new(b"admin", b"password", Privilege::Administrator).unwrap();
        let cfg = if v15 {
            cfg.with_ipmi15_md5().unwrap()
        } else {
            cfg
        };
        let mut bmc = MemoryBmc::new(5_000, 60_000);
        let mut c = Console::with(40103, cfg.clone());
        let (close, answer) = login_and_close(&mut bmc, &mut c, 0);
        let mut reply = [0u8; 512];
        // The answer is lost: the retries get the same bytes, three times, only from the
        // session's own peer.
        assert_eq!(bmc.exchange(1_010, c.port + 1, &close, &mut reply), None);
        for at in [1_010, 2_010, 3_010] {
            let m = bmc.exchange(at, c.port, &close, &mut reply).unwrap();
            assert_eq!(reply[..m], answer[..], "v15 {v15}, at {at}");
        }
        assert_eq!(bmc.exchange(4_010, c.port, &close, &mut reply), None);
        // The console takes it.
        assert!(c.session.handle(&answer, &mut c.rng, &mut c.out).is_ok());
        // And only within five seconds of the Close.
        let mut c = Console::with(40104, cfg);
        let (close, _) = login_and_close(&mut bmc, &mut c, 10_000);
        assert!(bmc.exchange(15_009, c.port, &close, &mut reply).is_some());
        assert_eq!(bmc.exchange(15_010, c.port, &close, &mut reply), None);
    }
}

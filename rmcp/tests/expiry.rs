//! Session time-outs to the millisecond: a half-open session is gone `handshake_timeout_ms` after
//! Open Session, an active one `session_timeout_ms` after its last authenticated request, and
//! every other session is untouched. (The table scans its slots only once one can be due; these
//! pin down that nothing expires late or early because of that.)
mod memory;

use memory::{Console, MemoryBmc, RAKP1};

#[test]
fn active_sessions_idle_out_exactly() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
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
    let mut bmc = MemoryBmc::new(5_000, 60_000);
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
    let mut bmc = MemoryBmc::new(5_000, 1_000);
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
    let mut bmc = MemoryBmc::new(5_000, 1_000);
    let mut c = Console::new(40007);
    c.handshake(&mut bmc, 0, Some(RAKP1)).unwrap();
    let mut reply = [0u8; 512];
    assert_eq!(bmc.exchange(1_000, 40008, &[0x06, 0x00], &mut reply), None);
    c.handshake(&mut bmc, 1_000, None).unwrap();
    assert!(c.request(&mut bmc, 1_999));
    assert!(!c.request(&mut bmc, 2_999), "idled out late");
}

//! SOL in the endpoint, in memory at chosen instants: activation is one per BMC, and SOL ends
//! with Deactivate Payload, with its session's Close Session and with its session's time-out.
mod memory;

use ipmi_core::{CompletionCode, Instant, NetFn};
use memory::{payload_type, Console, MemoryBmc};
use rmcp::client::Event;

const ACTIVATE: [u8; 6] = [1, 1, 0xC6, 0, 0, 0];
const DEACTIVATE: [u8; 6] = [1, 1, 0, 0, 0, 0];

/// Sends App `cmd` with `data` at `at`; the completion code and data of the answer.
fn call(
    c: &mut Console,
    bmc: &mut MemoryBmc,
    at: u64,
    cmd: u8,
    data: &[u8],
) -> (CompletionCode, Vec<u8>) {
    let n = c
        .session
        .request(NetFn::App, cmd, data, &mut c.rng, &mut c.out)
        .unwrap();
    let mut reply = [0u8; 512];
    let m = bmc
        .exchange(at, c.port, &c.out[..n], &mut reply)
        .expect("an answer");
    match c
        .session
        .handle(&reply[..m], &mut c.rng, &mut c.out)
        .unwrap()
    {
        Event::Response(r) => (r.completion_code, r.data.to_vec()),
        other => panic!("{other:?}"),
    }
}

/// The SOL datagrams the endpoint has to send at `at`.
fn sol_out(bmc: &mut MemoryBmc, at: u64) -> Vec<(u16, Vec<u8>)> {
    let mut v = Vec::new();
    let mut out = [0u8; 512];
    while let Some((peer, n)) = bmc
        .ep
        .sol_poll(Instant::from_millis(at), &mut bmc.rng, &mut out)
    {
        v.push((peer.port(), out[..n].to_vec()));
    }
    v
}

#[test]
fn one_instance_ends_with_deactivate_close_and_time_out() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
    let (mut a, mut b) = (Console::new(41001), Console::new(41002));
    a.handshake(&mut bmc, 0, None).unwrap();
    b.handshake(&mut bmc, 0, None).unwrap();
    let (cc, data) = call(&mut a, &mut bmc, 10, 0x48, &ACTIVATE);
    assert_eq!(cc, CompletionCode::Normal);
    assert_eq!(data.len(), 12);
    assert!(bmc.ep.sol_active());
    // Machine output goes to a's port as an RMCP+ SOL packet.
    assert_eq!(
        bmc.ep
            .sol_push_output(Instant::from_millis(20), b"boot\r\n"),
        6
    );
    assert!(
        sol_out(&mut bmc, 20).is_empty(),
        "sent before the accumulate interval"
    );
    let sent = sol_out(&mut bmc, 40);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, 41001);
    assert_eq!(payload_type(&sent[0].1), Some(0x01));
    // Unacknowledged: sent again after the retry interval.
    assert_eq!(sol_out(&mut bmc, 540).len(), 1);
    // Refused to b, and to a itself.
    assert_eq!(
        call(&mut b, &mut bmc, 50, 0x48, &ACTIVATE).0,
        CompletionCode::CommandSpecific80
    );
    assert_eq!(
        call(&mut a, &mut bmc, 51, 0x48, &[1, 1, 0xC6, 0, 0, 1]).0,
        CompletionCode::CommandSpecific80
    );
    // Instance info names a's session; b deactivates it.
    let (_, info) = call(&mut b, &mut bmc, 60, 0x4B, &[1, 1]);
    assert_eq!(info[..4], a.session.bmc_session_id().to_le_bytes());
    assert_eq!(
        call(&mut b, &mut bmc, 70, 0x49, &DEACTIVATE).0,
        CompletionCode::Normal
    );
    assert!(!bmc.ep.sol_active());
    // a hears "deactivating" once.
    let bye = sol_out(&mut bmc, 70);
    assert_eq!(bye.len(), 1);
    assert_eq!(bye[0].0, 41001);

    // Close Session ends it.
    assert_eq!(
        call(&mut b, &mut bmc, 80, 0x48, &ACTIVATE).0,
        CompletionCode::Normal
    );
    let n = b.session.close(&mut b.rng, &mut b.out).unwrap();
    let mut reply = [0u8; 512];
    bmc.exchange(90, b.port, &b.out[..n], &mut reply).unwrap();
    assert!(!bmc.ep.sol_active());
    assert!(sol_out(&mut bmc, 90).is_empty());

    // The session's time-out ends it: a activates at 100, is idle, and is gone at 60,100.
    assert_eq!(
        call(&mut a, &mut bmc, 100, 0x48, &ACTIVATE).0,
        CompletionCode::Normal
    );
    bmc.ep.poll(Instant::from_millis(60_099));
    assert!(bmc.ep.sol_active());
    bmc.ep.poll(Instant::from_millis(60_100));
    assert!(!bmc.ep.sol_active());
    assert!(bmc.ep.sol_next_deadline().is_none());
}

#[test]
fn payload_support_and_status_before_activation() {
    let mut bmc = MemoryBmc::new(5_000, 60_000);
    let mut a = Console::new(41003);
    a.handshake(&mut bmc, 0, None).unwrap();
    let (cc, d) = call(&mut a, &mut bmc, 1, 0x4E, &[0x0E]);
    assert_eq!((cc, d[0]), (CompletionCode::Normal, 0x03));
    let (cc, d) = call(&mut a, &mut bmc, 2, 0x4A, &[1]);
    assert_eq!((cc, d), (CompletionCode::Normal, vec![1, 0, 0]));
    let (cc, d) = call(&mut a, &mut bmc, 3, 0x4F, &[0x0E, 1]);
    assert_eq!((cc, d), (CompletionCode::Normal, vec![0x10]));
    assert_eq!(
        call(&mut a, &mut bmc, 4, 0x49, &DEACTIVATE).0,
        CompletionCode::CommandSpecific80
    );
}

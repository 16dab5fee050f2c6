//! The engine against a scripted console: loss, duplication, partial acceptance, timers.
use super::*;
use crate::wire::sol::SolRepr;
use std::vec;

type Engine = SolEngine<64, 16>;

const PARAMS: Params = Params {
    accumulate_ms: 20,
    send_threshold: 8,
    retry_count: 2,
    retry_interval_ms: 100,
    max_data: 10,
};

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Polls once; returns the packet as (sequence, ack, accepted, status, data).
fn poll(e: &mut Engine, now: u64) -> Option<(u8, u8, u8, u8, std::vec::Vec<u8>)> {
    let mut buf = [0u8; 64];
    let n = e.poll(t(now), &mut buf)?;
    let r = SolRepr::parse(&buf[..n]).unwrap();
    Some((
        r.sequence,
        r.ack_sequence,
        r.accepted,
        r.operation,
        r.data.to_vec(),
    ))
}

fn ack(sequence: u8, accepted: u8) -> SolRepr<'static> {
    SolRepr {
        sequence: 0,
        ack_sequence: sequence,
        accepted,
        operation: 0,
        data: &[],
    }
}

fn typed(sequence: u8, data: &[u8]) -> SolRepr<'_> {
    SolRepr {
        sequence,
        ack_sequence: 0,
        accepted: 0,
        operation: 0,
        data,
    }
}

#[test]
fn output_waits_for_the_accumulate_interval_or_the_threshold() {
    let mut e = Engine::new(PARAMS);
    assert_eq!(e.push_output(t(0), b"abc"), 3);
    assert_eq!(poll(&mut e, 10), None);
    assert_eq!(e.next_deadline(), Some(t(20)));
    let (seq, _, _, _, data) = poll(&mut e, 20).unwrap();
    assert_eq!((seq, data.as_slice()), (1, &b"abc"[..]));
    e.receive(t(21), &ack(1, 3));
    assert_eq!(e.output_pending(), 0);
    // Eight characters reach the threshold: out at once, at most max_data per packet.
    e.push_output(t(30), b"0123456789ABCD");
    let (seq, _, _, _, data) = poll(&mut e, 30).unwrap();
    assert_eq!((seq, data.as_slice()), (2, &b"0123456789"[..]));
    // Stop-and-wait: nothing more until the ACK.
    assert_eq!(poll(&mut e, 31), None);
    e.receive(t(32), &ack(2, 10));
    let (seq, _, _, _, data) = poll(&mut e, 52).unwrap();
    assert_eq!((seq, data.as_slice()), (3, &b"ABCD"[..]));
}

#[test]
fn lost_packet_is_retransmitted_then_dropped() {
    let mut e = Engine::new(PARAMS);
    e.push_output(t(0), b"hello world");
    let first = poll(&mut e, 0).unwrap();
    assert_eq!(first.0, 1);
    assert_eq!(poll(&mut e, 99), None);
    assert_eq!(e.next_deadline(), Some(t(100)));
    // The same packet again, twice (retry count 2), then it is given up.
    assert_eq!(poll(&mut e, 100).unwrap(), first);
    assert_eq!(poll(&mut e, 200).unwrap(), first);
    let next = poll(&mut e, 300).unwrap();
    assert_eq!((next.0, next.4.as_slice()), (2, &b"d"[..]));
    assert_eq!(e.stats().retransmitted, 2);
    assert_eq!(e.stats().dropped, 1);
}

#[test]
fn retransmission_after_a_lost_ack_is_answered_and_not_doubled() {
    let mut e = Engine::new(PARAMS);
    e.push_output(t(0), b"0123456789xyz");
    let p1 = poll(&mut e, 0).unwrap();
    // The console's ACK is lost: the packet goes again; its late ACK and a duplicate ACK
    // settle it once.
    assert_eq!(poll(&mut e, 100).unwrap(), p1);
    e.receive(t(101), &ack(1, 10));
    e.receive(t(102), &ack(1, 10));
    assert_eq!(e.output_pending(), 3);
    let p2 = poll(&mut e, 102).unwrap();
    assert_eq!((p2.0, p2.4.as_slice()), (2, &b"xyz"[..]));
}

#[test]
fn partial_ack_resends_the_rest_in_a_new_packet() {
    let mut e = Engine::new(PARAMS);
    e.push_output(t(0), b"abcdefgh");
    assert_eq!(poll(&mut e, 0).unwrap().4, b"abcdefgh");
    e.receive(t(1), &ack(1, 5));
    let p = poll(&mut e, 1).unwrap();
    assert_eq!((p.0, p.4.as_slice()), (2, &b"fgh"[..]));
    // A NACK with some accepted: the rest waits for the retry interval.
    e.receive(
        t(2),
        &SolRepr {
            operation: op::NACK,
            ..ack(2, 1)
        },
    );
    assert_eq!(poll(&mut e, 50), None);
    let p = poll(&mut e, 102).unwrap();
    assert_eq!((p.0, p.4.as_slice()), (3, &b"gh"[..]));
}

#[test]
fn console_input_is_acked_delivered_once_and_limited_by_room() {
    let mut e = Engine::new(PARAMS);
    assert!(e.receive(t(0), &typed(1, b"ls\r")));
    assert_eq!(poll(&mut e, 0).unwrap(), (0, 1, 3, 0, vec![]));
    // The ACK was lost, the console sends the packet again: ACKed again, not delivered again.
    assert!(e.receive(t(5), &typed(1, b"ls\r")));
    assert_eq!(poll(&mut e, 5).unwrap(), (0, 1, 3, 0, vec![]));
    assert_eq!(e.stats().duplicates, 1);
    let mut got = [0u8; 32];
    assert_eq!(e.take_input(&mut got), 3);
    assert_eq!(&got[..3], b"ls\r");
    // 20 characters into a 16-character buffer: 16 accepted, the ACK says so.
    e.receive(t(6), &typed(2, b"abcdefghijklmnopqrst"));
    assert_eq!(poll(&mut e, 6).unwrap(), (0, 2, 16, 0, vec![]));
    // The console resends the rest under a new sequence number; room again after a take.
    assert_eq!(e.take_input(&mut got), 16);
    e.receive(t(7), &typed(3, b"qrst"));
    assert_eq!(poll(&mut e, 7).unwrap(), (0, 3, 4, 0, vec![]));
    assert_eq!(e.take_input(&mut got), 4);
    assert_eq!(&got[..4], b"qrst");
}

#[test]
fn ack_rides_on_output_when_both_are_due() {
    let mut e = Engine::new(PARAMS);
    e.push_output(t(0), b"login: ");
    e.receive(t(30), &typed(4, b"r"));
    let p = poll(&mut e, 30).unwrap();
    assert_eq!(p, (1, 4, 1, 0, b"login: ".to_vec()));
    assert_eq!(poll(&mut e, 30), None);
}

#[test]
fn operations_and_status_bits() {
    let mut e = Engine::new(PARAMS);
    let pkt = SolRepr {
        operation: op::BREAK | op::CTS_PAUSE,
        ..ack(0, 0)
    };
    assert!(!e.receive(t(0), &pkt));
    let ev = e.take_events();
    assert!(ev.send_break && ev.lines_changed && ev.lines.cts_paused);
    assert!(!e.take_events().send_break);
    e.report_break();
    e.report_overrun(5);
    e.push_output(t(0), b"x");
    let p = poll(&mut e, 20).unwrap();
    assert_eq!(p.3, status::BREAK | status::OVERRUN);
    // Flush outbound drops what waits but not the packet on its way.
    e.push_output(t(21), b"yz");
    e.receive(
        t(22),
        &SolRepr {
            operation: op::FLUSH_OUTBOUND,
            ..ack(0, 0)
        },
    );
    assert_eq!(e.output_pending(), 1);
    let mut buf = [0u8; 8];
    assert_eq!(Engine::farewell(&mut buf), Some(4));
    assert_eq!(buf[3], status::DEACTIVATING);
}

#[test]
fn output_buffer_bounds_what_it_takes() {
    let mut e = Engine::new(PARAMS);
    assert_eq!(e.push_output(t(0), &[b'x'; 100]), 64);
    assert_eq!(e.output_room(), 0);
}

/// A lossy, duplicating channel in both directions: every character arrives once, in order.
#[test]
fn loss_and_duplication_lose_and_double_nothing() {
    let params = Params {
        retry_count: 7,
        ..PARAMS
    };
    let mut e = Engine::new(params);
    let text: std::vec::Vec<u8> = (0..2000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut fed = 0;
    let mut got = std::vec::Vec::new();
    let mut last_seq = 0u8;
    let mut last_len = 0usize;
    let mut now = 0u64;
    let mut rnd = 12345u32;
    let mut chance = |pct: u32| {
        rnd = rnd.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (rnd >> 16) % 100 < pct
    };
    while got.len() < text.len() && now < 1_000_000 {
        fed += e.push_output(t(now), &text[fed..]);
        let mut buf = [0u8; 64];
        if let Some(n) = e.poll(t(now), &mut buf) {
            let copies = if chance(20) {
                0
            } else if chance(20) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let p = SolRepr::parse(&buf[..n]).unwrap();
                if p.sequence == 0 {
                    continue;
                }
                // The console as ipmitool does it: the same sequence again shows only what
                // is new, then an ACK of everything (which may be lost too).
                if p.sequence != last_seq {
                    got.extend_from_slice(p.data);
                } else if p.data.len() > last_len {
                    got.extend_from_slice(&p.data[last_len..]);
                }
                last_seq = p.sequence;
                last_len = p.data.len();
                if !chance(20) {
                    e.receive(t(now), &ack(p.sequence, p.data.len() as u8));
                }
            }
        }
        now += 10;
    }
    assert_eq!(got, text);
    assert_eq!(e.stats().dropped, 0);
    assert!(e.stats().retransmitted > 0);
}

proptest::proptest! {
    /// Any console packets, output and times: nothing panics, the buffers stay bounded, and a
    /// poll writes a SOL payload that parses.
    #[test]
    fn any_packets_any_time(
        steps in proptest::collection::vec(
            (proptest::num::u8::ANY, proptest::collection::vec(proptest::num::u8::ANY, 0..40), 0u64..300),
            0..60,
        )
    ) {
        let mut e = Engine::new(PARAMS);
        let mut now = 0u64;
        for (kind, bytes, dt) in steps {
            now += dt;
            match kind % 4 {
                0 => {
                    if let Ok(p) = SolRepr::parse(&bytes) {
                        e.receive(t(now), &p);
                    }
                }
                1 => {
                    if let Ok(p) = SolRepr::parse(&bytes) {
                        e.receive_again(&p);
                    }
                }
                2 => {
                    e.push_output(t(now), &bytes);
                }
                _ => {
                    let mut got = [0u8; 8];
                    e.take_input(&mut got);
                }
            }
            let mut buf = [0u8; 64];
            while let Some(n) = e.poll(t(now), &mut buf) {
                proptest::prop_assert!(SolRepr::parse(&buf[..n]).is_ok());
                proptest::prop_assert!(n <= 4 + usize::from(PARAMS.max_data));
            }
            proptest::prop_assert!(e.output_pending() <= 64);
            proptest::prop_assert!(e.input_pending() <= 16);
        }
    }
}

//! Pre-session commands as raw IPMI 1.5 session-less datagrams over real UDP.
mod support;

use support::{config, exchange, UdpBmc};

/// A session-less IPMI 1.5 datagram carrying an App request from the remote console (81h).
fn app_request(cmd: u8, data: &[u8]) -> Vec<u8> {
    let neg = |bytes: &[u8]| 0u8.wrapping_sub(bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)));
    let mut msg = vec![0x20, 0x06 << 2];
    msg.push(neg(&msg));
    let body_start = msg.len();
    msg.extend_from_slice(&[0x81, 0x00, cmd]);
    msg.extend_from_slice(data);
    msg.push(neg(&msg[body_start..]));
    let mut d = vec![
        0x06,
        0x00,
        0xFF,
        0x07,
        0x00,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        msg.len() as u8,
    ];
    d.extend_from_slice(&msg);
    d
}

/// The completion code and data of the reply to `app_request`.
fn reply_data(reply: &[u8]) -> (u8, Vec<u8>) {
    let msg = &reply[14..];
    (msg[6], msg[7..msg.len() - 1].to_vec())
}

#[test]
fn cipher_suites_listed_by_suite_and_by_algorithm() {
    let bmc = UdpBmc::start(config());
    // By cipher suite (what ipmitool and freeipmi ask): 5-byte records, 16 bytes per reply.
    let reply = exchange(bmc.port, &app_request(0x54, &[0x0E, 0x00, 0x80])).expect("no reply");
    let (cc, data) = reply_data(&reply);
    assert_eq!(cc, 0x00);
    assert_eq!(data[0], 0x01, "channel");
    assert_eq!(
        &data[1..6],
        &[0xC0, 0x01, 0x01, 0x40, 0x80],
        "suite 1 record"
    );
    assert_eq!(data.len(), 17);

    // By algorithm: every algorithm tag once, authentication then integrity then confidentiality.
    let reply = exchange(bmc.port, &app_request(0x54, &[0x0E, 0x00, 0x00])).expect("no reply");
    let (cc, data) = reply_data(&reply);
    assert_eq!(cc, 0x00);
    assert_eq!(
        &data[1..],
        &[0x01, 0x02, 0x03, 0x40, 0x41, 0x42, 0x43, 0x44, 0x80, 0x81],
        "algorithms of suites 1-3, 6-8, 11, 12, 15-17"
    );
    // One chunk holds them all: index 1 starts past the end of the list (parameter out of range).
    let reply = exchange(bmc.port, &app_request(0x54, &[0x0E, 0x00, 0x01])).expect("no reply");
    assert_eq!(reply_data(&reply).0, 0xC9);
}

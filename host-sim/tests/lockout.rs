//! Fencing must work when it is needed: while a hostile host on 127.0.0.66 floods RAKP1 for
//! `admin`, forges RAKP3s, floods Open Session and sends wrong IPMI 1.5 Activate Sessions, the
//! real `fence_ipmilan` (`--lanplus`, and IPMI 1.5 `-I lan`) from 127.0.0.1 powers the machine
//! off within 5 s, every time. A 1.5 password guesser gets no difference between a right and a
//! wrong password once its (user, source) is locked. The attacker's guess rate is measured.
//!
//! The BMC is added with the default address `::` (dual-stack): the hostile datagrams arrive
//! as IPv4-mapped ::ffff:127.0.0.66, which the limiter keys as the IPv4 address.
mod common;

use std::net::UdpSocket;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use ipmi_core::Privilege;
use rmcp::client::{ClientConfig, Event, Random, Session, MAX_DATAGRAM};

const ATTACKER: &str = "127.0.0.66";

/// A small xorshift: random-looking console ids, Rm and forged codes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        for x in b.iter_mut() {
            *x = self.next() as u8;
        }
        b
    }
}
impl Random for Rng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

const RMCP: [u8; 4] = [0x06, 0x00, 0xff, 0x07];

/// A session-less IPMI 2.0 datagram carrying `payload` of `payload_type`.
fn v20(payload_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut d = RMCP.to_vec();
    d.extend([0x06, payload_type]);
    d.extend([0u8; 8]); // session id 0, sequence 0
    d.extend((payload.len() as u16).to_le_bytes());
    d.extend(payload);
    d
}

/// Open Session for suite 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) at Administrator.
fn open_session(tag: u8, console_id: u32) -> Vec<u8> {
    let mut p = vec![tag, 0x04, 0, 0];
    p.extend(console_id.to_le_bytes());
    p.extend([0x00, 0, 0, 0x08, 0x01, 0, 0, 0]);
    p.extend([0x01, 0, 0, 0x08, 0x01, 0, 0, 0]);
    p.extend([0x02, 0, 0, 0x08, 0x01, 0, 0, 0]);
    v20(0x10, &p)
}

/// RAKP1 for `admin` at Administrator, name-only lookup.
fn rakp1(tag: u8, bmc_id: u32, rm: [u8; 16]) -> Vec<u8> {
    let mut p = vec![tag, 0, 0, 0];
    p.extend(bmc_id.to_le_bytes());
    p.extend(rm);
    p.extend([0x14, 0, 0, 5]);
    p.extend(b"admin");
    v20(0x12, &p)
}

/// RAKP3 saying "no errors" with a code that is not the password's.
fn forged_rakp3(tag: u8, bmc_id: u32, code: [u8; 20]) -> Vec<u8> {
    let mut p = vec![tag, 0, 0, 0];
    p.extend(bmc_id.to_le_bytes());
    p.extend(code);
    v20(0x14, &p)
}

/// A reply of `payload_type` to `tag` (stale replies to earlier tries are skipped): its payload.
fn await_v20(s: &UdpSocket, payload_type: u8, tag: u8) -> Option<Vec<u8>> {
    let mut buf = [0u8; 512];
    loop {
        let n = s.recv(&mut buf).ok()?;
        let d = &buf[..n];
        if n > 16 && d[4] == 0x06 && d[5] & 0x3f == payload_type && d[16] == tag {
            return Some(d[16..].to_vec());
        }
    }
}

/// IPMI message checksum.
fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |a, b| a.wrapping_add(*b))
        .wrapping_neg()
}

/// An App request to the BMC (rsAddr 20h, rqAddr 81h).
fn app_request(rq_seq: u8, cmd: u8, data: &[u8]) -> Vec<u8> {
    let mut m = vec![0x20, 0x18];
    m.push(checksum(&m));
    let body = m.len();
    m.extend([0x81, rq_seq << 2, cmd]);
    m.extend(data);
    m.push(checksum(&m[body..]));
    m
}

/// An IPMI 1.5 datagram.
fn v15(auth_type: u8, session_id: u32, code: Option<[u8; 16]>, msg: &[u8]) -> Vec<u8> {
    let mut d = RMCP.to_vec();
    d.push(auth_type);
    d.extend(0u32.to_le_bytes());
    d.extend(session_id.to_le_bytes());
    if let Some(c) = code {
        d.extend(c);
    }
    d.push(msg.len() as u8);
    d.extend(msg);
    d
}

fn get_session_challenge(rq_seq: u8, user: &str) -> Vec<u8> {
    let mut data = vec![0x02];
    let mut name = [0u8; 16];
    name[..user.len()].copy_from_slice(user.as_bytes());
    data.extend(name);
    v15(0, 0, None, &app_request(rq_seq, 0x39, &data))
}

/// What the attacker saw.
#[derive(Default)]
struct Tally {
    /// Datagrams sent.
    sent: AtomicU64,
    /// RAKP2 with a real code (a hash to crack offline / a password check).
    codes: AtomicU64,
    /// RAKP1 refused (locked, rationed).
    refused: AtomicU64,
    /// Forged RAKP3s answered "invalid integrity check value".
    forged: AtomicU64,
    /// 1.5 challenges granted (each one allows one password guess).
    challenges: AtomicU64,
    /// 1.5 challenges refused.
    challenges_refused: AtomicU64,
    /// 1.5 Activate Sessions with a wrong code that got any answer (must stay 0).
    activations_answered: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn hostile_socket(port: u16, timeout_ms: u64) -> UdpSocket {
    let s = UdpSocket::bind((ATTACKER, 0)).expect("bind 127.0.0.66");
    s.set_read_timeout(Some(Duration::from_millis(timeout_ms)))
        .unwrap();
    s.connect(("127.0.0.1", port)).unwrap();
    s
}

/// Open Session, RAKP1 for admin, and (when `forge`) a forged RAKP3, as fast as answers come.
fn rakp_flood(port: u16, stop: Arc<AtomicBool>, tally: Arc<Tally>, forge: bool, seed: u64) {
    let s = hostile_socket(port, 300);
    let mut rng = Rng(seed);
    let mut tag = 0u8;
    while !stop.load(Ordering::Relaxed) {
        tag = tag.wrapping_add(1);
        let _ = s.send(&open_session(tag, rng.next() as u32));
        bump(&tally.sent);
        let Some(p) = await_v20(&s, 0x11, tag) else {
            continue;
        };
        if p[1] != 0 {
            continue;
        }
        let bmc_id = u32::from_le_bytes([p[8], p[9], p[10], p[11]]);
        let _ = s.send(&rakp1(tag, bmc_id, rng.bytes()));
        bump(&tally.sent);
        let Some(p) = await_v20(&s, 0x13, tag) else {
            continue;
        };
        if p[1] != 0 {
            bump(&tally.refused);
            continue;
        }
        bump(&tally.codes);
        if forge {
            let _ = s.send(&forged_rakp3(tag, bmc_id, rng.bytes()));
            bump(&tally.sent);
            if let Some(p) = await_v20(&s, 0x15, tag) {
                // Refused as a wrong password (0x0F), or the half-open session was gone already
                // (0x02: the attacker's own Open Session flood pushed it out). Never accepted.
                assert!(
                    p[1] == 0x0f || p[1] == 0x02,
                    "a forged RAKP3 got status {:#04x}",
                    p[1]
                );
                if p[1] == 0x0f {
                    bump(&tally.forged);
                }
            }
        }
    }
}

/// Open Sessions without waiting for answers, about 5,000 a second (more only burns the CPU
/// the other tests on this machine share): they fill the session table.
fn open_flood(port: u16, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let s = hostile_socket(port, 1);
    let mut rng = Rng(77);
    while !stop.load(Ordering::Relaxed) {
        let _ = s.send(&open_session(rng.next() as u8, rng.next() as u32));
        bump(&tally.sent);
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Get Session Challenge for admin, then an Activate Session with a wrong code.
fn v15_guesses(port: u16, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let s = hostile_socket(port, 300);
    let mut rng = Rng(99);
    let mut seq = 0u8;
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        seq = (seq + 1) % 64;
        let _ = s.send(&get_session_challenge(seq, "admin"));
        bump(&tally.sent);
        // The reply: RMCP 4, auth type, sequence 4, session id 4, length 1; then the message,
        // whose completion code is byte 6.
        let reply = loop {
            match s.recv(&mut buf) {
                Ok(n)
                    if n > 20 && buf[4] == 0 && buf[14 + 5] == 0x39 && buf[14 + 4] >> 2 == seq =>
                {
                    break Some(buf[..n].to_vec())
                }
                Ok(_) => continue,
                Err(_) => break None,
            }
        };
        let Some(r) = reply else {
            continue;
        };
        if r[20] != 0 || r.len() < 41 {
            bump(&tally.challenges_refused);
            continue;
        }
        bump(&tally.challenges);
        let temp_id = u32::from_le_bytes([r[21], r[22], r[23], r[24]]);
        let mut data = vec![0x02, 0x04];
        data.extend(&r[25..41]);
        data.extend(1u32.to_le_bytes());
        let msg = app_request(seq, 0x3a, &data);
        let _ = s.send(&v15(0x02, temp_id, Some(rng.bytes()), &msg));
        bump(&tally.sent);
        if s.recv(&mut buf).is_ok() {
            bump(&tally.activations_answered);
        }
    }
}

/// The hostile host: its threads, stopped and joined on drop.
struct Attack {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
    tally: Arc<Tally>,
    started: Instant,
}

impl Attack {
    fn start(port: u16) -> Attack {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let mut threads = Vec::new();
        for (forge, seed) in [(false, 1), (false, 2), (true, 3)] {
            let (stop, tally) = (stop.clone(), tally.clone());
            threads.push(std::thread::spawn(move || {
                rakp_flood(port, stop, tally, forge, seed)
            }));
        }
        let (st, ta) = (stop.clone(), tally.clone());
        threads.push(std::thread::spawn(move || open_flood(port, st, ta)));
        let (st, ta) = (stop.clone(), tally.clone());
        threads.push(std::thread::spawn(move || v15_guesses(port, st, ta)));
        Attack {
            stop,
            threads,
            tally,
            started: Instant::now(),
        }
    }

    fn stop(&mut self) -> Duration {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            t.join().expect("an attacker thread panicked");
        }
        self.started.elapsed()
    }
}

impl Drop for Attack {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// `fence_ipmilan` as a cluster runs it; returns (success, wall time, output).
fn fence(port: u16, lanplus: bool, action: &str) -> (bool, Duration, String) {
    let mut c = Command::new("fence_ipmilan");
    c.args(["-a", "127.0.0.1", "-u", &port.to_string()])
        .args(["-l", "admin", "-p", "password", "-o", action, "-v"]);
    if lanplus {
        c.arg("-P");
    }
    let start = Instant::now();
    let o = run_timeout(c, Duration::from_secs(60));
    let t = text(&o);
    let ok = o.status.success()
        && (t.contains("Success: Powered") || t.contains("Success: Already"))
        && t.contains(if action == "off" { "OFF" } else { "ON" });
    (ok, start.elapsed(), t)
}

fn bmc(sim: &mut Sim) -> u16 {
    require_tool("fence_ipmilan");
    require_tool("ipmitool");
    let port = free_port();
    sim.ok(&["add", "n", "--port", &port.to_string()]);
    sim.serve();
    sim.ok(&["start", "n"]);
    port
}

/// Fences repeatedly for `span` under attack; every power-off within 5 s.
fn fence_under_attack(span: Duration) {
    let mut sim = Sim::new();
    let port = bmc(&mut sim);
    let mut attack = Attack::start(port);
    // Let the flood lock (admin, 127.0.0.66) out and fill the session table first.
    std::thread::sleep(Duration::from_secs(2));
    let start = Instant::now();
    let mut offs = Vec::new();
    let mut failures = Vec::new();
    while start.elapsed() < span {
        for lanplus in [true, false] {
            let (ok, _, t) = fence(port, lanplus, "on");
            if !ok {
                failures.push(format!("on (lanplus {lanplus}): {t}"));
            }
            let (ok, took, t) = fence(port, lanplus, "off");
            if !ok || took > Duration::from_secs(5) {
                failures.push(format!("off (lanplus {lanplus}) in {took:?}: {t}"));
            }
            offs.push(took);
        }
    }
    let elapsed = attack.stop();
    let t = &attack.tally;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64();
    let guesses = get(&t.codes) + get(&t.challenges);
    eprintln!(
        "{} fence power-offs in {:.0} s under attack, slowest {:?}; attacker sent {} datagrams ({:.0}/s): \
         {} RAKP2 codes, {} RAKP1 refused, {} forged RAKP3 refused, {} 1.5 challenges granted, {} refused; \
         password checks for (admin, 127.0.0.66): {} ({:.3}/s)",
        offs.len(),
        secs,
        offs.iter().max().unwrap(),
        get(&t.sent),
        get(&t.sent) as f64 / secs,
        get(&t.codes),
        get(&t.refused),
        get(&t.forged),
        get(&t.challenges),
        get(&t.challenges_refused),
        guesses,
        guesses as f64 / secs,
    );
    assert!(
        failures.is_empty(),
        "fencing failed under attack:\n{}",
        failures.join("\n")
    );
    // The attack ran and was stopped: rationed and locked, never answered a wrong 1.5 guess.
    assert!(get(&t.refused) > 100, "the flood was not refused");
    assert!(get(&t.challenges_refused) > 10);
    assert_eq!(get(&t.activations_answered), 0);
    // At most 5 password checks per 60 s lockout (plus the 5 s a code may stay out) for the
    // pair, RMCP+ and 1.5 together.
    let periods = (secs / 60.0).floor() as u64 + 1;
    assert!(
        guesses <= 5 * periods,
        "{guesses} password checks in {secs:.0} s"
    );
    // The machine is off.
    let o = ipmitool(
        "lanplus",
        "127.0.0.1",
        port,
        "admin",
        "password",
        &["power", "status"],
    );
    assert!(text(&o).contains("off"), "{}", text(&o));
}

#[test]
fn fence_ipmilan_powers_off_within_5_s_under_attack_for_60_s() {
    fence_under_attack(Duration::from_secs(60));
}

/// A session-less 1.5 exchange over `s`: the reply, or `None` after the socket's time-out.
fn exchange(s: &UdpSocket, d: &[u8]) -> Option<Vec<u8>> {
    s.send(d).unwrap();
    let mut buf = [0u8; 512];
    s.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
}

/// A socket on `addr` (a port of its own: a console) to the BMC.
fn console_socket(addr: &str, port: u16) -> UdpSocket {
    let s = UdpSocket::bind((addr, 0)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    s.connect(("127.0.0.1", port)).unwrap();
    s
}

/// A 1.5 console (rmcp's client) on `addr`, run until it is about to send Activate Session:
/// its socket and that datagram.
fn challenged(addr: &str, port: u16, pass: &str, seed: u64) -> (UdpSocket, Vec<u8>) {
    let s = console_socket(addr, port);
    let cfg = ClientConfig::new(b"admin", pass.as_bytes(), Privilege::Administrator)
        .unwrap()
        .with_ipmi15_md5()
        .unwrap()
        .with_auth_capabilities(false);
    let mut rng = Rng(seed);
    let mut session = Session::new(cfg, &mut rng);
    let mut out = [0u8; MAX_DATAGRAM];
    let n = session.start(&mut rng, &mut out).unwrap();
    let reply = exchange(&s, &out[..n]).expect("a challenge");
    let activate = match session.handle(&reply, &mut rng, &mut out).unwrap() {
        Event::Send(n) => out[..n].to_vec(),
        other => panic!("challenge: {other:?}"),
    };
    (s, activate)
}

#[test]
fn v15_guesser_gets_no_difference_once_locked() {
    let mut sim = Sim::new();
    let port = bmc(&mut sim);
    let guesser = "127.0.0.67";
    // Two challenges held back: one for the right password, one for a wrong one.
    let (right_s, right) = challenged(guesser, port, "password", 1);
    let (wrong_s, wrong) = challenged(guesser, port, "nope", 2);
    // Five wrong guesses: silence each time; (admin, 127.0.0.67) is locked.
    for i in 0..5 {
        let (s, a) = challenged(guesser, port, "nope", 10 + i);
        assert_eq!(exchange(&s, &a), None, "a wrong password was answered");
    }
    // Now the right password gets exactly what the wrong one gets: nothing.
    assert_eq!(
        exchange(&right_s, &right),
        None,
        "the right password was answered while locked"
    );
    assert_eq!(exchange(&wrong_s, &wrong), None);
    // New challenges: refused alike (0x81), whatever password the guesser has in mind.
    for pass in ["password", "nope"] {
        let s = console_socket(guesser, port);
        let cfg = ClientConfig::new(b"admin", pass.as_bytes(), Privilege::Administrator)
            .unwrap()
            .with_ipmi15_md5()
            .unwrap()
            .with_auth_capabilities(false);
        let mut rng = Rng(5);
        let mut session = Session::new(cfg, &mut rng);
        let mut out = [0u8; MAX_DATAGRAM];
        let n = session.start(&mut rng, &mut out).unwrap();
        let reply = exchange(&s, &out[..n]).expect("an answer");
        assert_eq!(reply[20], 0x81, "{pass}: {reply:02x?}");
    }
    // The control: from another address the same right password is answered.
    let (s, right) = challenged("127.0.0.68", port, "password", 3);
    assert!(
        exchange(&s, &right).is_some(),
        "not locked, the right password is answered"
    );
    // And the locked pair locks nobody else: fence_ipmilan from 127.0.0.1, 1.5 and RMCP+.
    for lanplus in [false, true] {
        let (ok, _, t) = fence(port, lanplus, "on");
        assert!(ok, "{t}");
        let (ok, took, t) = fence(port, lanplus, "off");
        assert!(ok && took < Duration::from_secs(5), "{took:?}: {t}");
    }
}

/// The global cap, measured: 30 hosts (127.0.0.100-129) harvest RAKP2 codes for admin for
/// 10 s, never sending RAKP3. Meanwhile fence_ipmilan from 127.0.0.1 (which logged in before,
/// so the tokens kept for known sources are its) still powers off within 5 s.
#[test]
fn guess_rate_from_many_sources_is_capped() {
    let mut sim = Sim::new();
    let port = bmc(&mut sim);
    let (ok, _, t) = fence(port, true, "on");
    assert!(ok, "{t}");
    let stop = Arc::new(AtomicBool::new(false));
    let codes: Arc<Vec<AtomicU64>> = Arc::new((0..30).map(|_| AtomicU64::new(0)).collect());
    let threads: Vec<_> = (0..30u8)
        .map(|i| {
            let (stop, codes) = (stop.clone(), codes.clone());
            std::thread::spawn(move || {
                let s = UdpSocket::bind((format!("127.0.0.{}", 100 + i).as_str(), 0)).unwrap();
                s.set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                s.connect(("127.0.0.1", port)).unwrap();
                let mut rng = Rng(1000 + u64::from(i));
                let mut tag = 0u8;
                while !stop.load(Ordering::Relaxed) {
                    tag = tag.wrapping_add(1);
                    let _ = s.send(&open_session(tag, rng.next() as u32));
                    let Some(p) = await_v20(&s, 0x11, tag) else {
                        continue;
                    };
                    if p[1] != 0 {
                        continue;
                    }
                    let bmc_id = u32::from_le_bytes([p[8], p[9], p[10], p[11]]);
                    let _ = s.send(&rakp1(tag, bmc_id, rng.bytes()));
                    if let Some(p) = await_v20(&s, 0x13, tag) {
                        if p[1] == 0 {
                            codes[usize::from(i)].fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    // A harvester does not need to hurry: a few hundred tries a second each.
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(5));
    let (ok, took, t) = fence(port, true, "off");
    std::thread::sleep(Duration::from_secs(5).saturating_sub(took));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let per: Vec<u64> = codes.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let total: u64 = per.iter().sum();
    eprintln!(
        "30 sources for {secs:.1} s: {total} RAKP2 codes ({:.2}/s in all), per source at most {} ({:.2}/s)",
        total as f64 / secs,
        per.iter().max().unwrap(),
        *per.iter().max().unwrap() as f64 / secs,
    );
    assert!(ok && took < Duration::from_secs(5), "{took:?}: {t}");
    // Strangers share 16 of the 32 global tokens, one back every 125 ms.
    assert!(
        (total as f64) <= 16.0 + secs * 8.0 + 2.0,
        "{total} codes in {secs:.1} s"
    );
}

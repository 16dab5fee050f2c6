//! Known-answer tests against the captured sessions in `shared/vectors` (ipmitool, freeipmi,
//! ipmi_sim, fakebmc.py). Every datagram of every vector goes through the wire parsers; every
//! RMCP+ session is re-derived from its captured Open Session/RAKP bytes and the known password
//! (and K_g), and every in-session packet is verified, decrypted and re-sealed byte for byte.
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use ipmi_core::wire::{RequestRepr, ResponseRepr};
use ipmi_core::Privilege;
use rmcp::crypto::{self, rakp as kex, CipherSuite, Kg, Kuid, RakpContext};
use rmcp::session::{self, SessionKeys};
use rmcp::wire::asf::AsfRepr;
use rmcp::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use rmcp::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4, RmcpPlusStatus};
use rmcp::wire::v15::AuthType;
use rmcp::wire::v20::{Header, PayloadType};
use rmcp::wire::{Datagram, WireError};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors");

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|_| panic!("bad hex {s}")))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    C2s,
    S2c,
}

struct Vector {
    name: String,
    text: String,
    datagrams: Vec<(Dir, Vec<u8>)>,
}

impl Vector {
    fn fails(&self) -> bool {
        self.name.ends_with("-FAILS")
    }

    fn header(&self, label: &str) -> Option<&str> {
        self.text
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .map(str::trim)
    }

    /// A K_g header line: `none ...` or `'...' = <40 hex> ...`.
    fn kg(&self, label: &str) -> Option<Kg> {
        let v = self.header(label)?;
        if v.starts_with("none") {
            return None;
        }
        let after = v.split(" = ").nth(1).expect("K_g hex");
        let h = after.split_whitespace().next().unwrap();
        Some(Kg::from_slice(&hex(h)).unwrap())
    }

    /// Derived value lines `#   SIK ... = <hex> (n bytes)`.
    fn derived(&self, name: &str) -> Option<Vec<u8>> {
        let prefix = format!("#   {name} ");
        let line = self.text.lines().find(|l| {
            l.strip_prefix(&prefix)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })?;
        let last = line.rsplit(" = ").next()?;
        Some(hex(last.split_whitespace().next()?))
    }
}

fn vectors() -> Vec<Vector> {
    let dir = PathBuf::from(VECTORS).join("txt");
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "vector folder {} missing ({e}): clone shared/ beside the repo",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let text = fs::read_to_string(&path).unwrap();
        let mut datagrams = Vec::new();
        for line in text.lines() {
            let (dir, h) = if let Some(h) = line.strip_prefix("c2s ") {
                (Dir::C2s, h)
            } else if let Some(h) = line.strip_prefix("s2c ") {
                (Dir::S2c, h)
            } else {
                continue;
            };
            datagrams.push((dir, hex(h.trim())));
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        out.push(Vector {
            name,
            text,
            datagrams,
        });
    }
    let captures = out.iter().filter(|v| !v.datagrams.is_empty()).count();
    assert!(captures >= 53, "expected the 53 captures, found {captures}");
    out
}

fn check_lan_message(dir: Dir, msg: &[u8], what: &str) {
    match dir {
        Dir::C2s => {
            RequestRepr::parse_bytes(msg).unwrap_or_else(|e| panic!("{what}: request {e:?}"));
        }
        Dir::S2c => {
            ResponseRepr::parse_bytes(msg).unwrap_or_else(|e| panic!("{what}: response {e:?}"));
        }
    }
}

/// What one RMCP+ session in a capture showed.
#[derive(Default, Debug)]
struct Report {
    open_session_status: Option<RmcpPlusStatus>,
    open_session_max_privilege: Option<Privilege>,
    suite: Option<u8>,
    rakp2_ok: usize,
    rakp3_ok: usize,
    rakp4_ok: usize,
    rakp4_mismatch: usize,
    /// In-session packets opened (verified/decrypted) per direction.
    opened: BTreeMap<&'static str, usize>,
    encrypted: usize,
    resealed: usize,
    v15_verified: usize,
    failures: Vec<String>,
}

#[derive(Default)]
struct SessionState {
    console_id: u32,
    bmc_id: u32,
    suite: Option<&'static CipherSuite>,
    rm: [u8; 16],
    rc: [u8; 16],
    guid: [u8; 16],
    role: u8,
    name: Vec<u8>,
    keys: Option<SessionKeys>,
}

impl SessionState {
    fn ctx(&self) -> RakpContext<'_> {
        RakpContext {
            console_session_id: self.console_id,
            bmc_session_id: self.bmc_id,
            console_random: self.rm,
            bmc_random: self.rc,
            bmc_guid: self.guid,
            role: self.role,
            user_name: &self.name,
        }
    }
}

fn kuid() -> Kuid {
    Kuid::from_slice(b"password").unwrap()
}

/// Runs every datagram of `v` through the parsers and the crypto. `kg` is the K_g the client
/// used (the spec-correct derivation). Parse errors panic; crypto mismatches are reported.
fn replay(v: &Vector, kg: Option<&Kg>) -> Report {
    let mut r = Report::default();
    let mut s = SessionState::default();
    let kuid = kuid();
    for (n, (dir, bytes)) in v.datagrams.iter().enumerate() {
        let what = format!("{} [{}]", v.name, n + 1);
        let dg = Datagram::parse(bytes).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        match dg {
            Datagram::Asf { message, .. } => match (dir, message) {
                (Dir::C2s, AsfRepr::PresencePing { .. }) => {}
                (Dir::S2c, AsfRepr::PresencePong { .. }) => {
                    let mut out = [0u8; 32];
                    let n = message.emit(&mut out).unwrap();
                    assert_eq!(&out[..n], &bytes[4..], "{what}: pong round trip");
                }
                other => panic!("{what}: unexpected ASF {other:?}"),
            },
            Datagram::V15 { session, .. } => {
                check_lan_message(*dir, session.message, &what);
                if session.auth_type != AuthType::None {
                    match rmcp::session::v15::verify(&session, &kuid) {
                        Ok(()) => r.v15_verified += 1,
                        Err(e) => r.failures.push(format!("{what}: v1.5 auth code {e:?}")),
                    }
                }
                // Re-emit; captures without a legacy pad reproduce exactly.
                let mut out = [0u8; 300];
                let n = rmcp::session::v15::seal(
                    &mut out,
                    session.auth_type,
                    session.sequence,
                    session.session_id,
                    session.message,
                    Some(&kuid),
                )
                .unwrap();
                assert_eq!(&out[..n], &bytes[..n], "{what}: v1.5 re-seal");
                assert!(bytes.len() - n <= 1, "{what}: more than one pad byte");
            }
            Datagram::V20 { body, .. } => {
                let header = Header::parse(body).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                replay_v20(&mut r, &mut s, &kuid, kg, *dir, body, bytes, header, &what);
            }
        }
    }
    r
}

#[allow(clippy::too_many_arguments)]
fn replay_v20(
    r: &mut Report,
    s: &mut SessionState,
    kuid: &Kuid,
    kg: Option<&Kg>,
    dir: Dir,
    body: &[u8],
    datagram: &[u8],
    header: Header,
    what: &str,
) {
    if header.payload_type.is_session_setup() || header.session_id == 0 {
        let opened = session::v20::open(body, None, &mut [])
            .unwrap_or_else(|e| panic!("{what}: session-less open {e:?}"));
        let p = opened.payload;
        // Session-less packets re-seal exactly too.
        let mut out = [0u8; 200];
        let n = session::v20::seal(
            &mut out,
            header.payload_type,
            header.session_id,
            header.sequence,
            p,
            None,
            &[0; 16],
        )
        .unwrap();
        assert_eq!(&out[..n], datagram, "{what}: session-less re-seal");
        match header.payload_type {
            PayloadType::Ipmi => check_lan_message(dir, p, what),
            PayloadType::OpenSessionRequest => {
                let q = OpenSessionRequest::parse(p).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                s.console_id = q.console_session_id;
                let mut out = [0u8; 32];
                q.emit(&mut out).unwrap();
                assert_eq!(&out[..], p, "{what}: open session request round trip");
            }
            PayloadType::OpenSessionResponse => {
                let q = OpenSessionResponse::parse(p).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                r.open_session_status = Some(q.status);
                r.open_session_max_privilege = Some(q.max_privilege);
                if q.status.is_ok() {
                    assert_eq!(q.console_session_id, s.console_id, "{what}: SIDm");
                    s.bmc_id = q.bmc_session_id;
                    let suite = CipherSuite::by_algorithms(q.auth, q.integrity, q.confidentiality)
                        .unwrap_or_else(|| panic!("{what}: no suite for {q:?}"));
                    s.suite = Some(suite);
                    r.suite = Some(suite.id);
                    let mut out = [0u8; 36];
                    q.emit(&mut out).unwrap();
                    assert_eq!(&out[..], p, "{what}: open session response round trip");
                }
            }
            PayloadType::Rakp1 => {
                let q = Rakp1::parse(p).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert_eq!(q.bmc_session_id, s.bmc_id, "{what}: SIDc");
                s.rm = q.console_random;
                s.role = q.role;
                s.name = q.user_name.to_vec();
                let mut out = [0u8; 64];
                let n = q.emit(&mut out).unwrap();
                assert_eq!(&out[..n], p, "{what}: RAKP1 round trip");
            }
            PayloadType::Rakp2 => {
                let q = Rakp2::parse(p).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert!(q.status.is_ok(), "{what}: RAKP2 status {:?}", q.status);
                s.rc = q.bmc_random;
                s.guid = q.bmc_guid;
                let suite = s.suite.expect("suite before RAKP2");
                let code = kex::rakp2_auth_code(suite.auth, kuid, &s.ctx()).unwrap();
                if code.ct_matches(q.key_exchange_auth_code) {
                    kex::verify_rakp2_auth_code(
                        suite.auth,
                        kuid,
                        &s.ctx(),
                        q.key_exchange_auth_code,
                    )
                    .unwrap();
                    r.rakp2_ok += 1;
                } else {
                    r.failures.push(format!("{what}: RAKP2 code"));
                }
            }
            PayloadType::Rakp3 => {
                let q = Rakp3::parse(p).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                let suite = s.suite.expect("suite before RAKP3");
                assert_eq!(q.bmc_session_id, s.bmc_id, "{what}: SIDc");
                let code = kex::rakp3_auth_code(suite.auth, kuid, &s.ctx()).unwrap();
                assert_eq!(
                    code.as_bytes(),
                    q.key_exchange_auth_code,
                    "{what}: RAKP3 code"
                );
                kex::verify_rakp3_auth_code(suite.auth, kuid, &s.ctx(), q.key_exchange_auth_code)
                    .unwrap();
                r.rakp3_ok += 1;
                s.keys = Some(SessionKeys::derive(suite, kuid, kg, &s.ctx()).unwrap());
            }
            PayloadType::Rakp4 => {
                let q = Rakp4::parse(p).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert_eq!(q.console_session_id, s.console_id, "{what}: SIDm");
                let keys = s.keys.as_ref().expect("keys before RAKP4");
                let icv = keys.rakp4_icv(&s.ctx()).unwrap();
                let verified = keys.verify_rakp4_icv(&s.ctx(), q.integrity_check_value);
                assert_eq!(
                    icv.ct_matches(q.integrity_check_value),
                    verified.is_ok(),
                    "{what}: ICV compare vs verify"
                );
                if verified.is_ok() {
                    r.rakp4_ok += 1;
                } else {
                    r.rakp4_mismatch += 1;
                    r.failures.push(format!("{what}: RAKP4 ICV"));
                }
            }
            other => panic!("{what}: unexpected session-less payload {other:?}"),
        }
        return;
    }
    // In-session packet.
    let keys = s.keys.as_ref().expect("in-session packet before RAKP3");
    let expected_id = match dir {
        Dir::C2s => s.bmc_id,
        Dir::S2c => s.console_id,
    };
    assert_eq!(header.session_id, expected_id, "{what}: session id");
    let mut scratch = [0u8; 512];
    let opened = match session::v20::open(body, Some(keys), &mut scratch) {
        Ok(o) => o,
        Err(e) => {
            r.failures.push(format!("{what}: open {e:?}"));
            return;
        }
    };
    *r.opened
        .entry(match dir {
            Dir::C2s => "c2s",
            Dir::S2c => "s2c",
        })
        .or_default() += 1;
    assert_eq!(opened.payload_type(), PayloadType::Ipmi, "{what}");
    check_lan_message(dir, opened.payload, what);
    let payload = opened.payload.to_vec();
    let mut iv = [0u8; 16];
    if header.encrypted {
        r.encrypted += 1;
        iv.copy_from_slice(&body[12..28]);
    }
    let mut out = [0u8; 600];
    let n = session::v20::seal(
        &mut out,
        PayloadType::Ipmi,
        header.session_id,
        header.sequence,
        &payload,
        Some(keys),
        &iv,
    )
    .unwrap();
    assert_eq!(n, session::v20::sealed_len(payload.len(), Some(keys)));
    if &out[..n] == datagram {
        r.resealed += 1;
    } else {
        r.failures.push(format!("{what}: re-seal differs"));
    }
}

#[test]
fn every_successful_vector_verifies_end_to_end() {
    let mut suites_seen = std::collections::BTreeSet::new();
    let mut totals = (0usize, 0usize, 0usize);
    let mut derived_checked = 0usize;
    for v in vectors()
        .iter()
        .filter(|v| !v.fails() && !v.datagrams.is_empty())
    {
        let kg = v.kg("# K_g (client):");
        let r = replay(v, kg.as_ref());
        assert!(r.failures.is_empty(), "{}: {:?}", v.name, r.failures);
        if let Some(id) = r.suite {
            suites_seen.insert(id);
            assert!(
                r.rakp2_ok >= 1 && r.rakp3_ok >= 1 && r.rakp4_ok >= 1,
                "{}: {r:?}",
                v.name
            );
            let c2s = r.opened.get("c2s").copied().unwrap_or(0);
            let s2c = r.opened.get("s2c").copied().unwrap_or(0);
            assert!(c2s >= 1 && s2c >= 1, "{}: nothing in-session {r:?}", v.name);
            assert_eq!(r.resealed, c2s + s2c, "{}", v.name);
            let suite = CipherSuite::by_id(id).unwrap();
            if suite.encrypted() {
                assert_eq!(r.encrypted, c2s + s2c, "{}", v.name);
            }
            totals.0 += c2s + s2c;
            totals.1 += r.encrypted;
            // The derived values printed by the independent Python checker.
            let keys = derive_again(v, kg.as_ref());
            for (label, ours) in [
                ("SIK", keys.sik().as_bytes()),
                ("K1", keys.k1().as_bytes()),
                ("K2", keys.k2().as_bytes()),
            ] {
                if let Some(theirs) = v.derived(label) {
                    assert_eq!(ours, &theirs[..], "{}: {label}", v.name);
                    derived_checked += 1;
                }
            }
        }
        if v.name.starts_with("v15-md5") || v.name.starts_with("v15-password") {
            assert!(r.v15_verified >= 8, "{}: {r:?}", v.name);
            totals.2 += r.v15_verified;
        }
    }
    let want: std::collections::BTreeSet<u8> = [0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17].into();
    assert_eq!(suites_seen, want);
    // Every in-session packet of every capture: well over a hundred.
    eprintln!(
        "in-session packets opened and re-sealed: {}, of them AES: {}; v1.5 auth codes: {}; \
         SIK/K1/K2 values compared: {derived_checked}",
        totals.0, totals.1, totals.2
    );
    assert!(
        totals.0 > 300 && totals.1 > 150 && totals.2 > 50,
        "{totals:?}"
    );
    // SIK, K1 and K2 of every session with RAKP auth (all suites but 0).
    assert!(derived_checked >= 3 * 30, "{derived_checked}");
}

/// Re-derives the keys of the one session in `v` from its Open Session/RAKP datagrams.
fn derive_again(v: &Vector, kg: Option<&Kg>) -> SessionKeys {
    let mut s = SessionState::default();
    for (_, bytes) in &v.datagrams {
        let Ok(Datagram::V20 { body, .. }) = Datagram::parse(bytes) else {
            continue;
        };
        let Ok(o) = session::v20::open(body, None, &mut []) else {
            continue;
        };
        match o.payload_type() {
            PayloadType::OpenSessionRequest => {
                s.console_id = OpenSessionRequest::parse(o.payload)
                    .unwrap()
                    .console_session_id;
            }
            PayloadType::OpenSessionResponse => {
                let q = OpenSessionResponse::parse(o.payload).unwrap();
                s.bmc_id = q.bmc_session_id;
                s.suite = CipherSuite::by_algorithms(q.auth, q.integrity, q.confidentiality);
            }
            PayloadType::Rakp1 => {
                let q = Rakp1::parse(o.payload).unwrap();
                s.rm = q.console_random;
                s.role = q.role;
                s.name = q.user_name.to_vec();
            }
            PayloadType::Rakp2 => {
                let q = Rakp2::parse(o.payload).unwrap();
                s.rc = q.bmc_random;
                s.guid = q.bmc_guid;
            }
            _ => {}
        }
    }
    SessionKeys::derive(s.suite.unwrap(), &kuid(), kg, &s.ctx()).unwrap()
}

fn vector(name: &str) -> Vector {
    vectors()
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("vector {name} missing"))
}

#[test]
fn kg_suites_use_kg_for_the_sik() {
    for name in [
        "kg-cs03-ipmipower-stat",
        "kg-cs03-ipmitool-power-status",
        "kg-cs03-ipmitool-hexkey-power-status",
        "kg-cs17-ipmipower-stat",
        "kg-cs17-ipmitool-power-status",
    ] {
        let v = vector(name);
        let kg = v.kg("# K_g (client):").expect("K_g");
        let expect = if name.starts_with("kg-cs17") {
            b"kgkgkgkgkgkgkgkgkgkg".as_slice()
        } else {
            b"kgkgkgkgkgkgkgkgkgk\0".as_slice()
        };
        assert_eq!(kg.padded().as_slice(), expect, "{name}");
        let r = replay(&v, Some(&kg));
        assert!(r.failures.is_empty() && r.rakp4_ok == 1, "{name}: {r:?}");
        // Without K_g the RAKP4 ICV and every in-session packet fail.
        let r = replay(&v, None);
        assert_eq!(r.rakp4_mismatch, 1, "{name}");
        assert_eq!(r.resealed, 0, "{name}");
        assert!(r.opened.is_empty(), "{name}: {r:?}");
    }
}

#[test]
fn fails_vectors_show_their_failure() {
    // Q1: ipmi_sim echoes privilege 0.
    let r = replay(&vector("cs03-ipmipower-stat-no-opensesspriv-FAILS"), None);
    assert_eq!(r.open_session_status, Some(RmcpPlusStatus::NoErrors));
    assert_eq!(r.open_session_max_privilege, Some(Privilege::Highest));
    // Q7: no SHA-256 in ipmi_sim.
    for name in [
        "cs17-ipmipower-stat-vs-ipmi_sim-FAILS",
        "cs17-ipmitool-power-status-vs-ipmi_sim-FAILS",
    ] {
        let r = replay(&vector(name), None);
        assert_eq!(
            r.open_session_status,
            Some(RmcpPlusStatus::InvalidAuthAlgorithm),
            "{name}"
        );
    }
    // Q2/Q3: the clients' (spec-correct) packets verify and decrypt with our keys, and ipmi_sim
    // never answered in-session.
    for name in [
        "cs07-ipmipower-stat-FAILS",
        "cs07-ipmitool-power-status-FAILS",
        "cs08-ipmitool-power-status-FAILS",
        "cs12-ipmipower-stat-vs-ipmi_sim-FAILS",
    ] {
        let r = replay(&vector(name), None);
        assert!(r.failures.is_empty(), "{name}: {:?}", r.failures);
        assert_eq!((r.rakp2_ok, r.rakp3_ok, r.rakp4_ok), (1, 1, 1), "{name}");
        assert!(
            r.opened.get("c2s").copied().unwrap_or(0) >= 4,
            "{name}: {r:?}"
        );
        assert_eq!(r.opened.get("s2c"), None, "{name}");
        assert_eq!(r.resealed, r.opened["c2s"], "{name}");
    }
    // Q6: ipmitool cannot do MD5-128; RAKP was fine.
    let r = replay(&vector("cs11-ipmitool-power-status-FAILS"), None);
    assert!(
        r.failures.is_empty() && r.rakp4_ok == 1 && r.opened.is_empty(),
        "{r:?}"
    );
    // BMC has K_g, client none: the captured ICV is the BMC's K_g one, not the client's.
    let v = vector("kg-cs03-ipmitool-nokey-FAILS");
    let r = replay(&v, None);
    assert_eq!(r.rakp4_mismatch, 1, "{r:?}");
    let bmc_kg = v.kg("# K_g (BMC):").expect("BMC K_g");
    let r = replay(&v, Some(&bmc_kg));
    assert!(r.failures.is_empty() && r.rakp4_ok == 1, "{r:?}");
    // Q4: ipmi_sim keys the MD5 SIK with K_g[0..16]; our spec-correct 20-byte K_g mismatches.
    let v = vector("kg-cs11-ipmipower-stat-FAILS");
    let kg = v.kg("# K_g (client):").expect("K_g");
    let r = replay(&v, Some(&kg));
    assert_eq!(r.rakp4_mismatch, 1, "{r:?}");
    let kg16 = Kg::from_slice(&kg.padded()[..16]).unwrap();
    let r = replay(&v, Some(&kg16));
    assert!(r.failures.is_empty() && r.rakp4_ok == 1, "{r:?}");
}

#[test]
fn every_datagram_parses() {
    // Including the -FAILS vectors: their failures are in the crypto, never in the framing.
    let mut n = 0;
    for v in vectors() {
        for (i, (_, bytes)) in v.datagrams.iter().enumerate() {
            Datagram::parse(bytes).unwrap_or_else(|e| panic!("{} [{}]: {e:?}", v.name, i + 1));
            n += 1;
        }
    }
    assert!(n > 900, "{n}");
}

#[test]
fn openbmc_issue_3170_sik_k1_k2() {
    // kat-openbmc3170-cs03-rakp2.txt: cipher 3, null user, password '0penBmc'.
    let v = vector("kat-openbmc3170-cs03-rakp2");
    let field = |label: &str| -> Vec<u8> {
        let line = v
            .text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label}"));
        let rest = line.split(": ").nth(1).unwrap();
        hex(rest.split_whitespace().next().unwrap())
    };
    let input = field("SIK input");
    assert_eq!(input.len(), 34);
    let ctx = RakpContext {
        console_session_id: 0,
        bmc_session_id: 0,
        console_random: input[..16].try_into().unwrap(),
        bmc_random: input[16..32].try_into().unwrap(),
        bmc_guid: [0; 16],
        role: input[32],
        user_name: &input[34..],
    };
    assert_eq!(input[33], 0, "null user");
    let suite = CipherSuite::by_id(3).unwrap();
    let keys =
        SessionKeys::derive(suite, &Kuid::from_slice(b"0penBmc").unwrap(), None, &ctx).unwrap();
    assert_eq!(keys.sik().as_bytes(), &field("SIK (derived)")[..]);
    assert_eq!(keys.k1().as_bytes(), &field("K1 (derived)")[..]);
    assert_eq!(keys.k2().as_bytes(), &field("K2 (derived)")[..]);
}

#[test]
fn tampered_in_session_packets_are_dropped() {
    // One packet per protected suite: flipping any byte must fail the open, never panic.
    for name in [
        "cs03-ipmitool-power-status",
        "cs08-ipmitool-power-status",
        "cs12-ipmipower-stat",
        "cs16-ipmitool-power-status",
        "cs17-ipmitool-power-status",
    ] {
        let v = vector(name);
        let keys = derive_again(&v, None);
        let (_, last) = v.datagrams.last().unwrap();
        let body = &last[4..];
        let mut scratch = [0u8; 256];
        session::v20::open(body, Some(&keys), &mut scratch).unwrap();
        for i in 0..body.len() {
            let mut bad = body.to_vec();
            bad[i] ^= 0x80;
            let e = session::v20::open(&bad, Some(&keys), &mut scratch);
            assert!(e.is_err(), "{name}: byte {i} flipped still opens");
        }
        assert_eq!(
            session::v20::open(&body[..body.len() - 1], Some(&keys), &mut scratch),
            Err(WireError::AuthCode),
            "{name}"
        );
    }
    let _ = crypto::SUITES.len();
}

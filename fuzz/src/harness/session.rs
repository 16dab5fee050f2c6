#![cfg_attr(not(fuzzing), allow(dead_code))]
//! The stateful target: a fuzz input is a script of operations against one endpoint (Open
//! Session with any algorithms, RAKP1 and RAKP3 with right or wrong secrets, in-session requests,
//! tampered packets, replays and reordering of earlier datagrams, time passing, completions of
//! platform actions, IPMI 1.5 challenge/activate, raw bytes, Serial over LAN: the payload
//! commands, SOL packets valid and mutated with ACKs, NACKs, break and line bits, and the machine's
//! side of the console) from several peers. The harness
//! plays an honest console where it can (it knows the passwords, so RAKP3, the session keys and
//! every AuthCode are real) and watches all traffic to keep its own record of every handshake.
//!
//! After every step it asserts:
//! - no session becomes active without a valid RAKP3 (or a valid IPMI 1.5 Activate Session),
//!   judged by the harness from the recorded handshake and the configured password;
//! - a session's privilege never exceeds its cap (user limit, channel limit, suite cap, role);
//! - no sequence number of a session is accepted twice (window bitmaps compared step by step
//!   against the harness's own record of every accepted number), and a platform action only
//!   ever starts from a freshly accepted packet;
//! - the table never exceeds its capacity, session ids are unique and never 0;
//! - expired sessions answer nothing and are gone; a session its own Close Session removed
//!   answers only with that Close's answer again, byte for byte, to its peer, <= 3 times in 5 s;
//! - unparseable datagrams get nothing; replies are bounded, pre-session ones small;
//! - an in-session packet whose protection bits differ from its suite's gets nothing, and without
//!   the fuzzing-only integrity bypass, only packets the harness sealed with the real keys move a
//!   session's window;
//! - RAKP2 carries the right code for the user named, RAKP4 the right ICV;
//! - SOL: every SOL datagram the BMC sends (an ACK or console output, retransmissions, the
//!   farewell) opens with the keys of a console the harness established, goes to that session's
//!   peer and holds a well-formed SOL payload within the sizes Activate Payload announced; SOL is
//!   only ever active on an active RMCP+ session of its own peer; the machine never gets more
//!   console input than the harness sent; the SOL calls of the shell never allocate and never
//!   change the session table.
//!
//! The integrity bypass (`rmcp::fuzzing`, cfg(fuzzing) builds only) is switched on for tampered
//! in-session packets alone. Built without cfg(fuzzing) (the main workspace's regression test),
//! the invariants that need the table view are skipped and tampered packets are simply dropped.
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipmi_core::bmc::ActionResult;
use ipmi_core::wire::{RequestRepr, ResponseRepr};
use ipmi_core::{CompletionCode, Instant, NetFn, Privilege};
use rmcp::crypto::{rakp, CipherSuite, Kuid, RakpContext, SUITES};
use rmcp::server::{Config, Endpoint, Output, Random, Ticket, DEFAULT_SUITES, MAX_DATAGRAM};
use rmcp::session::SessionKeys;
use rmcp::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use rmcp::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4, RmcpPlusStatus};
use rmcp::wire::sol::{op as sol_op, SolRepr};
use rmcp::wire::v15::AuthType;
use rmcp::wire::v20::{self, PayloadType};
use rmcp::wire::Datagram;

use super::datagram::check_presession_reply;
use super::{no_alloc, Reader};

/// Session table size of the endpoint under test (small, so it fills up).
pub const SESSIONS: usize = 4;
/// User ids of the endpoint under test (id 1 is the null user).
pub const USERS: usize = 5;
/// Steps per input at most.
const MAX_STEPS: usize = 64;

/// The configured users: name, password, privilege limit.
pub const USER_TABLE: [(&[u8], &[u8], Privilege); 4] = [
    (b"admin", b"password", Privilege::Administrator),
    (b"oper", b"operator-pw", Privilege::Operator),
    (b"user", b"u", Privilege::User),
    (b"twenty", b"0123456789abcdefghij", Privilege::Administrator),
];

/// The BMC GUID of the shared vectors.
pub const GUID: [u8; 16] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

/// The endpoint configuration; `variant` bits: 0 suite 0 on, 1 K_g set, 2 suite caps (3 at
/// Operator, 17 at User), 3 channel limit Operator, 4 IPMI 1.5 MD2 and straight password on.
pub fn config(variant: u8) -> Config<USERS> {
    let mut c = Config::new();
    for (name, password, limit) in USER_TABLE {
        c.add_user(name, password, limit).unwrap();
    }
    let mut suites = DEFAULT_SUITES.to_vec();
    if variant & 1 != 0 {
        suites.push(0);
    }
    c.set_suites(&suites).unwrap();
    if variant & 2 != 0 {
        c.set_kg(Some(b"kgkgkgkgkgkgkgkgkgkg")).unwrap();
    }
    if variant & 4 != 0 {
        c.set_suite_cap(3, Privilege::Operator).unwrap();
        c.set_suite_cap(17, Privilege::User).unwrap();
    }
    if variant & 8 != 0 {
        c.channel_privilege_limit = Privilege::Operator;
    }
    if variant & 16 != 0 {
        c.v15_auth_types = (1 << 1) | (1 << 2) | (1 << 4);
    }
    c.system_guid = GUID;
    c
}

/// A deterministic random source (xorshift64*), seeded from the input.
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed (0 is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
}

impl Random for Rng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            *b = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
        }
    }
}

fn peers() -> [SocketAddr; 3] {
    [
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), 40_001),
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), 40_002),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 40_003),
    ]
}

/// What the harness saw of an accepted Open Session.
struct OpenRec {
    peer: SocketAddr,
    console_id: u32,
    suite: &'static CipherSuite,
    max_privilege: Privilege,
}

/// What the harness saw of an answered RAKP1.
struct Rakp1Rec {
    peer: SocketAddr,
    rm: [u8; 16],
    role: u8,
    name: Vec<u8>,
    rc: [u8; 16],
}

/// What the harness saw of an answered Get Session Challenge.
struct ChallengeRec {
    peer: SocketAddr,
    name: Vec<u8>,
    auth_type: u8,
    challenge: [u8; 16],
}

/// A session the harness established itself and can send authentic packets on.
struct Console {
    id: u32,
    peer: usize,
    protection: Protection,
    out_seq: u32,
    last_seq: u32,
}

enum Protection {
    V20(Box<SessionKeys>),
    V15 { auth_type: u8, kuid: Kuid },
}

/// What a sent datagram is, as far as the wire says.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Unparsed,
    PreSession,
    InSession {
        id: u32,
        seq: u32,
        authenticated: bool,
        /// RMCP+ (authenticated, encrypted) bits; `None` for IPMI 1.5.
        v20_bits: Option<(bool, bool)>,
    },
}

fn classify(bytes: &[u8]) -> Kind {
    match Datagram::parse(bytes) {
        Err(_) => Kind::Unparsed,
        Ok(Datagram::Asf { .. }) => Kind::PreSession,
        Ok(Datagram::V15 { session, .. }) if session.session_id == 0 => Kind::PreSession,
        Ok(Datagram::V15 { session, .. }) => Kind::InSession {
            id: session.session_id,
            seq: session.sequence,
            authenticated: true,
            v20_bits: None,
        },
        Ok(Datagram::V20 { body, .. }) => match v20::Header::parse(body) {
            Err(_) => Kind::Unparsed,
            Ok(h) if h.session_id == 0 => Kind::PreSession,
            Ok(h) => Kind::InSession {
                id: h.session_id,
                seq: h.sequence,
                authenticated: h.authenticated,
                v20_bits: Some((h.authenticated, h.encrypted)),
            },
        },
    }
}

/// One datagram the harness sent.
struct Sent<'a> {
    peer: SocketAddr,
    bytes: &'a [u8],
    bypass: bool,
    /// The endpoint's answer, if any.
    reply: Option<&'a [u8]>,
}

/// A session its own Close Session removed: its answer may go out again (see `check`).
struct ClosedRec {
    peer: SocketAddr,
    at: Instant,
    answer: Vec<u8>,
    answered: u8,
}

struct Harness {
    ep: Endpoint<SESSIONS, USERS>,
    rng: Rng,
    now: Instant,
    opens: HashMap<u32, OpenRec>,
    rakps: HashMap<u32, Rakp1Rec>,
    challenges: HashMap<u32, ChallengeRec>,
    consoles: Vec<Console>,
    /// Sequence numbers accepted per (session id, authenticated window).
    accepted: HashMap<(u32, bool), HashSet<u32>>,
    /// Privilege cap of each active session, fixed when it became active.
    caps: HashMap<u32, Privilege>,
    tickets: Vec<Ticket>,
    history: Vec<(usize, Vec<u8>)>,
    /// RMCP+ session bodies (after the RMCP header) sealed with real session keys.
    authentic: HashSet<Vec<u8>>,
    /// Sessions that became active.
    activations: usize,
    /// Sessions closed by their own Close Session, with its answer.
    closed: HashMap<u32, ClosedRec>,
    /// SOL as the harness saw it.
    sol: SolRec,
}

/// What the harness saw of Serial over LAN.
#[derive(Debug, Default, Clone, Copy)]
pub struct SolRec {
    /// Times SOL became active.
    pub activations: usize,
    /// SOL datagrams from the BMC (ACKs and output) that passed every check.
    pub datagrams: usize,
    /// Console characters the harness put in SOL packets (an upper bound of what the machine
    /// may get).
    sent_chars: usize,
    /// Console characters the machine got.
    pub delivered: usize,
    /// The BMC's last SOL packet with characters: session, sequence number, characters (to ACK).
    last_out: Option<(u32, u8, u8)>,
    /// The console's next SOL packet sequence number (1..=15).
    next_seq: u8,
}

/// The `session` target.
pub fn session(data: &[u8]) {
    run(data);
}

/// Runs one script; returns how many sessions became active.
pub fn run(data: &[u8]) -> usize {
    run_sol(data).0
}

/// Runs one script; returns how many sessions became active and what SOL did.
pub fn run_sol(data: &[u8]) -> (usize, SolRec) {
    set_bypass(false);
    let mut r = Reader::new(data);
    let variant = r.u8();
    let seed = u64::from(r.u32());
    let mut h = Harness {
        ep: Endpoint::new(config(variant)),
        rng: Rng::new(seed),
        now: Instant::from_millis(1_000_000),
        opens: HashMap::new(),
        rakps: HashMap::new(),
        challenges: HashMap::new(),
        consoles: Vec::new(),
        accepted: HashMap::new(),
        caps: HashMap::new(),
        tickets: Vec::new(),
        history: Vec::new(),
        authentic: HashSet::new(),
        activations: 0,
        closed: HashMap::new(),
        sol: SolRec::default(),
    };
    for _ in 0..MAX_STEPS {
        if r.is_empty() {
            break;
        }
        h.step(&mut r);
    }
    set_bypass(false);
    (h.activations, h.sol)
}

fn set_bypass(on: bool) {
    #[cfg(fuzzing)]
    rmcp::fuzzing::set_bypass_integrity(on);
    #[cfg(not(fuzzing))]
    let _ = on;
}

fn lan_request(netfn: NetFn, cmd: u8, rq_seq: u8, data: &[u8]) -> Vec<u8> {
    let req = RequestRepr {
        rs_addr: ipmi_core::wire::BMC_ADDR,
        netfn,
        rs_lun: 0,
        rq_addr: ipmi_core::wire::REMOTE_CONSOLE_ADDR,
        rq_seq: rq_seq & 0x3F,
        rq_lun: 0,
        cmd,
        data,
    };
    let mut out = vec![0u8; req.buffer_len()];
    let n = req.emit(&mut out).unwrap();
    out.truncate(n);
    out
}

fn seal_plain(payload_type: PayloadType, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 512];
    let n =
        rmcp::session::v20::seal(&mut out, payload_type, 0, 0, payload, None, &[0; 16]).unwrap();
    out.truncate(n);
    out
}

fn seal_v15(auth_type: u8, seq: u32, id: u32, msg: &[u8], kuid: Option<&Kuid>) -> Vec<u8> {
    let mut out = vec![0u8; 512];
    let t = AuthType::from(auth_type);
    match rmcp::session::v15::seal(&mut out, t, seq, id, msg, kuid) {
        Ok(n) => {
            out.truncate(n);
            out
        }
        Err(_) => Vec::new(),
    }
}

/// A wrong password, or a right one.
fn password_for(config: &Config<USERS>, name: &[u8], right: bool) -> Kuid {
    let right_pw = config
        .find_user(name)
        .and_then(|id| config.user(id))
        .map(|u| u.password.clone());
    match (right, right_pw) {
        (true, Some(pw)) => pw,
        _ => Kuid::from_slice(b"wrong password").unwrap(),
    }
}

/// The RMCP+ payload of a reply, if it is one and unprotected.
fn plain_payload(reply: &[u8]) -> Option<(PayloadType, Vec<u8>)> {
    let Ok(Datagram::V20 { body, .. }) = Datagram::parse(reply) else {
        return None;
    };
    let mut scratch = [0u8; 128];
    let opened = rmcp::session::v20::open(body, None, &mut scratch).ok()?;
    Some((opened.payload_type(), opened.payload.to_vec()))
}

/// The LAN response of an IPMI 1.5 reply.
fn v15_response(reply: &[u8]) -> Option<(u8, CompletionCode, Vec<u8>)> {
    let Ok(Datagram::V15 { session, .. }) = Datagram::parse(reply) else {
        return None;
    };
    let rsp = ResponseRepr::parse_bytes(session.message).ok()?;
    Some((rsp.cmd, rsp.completion_code, rsp.data.to_vec()))
}

fn pick<K: Copy + Ord, V>(map: &HashMap<K, V>, r: &mut Reader) -> Option<K> {
    let mut keys: Vec<K> = map.keys().copied().collect();
    keys.sort();
    keys.get(r.below(keys.len())).copied()
}

impl Harness {
    fn step(&mut self, r: &mut Reader) {
        match r.u8() % 16 {
            0 => self.open_session(r),
            1 => self.rakp1(r),
            2 => self.rakp3(r),
            3 | 4 => self.request(r, false),
            5 => self.request(r, true),
            6 => self.replay(r),
            7 => self.advance(r),
            8 => self.complete(r),
            9 => {
                let peer = r.below(3);
                let bytes = r.bytes(300).to_vec();
                self.send(peer, bytes, false);
            }
            10 => self.challenge(r),
            11 => self.activate(r),
            12 => self.presession(r),
            13 => self.sol_command(r),
            14 => self.sol_packet(r),
            _ => self.sol_machine(r),
        }
    }

    fn open_session(&mut self, r: &mut Reader) {
        let peer = r.below(3);
        let choice = usize::from(r.u8());
        let (auth, integrity, confidentiality) = if choice < 2 * SUITES.len() {
            let s = &SUITES[choice % SUITES.len()];
            (Some(s.auth), Some(s.integrity), Some(s.confidentiality))
        } else {
            let mut alg = || {
                let b = r.u8();
                (b & 0x80 == 0).then_some(b & 0x3F)
            };
            (
                alg().map(Into::into),
                alg().map(Into::into),
                alg().map(Into::into),
            )
        };
        let req = OpenSessionRequest {
            tag: r.u8(),
            max_privilege: Privilege::from(r.u8() & 0x0F),
            console_session_id: r.u32(),
            auth,
            integrity,
            confidentiality,
        };
        let mut payload = [0u8; 32];
        let n = req.emit(&mut payload).unwrap();
        let bytes = seal_plain(PayloadType::OpenSessionRequest, &payload[..n]);
        self.send(peer, bytes, false);
    }

    fn rakp1(&mut self, r: &mut Reader) {
        let (id, mut peer) = match pick(&self.opens, r) {
            Some(id) => (id, self.peer_index(self.opens[&id].peer)),
            None => (r.u32(), 0),
        };
        if r.below(8) == 0 {
            peer = r.below(3);
        }
        let name: Vec<u8> = match r.below(6) {
            i @ 0..=3 => USER_TABLE[i].0.to_vec(),
            4 => Vec::new(),
            _ => r.bytes(20).to_vec(),
        };
        let privilege = [1u8, 2, 3, 4, 5, 0, 0x0F][r.below(7)];
        let role = privilege | if r.bool() { 0x10 } else { 0 };
        let rm: [u8; 16] = r.array();
        let mut p = vec![r.u8(), 0, 0, 0];
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(&rm);
        p.extend_from_slice(&[role, 0, 0, name.len() as u8]);
        p.extend_from_slice(&name);
        let bytes = seal_plain(PayloadType::Rakp1, &p);
        self.send(peer, bytes, false);
    }

    fn rakp3(&mut self, r: &mut Reader) {
        let Some(id) = pick(&self.rakps, r) else {
            return;
        };
        let right = r.below(4) != 0;
        let status = if r.below(8) == 0 { r.u8() } else { 0 };
        let tag = r.u8();
        let rec = &self.rakps[&id];
        let (rec_peer, rm, rc, role, name) = (rec.peer, rec.rm, rec.rc, rec.role, rec.name.clone());
        let mut peer = self.peer_index(rec_peer);
        if r.below(8) == 0 {
            peer = r.below(3);
        }
        let Some(open) = self.opens.get(&id) else {
            return;
        };
        let (suite, console_id) = (open.suite, open.console_id);
        let kuid = password_for(self.ep.config(), &name, right);
        let ctx = RakpContext {
            console_session_id: console_id,
            bmc_session_id: id,
            console_random: rm,
            bmc_random: rc,
            bmc_guid: self.ep.config().system_guid,
            role,
            user_name: &name,
        };
        let Ok(code) = rakp::rakp3_auth_code(suite.auth, &kuid, &ctx) else {
            return;
        };
        let mut p = vec![tag, status, 0, 0];
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(code.as_bytes());
        let keys = SessionKeys::derive(suite, &kuid, self.ep.config().kg(), &ctx).ok();
        let bytes = seal_plain(PayloadType::Rakp3, &p);
        let reply = self.send(peer, bytes, false);
        // An accepted RAKP3: the ICV must verify with the keys the console derived.
        if let Some((PayloadType::Rakp4, payload)) = reply.as_deref().and_then(plain_payload) {
            if let Ok(rakp4) = Rakp4::parse(&payload) {
                if rakp4.status == RmcpPlusStatus::NoErrors {
                    let keys = keys.expect("RAKP4 for a suite the console cannot derive keys for");
                    assert!(
                        keys.verify_rakp4_icv(&ctx, rakp4.integrity_check_value)
                            .is_ok(),
                        "RAKP4 ICV does not match the keys of the right password"
                    );
                    self.consoles.push(Console {
                        id,
                        peer,
                        protection: Protection::V20(Box::new(keys)),
                        out_seq: 1,
                        last_seq: 1,
                    });
                }
            }
        }
    }

    fn request(&mut self, r: &mut Reader, tamper: bool) {
        if self.consoles.is_empty() {
            return;
        }
        let ci = r.below(self.consoles.len());
        let other_id = self.consoles[r.below(self.consoles.len())].id;
        let (netfn, cmd, data): (NetFn, u8, Vec<u8>) = match r.below(10) {
            0 => (NetFn::App, 0x3B, vec![r.u8() & 0x0F]),
            1 => (NetFn::App, 0x3C, other_id.to_le_bytes().to_vec()),
            2 => (NetFn::App, 0x3D, r.bytes(5).to_vec()),
            3 => (NetFn::Chassis, 0x02, vec![r.u8() % 6]),
            4 => (NetFn::Chassis, 0x01, Vec::new()),
            5 => (NetFn::App, 0x47, r.bytes(22).to_vec()),
            6 => (NetFn::App, 0x43, r.bytes(4).to_vec()),
            7 => (NetFn::App, 0x01, Vec::new()),
            8 => (NetFn::Chassis, 0x08, r.bytes(8).to_vec()),
            _ => (NetFn::from(r.u8() & 0x3E), r.u8(), r.bytes(40).to_vec()),
        };
        let msg = lan_request(netfn, cmd, r.u8(), &data);
        self.send_on_console(r, ci, PayloadType::Ipmi, &msg, tamper);
    }

    /// Seals `payload` as `payload_type` for console `ci` (the next, the previous or any
    /// sequence number, sometimes without protection, any IV, sometimes from another peer, as the
    /// input says), tampers with one byte when asked, and sends it; returns the reply.
    fn send_on_console(
        &mut self,
        r: &mut Reader,
        ci: usize,
        payload_type: PayloadType,
        payload: &[u8],
        tamper: bool,
    ) -> Option<Vec<u8>> {
        let c = &mut self.consoles[ci];
        let seq = match r.below(4) {
            0 | 1 => {
                let s = c.out_seq;
                c.out_seq = c.out_seq.wrapping_add(1).max(1);
                s
            }
            2 => c.last_seq,
            _ => r.u32(),
        };
        c.last_seq = seq;
        let id = c.id;
        let mut peer = c.peer;
        let downgrade = r.below(16) == 0;
        let iv: [u8; 16] = r.array();
        let mut bytes = match &c.protection {
            Protection::V20(keys) => {
                let keys = (!downgrade).then_some(&**keys);
                let mut out = vec![0u8; 512];
                let n =
                    rmcp::session::v20::seal(&mut out, payload_type, id, seq, payload, keys, &iv)
                        .unwrap();
                out.truncate(n);
                if keys.is_some() {
                    // The RMCP header (4 bytes) is not covered by the AuthCode.
                    self.authentic.insert(out[4..].to_vec());
                }
                out
            }
            Protection::V15 { auth_type, kuid } => {
                seal_v15(*auth_type, seq, id, payload, Some(kuid))
            }
        };
        if r.below(8) == 0 {
            peer = r.below(3);
        }
        if tamper && !bytes.is_empty() {
            let at = usize::from(r.u16()) % bytes.len();
            bytes[at] ^= r.u8() | 1;
        }
        self.send(peer, bytes, tamper)
    }

    /// A console index: mostly the one SOL is active on (if the harness established it).
    fn sol_console(&mut self, r: &mut Reader) -> Option<usize> {
        if self.consoles.is_empty() {
            return None;
        }
        // One byte whatever the state, so that scripts read the same way.
        let pick = usize::from(r.u8());
        let owner = self.ep.sol_port().owner().map(|o| o.session_id);
        let mine = owner.and_then(|id| self.consoles.iter().rposition(|c| c.id == id));
        Some(match mine {
            Some(i) if pick % 4 != 0 => i,
            _ => pick % self.consoles.len(),
        })
    }

    /// A payload or SOL configuration command in a session: Activate / Deactivate Payload
    /// (mostly SOL instance 1, with the encryption and authentication bits ipmitool and
    /// ipmiconsole send), Get Payload Activation Status / Instance Info, Get / Set SOL
    /// Configuration Parameters, the other payload commands.
    fn sol_command(&mut self, r: &mut Reader) {
        let Some(ci) = self.sol_console(r) else {
            return;
        };
        let ptype = if r.below(8) == 0 { r.u8() } else { 1 };
        let instance = [1u8, 1, 1, 0, 2, 15][r.below(6)];
        let aux = [0xC0u8, 0xC2, 0x00, 0x80, 0x40][r.below(6).min(4)];
        let (netfn, cmd, data): (NetFn, u8, Vec<u8>) = match r.below(9) {
            0..=2 => (NetFn::App, 0x48, vec![ptype, instance, aux, 0, 0, 0]),
            3 => (NetFn::App, 0x49, vec![ptype, instance, 0, 0, 0, 0]),
            4 => (NetFn::App, 0x4A, vec![ptype]),
            5 => (NetFn::App, 0x4B, vec![ptype, instance]),
            6 => {
                let channel = [0x01u8, 0x0E, 0x81, 0x02][r.below(4)];
                (NetFn::Transport, 0x21, vec![channel, r.u8() % 10, 0, 0])
            }
            7 => {
                let mut d = vec![[0x01u8, 0x0E, 0x02][r.below(3)], r.u8() % 10];
                d.extend_from_slice(r.bytes(4));
                (NetFn::Transport, 0x22, d)
            }
            _ => (NetFn::App, 0x4C + r.u8() % 4, r.bytes(8).to_vec()),
        };
        let msg = lan_request(netfn, cmd, r.u8(), &data);
        let was = self.ep.sol_port().owner().is_some();
        self.send_on_console(r, ci, PayloadType::Ipmi, &msg, false);
        if !was && self.ep.sol_port().owner().is_some() {
            self.sol.activations += 1;
            self.sol.last_out = None;
        }
        self.sol_drain();
    }

    /// A SOL packet of a console: the next sequence number or any, ACKing the BMC's last packet
    /// fully or partly, or NACKing it, or none; operation bits (break, CTS, DCD/DSR, ring,
    /// flushes) now and then; 0 to 255 characters; sometimes a short payload. Sealed like any
    /// packet of the session (so replays, downgrades, wrong peers and tampering reach it too).
    fn sol_packet(&mut self, r: &mut Reader) {
        let Some(ci) = self.sol_console(r) else {
            return;
        };
        let id = self.consoles[ci].id;
        let data = match r.below(6) {
            0 => &[][..],
            5 => r.bytes(255),
            i => &[b'k'; 255][..[1usize, 8, 200, 201][i - 1]],
        };
        let sequence = match r.below(8) {
            0 if data.is_empty() => 0,
            7 => r.u8(),
            _ => {
                self.sol.next_seq = self.sol.next_seq % 15 + 1;
                self.sol.next_seq
            }
        };
        let (how, partial, any) = (r.below(5), r.u8(), r.u16().to_le_bytes());
        let (ack, accepted) = match (how, self.sol.last_out) {
            (0 | 1, Some((sid, seq, len))) if sid == id => (seq, len),
            (2, Some((sid, seq, len))) if sid == id => (seq, partial % (len + 1)),
            (3, _) => (any[0], any[1]),
            _ => (0, 0),
        };
        let operation = match r.below(10) {
            0 => sol_op::NACK,
            1 => sol_op::BREAK,
            2 => sol_op::CTS_PAUSE,
            3 => sol_op::DROP_DCD_DSR | sol_op::RING_WOR,
            4 => sol_op::FLUSH_INBOUND | sol_op::FLUSH_OUTBOUND,
            5 => r.u8(),
            _ => 0,
        };
        let mut payload = vec![sequence, ack, accepted, operation];
        payload.extend_from_slice(data);
        if r.below(16) == 0 {
            payload.truncate(r.below(4));
        }
        self.sol.sent_chars += data.len();
        let tamper = r.below(8) == 0;
        // A tampered packet may have become anything, an IPMI 1.5 console's is no SOL packet,
        // and a session its own Close Session ended answers that Close again.
        let v20 = matches!(self.consoles[ci].protection, Protection::V20(_));
        let reply = self.send_on_console(r, ci, PayloadType::Sol, &payload, tamper);
        if let (Some(reply), false, true) = (reply, tamper, v20) {
            if !self.is_close_answer(ci, &reply) {
                self.check_sol_out(None, &reply);
            }
        }
        self.sol_drain();
    }

    /// Whether `reply` is an IPMI Close Session answer on console `ci` (what a session its own
    /// Close Session ended answers to anything of its peer, `closed` above).
    fn is_close_answer(&self, ci: usize, reply: &[u8]) -> bool {
        let Protection::V20(keys) = &self.consoles[ci].protection else {
            return false;
        };
        let Ok(Datagram::V20 { body, .. }) = Datagram::parse(reply) else {
            return false;
        };
        let mut scratch = [0u8; 512];
        rmcp::session::v20::open(body, Some(keys), &mut scratch).is_ok_and(|o| {
            o.payload_type() == PayloadType::Ipmi
                && ResponseRepr::parse_bytes(o.payload).is_ok_and(|r| r.cmd == 0x3C)
        })
    }

    /// The machine's side, as a shell drives it: output (any amount, more than fits), an
    /// overrun, a break from the system, console input and events taken, then every SOL datagram
    /// that is due.
    fn sol_machine(&mut self, r: &mut Reader) {
        let before = self.snapshot();
        let now = self.now;
        match r.below(6) {
            0 | 1 => {
                let out = [[b'o'; 256], [b'p'; 256], [b'q'; 256]].concat();
                let bytes = match r.below(4) {
                    0 => r.bytes(255),
                    i => &out[..[1usize, 160, 700][i - 1]],
                };
                let ep = &mut self.ep;
                let room = no_alloc(|| ep.sol_output_room());
                let took = no_alloc(|| ep.sol_push_output(now, bytes));
                assert!(
                    took <= bytes.len() && took <= room,
                    "took {took} of {} (room {room})",
                    bytes.len()
                );
            }
            2 => {
                let lost = usize::from(r.u16());
                let ep = &mut self.ep;
                no_alloc(|| ep.sol_report_overrun(lost));
            }
            3 => {
                let ep = &mut self.ep;
                no_alloc(|| {
                    if let Some(e) = ep.sol_port().engine() {
                        e.report_break();
                    }
                });
            }
            4 => {
                let ep = &mut self.ep;
                let _ = no_alloc(|| (ep.sol_take_events(), ep.sol_take_changed()));
            }
            _ => {}
        }
        self.sol_take_input();
        let after = self.snapshot();
        assert!(
            before == after,
            "a SOL call of the shell changed the session table"
        );
        self.sol_drain();
    }

    /// Takes the machine's console input (as the shell does after every datagram).
    fn sol_take_input(&mut self) {
        let ep = &mut self.ep;
        let mut buf = [0u8; 96];
        loop {
            let n = no_alloc(|| ep.sol_take_input(&mut buf));
            assert!(n <= buf.len());
            if n == 0 {
                break;
            }
            self.sol.delivered += n;
        }
        assert!(
            self.sol.delivered <= self.sol.sent_chars,
            "the machine got {} console characters, the consoles sent {}",
            self.sol.delivered,
            self.sol.sent_chars
        );
    }

    /// Sends every SOL datagram that is due (output, retransmissions, a farewell) and checks
    /// each; checks that SOL is active only on an active session of its own peer.
    fn sol_drain(&mut self) {
        self.sol_take_input();
        let before = self.snapshot();
        let now = self.now;
        for _ in 0..8 {
            let mut out = [0u8; 2 * MAX_DATAGRAM];
            let (ep, rng) = (&mut self.ep, &mut self.rng);
            let Some((peer, n)) = no_alloc(|| ep.sol_poll(now, rng, &mut out)) else {
                break;
            };
            self.check_sol_out(Some(peer), &out[..n]);
        }
        let ep = &mut self.ep;
        let (active, owner, deadline) = no_alloc(|| {
            let active = ep.sol_active();
            (active, ep.sol_port().owner(), ep.sol_next_deadline())
        });
        let after = self.snapshot();
        assert!(
            before == after,
            "a SOL call of the shell changed the session table"
        );
        if let Some(d) = deadline {
            assert!(
                d.millis() <= now.millis() + 600_000,
                "a SOL deadline far away: {d:?}"
            );
        }
        if active {
            let o = owner.expect("SOL active without an owner");
            let console = self.consoles.iter().rev().find(|c| c.id == o.session_id);
            let console = console.expect("SOL active on a session the harness did not establish");
            assert!(
                matches!(console.protection, Protection::V20(_)),
                "SOL active on an IPMI 1.5 session"
            );
            assert_eq!(
                self.opens.get(&o.session_id).map(|rec| rec.peer),
                Some(o.peer),
                "SOL's peer is not its session's"
            );
            self.check_sol_owner(o.session_id);
        }
    }

    #[cfg(fuzzing)]
    fn check_sol_owner(&self, id: u32) {
        use rmcp::server::fuzzing::Stage;
        let s = self.ep.fuzz_sessions().find(|s| s.id == id);
        assert!(
            s.is_some_and(|s| s.stage == Stage::Active && s.suite.is_some()),
            "SOL active on a session that is not an active RMCP+ session: {s:?}"
        );
    }

    #[cfg(not(fuzzing))]
    fn check_sol_owner(&self, _id: u32) {}

    /// Checks a SOL datagram of the BMC (see the module doc) and records the last one with
    /// characters, to ACK it. `peer`: where it goes (`None`: the answer to the console's packet).
    fn check_sol_out(&mut self, peer: Option<SocketAddr>, bytes: &[u8]) {
        assert!(
            !bytes.is_empty() && bytes.len() <= MAX_DATAGRAM,
            "SOL datagram of {} bytes",
            bytes.len()
        );
        let Ok(Datagram::V20 { body, .. }) = Datagram::parse(bytes) else {
            panic!("a SOL datagram that is no RMCP+ packet");
        };
        let header = v20::Header::parse(body).expect("a SOL datagram with a broken header");
        assert_eq!(header.payload_type, PayloadType::Sol, "not a SOL payload");
        let mut found = None;
        let mut peers_seen = Vec::new();
        for c in self.consoles.iter().rev() {
            let Protection::V20(keys) = &c.protection else {
                continue;
            };
            let Some(open) = self.opens.get(&c.id) else {
                continue;
            };
            if open.console_id != header.session_id {
                continue;
            }
            let mut scratch = [0u8; 512];
            if let Ok(o) = rmcp::session::v20::open(body, Some(keys), &mut scratch) {
                peers_seen.push(open.peer);
                if found.is_none() || Some(open.peer) == peer {
                    found = Some((c.id, o.payload.to_vec()));
                }
            }
        }
        let (id, payload) = found.expect("a SOL datagram that no established console's keys open");
        if let Some(p) = peer {
            assert!(
                peers_seen.contains(&p),
                "SOL datagram to {p}, not its session's peer"
            );
        }
        let sol = SolRepr::parse(&payload).expect("a malformed SOL payload from the BMC");
        assert!(sol.sequence <= 15 && sol.ack_sequence <= 15, "{sol:?}");
        // (What it accepts of a console that sends more than it announced is its choice.)
        assert!(
            sol.data.len() <= rmcp::sol::port::OUT_DATA as usize,
            "more characters than Activate Payload announced: {sol:?}"
        );
        assert_eq!(
            sol.sequence == 0,
            sol.data.is_empty(),
            "characters without a sequence number or the reverse: {sol:?}"
        );
        if sol.sequence != 0 {
            self.sol.last_out = Some((id, sol.sequence, sol.data.len() as u8));
        }
        self.sol.datagrams += 1;
    }

    fn replay(&mut self, r: &mut Reader) {
        if self.history.is_empty() {
            return;
        }
        let (mut peer, mut bytes) = self.history[r.below(self.history.len())].clone();
        if r.below(4) == 0 {
            peer = r.below(3);
        }
        if r.below(4) == 0 && !bytes.is_empty() {
            let at = usize::from(r.u16()) % bytes.len();
            bytes[at] ^= r.u8() | 1;
        }
        self.send(peer, bytes, false);
    }

    fn advance(&mut self, r: &mut Reader) {
        let ms = [
            1, 100, 1_000, 4_999, 5_000, 29_999, 59_999, 60_000, 60_001, 120_000,
        ]
        .get(r.below(11))
        .copied()
        .unwrap_or_else(|| u64::from(r.u16()));
        self.now = self.now.add_millis(ms);
        if r.bool() {
            let before = self.snapshot();
            no_alloc(|| self.ep.poll(self.now));
            let after = self.snapshot();
            self.check(&before, &after, None, Output::Drop, true);
        }
        // Retransmissions and accumulated output fall due with time.
        self.sol_drain();
    }

    fn complete(&mut self, r: &mut Reader) {
        if self.tickets.is_empty() {
            return;
        }
        let ticket = self.tickets.remove(r.below(self.tickets.len()));
        let result = [
            ActionResult::Done,
            ActionResult::Power { on: true },
            ActionResult::Power { on: false },
            ActionResult::Failed(CompletionCode::NodeBusy),
            ActionResult::Failed(CompletionCode::Timeout),
        ][r.below(5)];
        let before = self.snapshot();
        let mut out = [0u8; 2 * MAX_DATAGRAM];
        let (ep, now, rng) = (&mut self.ep, self.now, &mut self.rng);
        let n = no_alloc(|| ep.complete(ticket, result, now, rng, &mut out));
        if let Some(n) = n {
            assert!(n > 0 && n <= MAX_DATAGRAM, "completion reply of {n} bytes");
        }
        let after = self.snapshot();
        // complete() runs no timers: expired sessions may linger until the next handle/poll.
        self.check(&before, &after, None, Output::Drop, false);
    }

    fn challenge(&mut self, r: &mut Reader) {
        let peer = r.below(3);
        let auth_type = [2u8, 2, 2, 1, 4, 0][r.below(7).min(5)];
        let mut data = vec![auth_type];
        let mut name = [0u8; 16];
        match r.below(6) {
            i @ 0..=3 => name[..USER_TABLE[i].0.len()].copy_from_slice(USER_TABLE[i].0),
            4 => {}
            _ => name = r.array(),
        }
        data.extend_from_slice(&name);
        let msg = lan_request(NetFn::App, 0x39, r.u8(), &data);
        let bytes = seal_v15(0, 0, 0, &msg, None);
        self.send(peer, bytes, false);
    }

    fn activate(&mut self, r: &mut Reader) {
        let Some(id) = pick(&self.challenges, r) else {
            return;
        };
        let rec = &self.challenges[&id];
        let mut peer = self.peer_index(rec.peer);
        if r.below(8) == 0 {
            peer = r.below(3);
        }
        let right = r.below(4) != 0;
        let kuid = password_for(self.ep.config(), &rec.name, right);
        let auth_type = if r.below(8) == 0 {
            r.u8() & 0x07
        } else {
            rec.auth_type
        };
        let challenge = if r.below(8) == 0 {
            r.array()
        } else {
            rec.challenge
        };
        let mut data = vec![auth_type, r.u8() & 0x0F];
        data.extend_from_slice(&challenge);
        data.extend_from_slice(&r.u32().to_le_bytes());
        let msg = lan_request(NetFn::App, 0x3A, r.u8(), &data);
        let bytes = seal_v15(auth_type, 0, id, &msg, Some(&kuid));
        let reply = self.send(peer, bytes, false);
        let Some((0x3A, CompletionCode::Normal, rsp)) = reply.as_deref().and_then(v15_response)
        else {
            return;
        };
        if rsp.len() == 10 {
            let inbound = u32::from_le_bytes([rsp[5], rsp[6], rsp[7], rsp[8]]);
            self.consoles.push(Console {
                id,
                peer,
                protection: Protection::V15 { auth_type, kuid },
                out_seq: inbound,
                last_seq: inbound,
            });
        }
    }

    /// Pre-session commands in both framings (auth caps, cipher suites, anything else).
    fn presession(&mut self, r: &mut Reader) {
        let peer = r.below(3);
        let (cmd, data) = match r.below(3) {
            0 => (0x38, vec![r.u8(), r.u8()]),
            1 => (0x54, vec![r.u8(), r.u8(), r.u8()]),
            _ => (r.u8(), r.bytes(20).to_vec()),
        };
        let msg = lan_request(NetFn::App, cmd, r.u8(), &data);
        let bytes = if r.bool() {
            seal_v15(0, 0, 0, &msg, None)
        } else {
            seal_plain(PayloadType::Ipmi, &msg)
        };
        self.send(peer, bytes, false);
    }

    fn peer_index(&self, peer: SocketAddr) -> usize {
        peers().iter().position(|p| *p == peer).unwrap_or(0)
    }

    /// Sends one datagram, checks every invariant, learns from the reply; returns the reply.
    fn send(&mut self, peer: usize, bytes: Vec<u8>, bypass: bool) -> Option<Vec<u8>> {
        let peer_addr = peers()[peer % 3];
        let before = self.snapshot();
        let mut out = [0u8; 2 * MAX_DATAGRAM];
        set_bypass(bypass);
        let (ep, now, rng) = (&mut self.ep, self.now, &mut self.rng);
        let output = no_alloc(|| ep.handle(now, peer_addr, &bytes, rng, &mut out));
        set_bypass(false);
        let after = self.snapshot();
        let sent = Sent {
            peer: peer_addr,
            bytes: &bytes,
            bypass,
            reply: match output {
                Output::Reply(n) => Some(&out[..n]),
                _ => None,
            },
        };
        self.check(&before, &after, Some(&sent), output, true);
        let reply = match output {
            Output::Reply(n) => Some(out[..n].to_vec()),
            Output::Pending(ticket, _) => {
                self.tickets.push(ticket);
                None
            }
            Output::Drop => None,
        };
        if let Some(reply) = &reply {
            self.learn(peer_addr, &bytes, reply);
        }
        if self.history.len() < 48 {
            self.history.push((peer, bytes));
        }
        reply
    }

    /// Records Open Session, RAKP1/2 and challenge exchanges from the traffic itself, and checks
    /// what the BMC proved in them.
    fn learn(&mut self, peer: SocketAddr, request: &[u8], reply: &[u8]) {
        match Datagram::parse(request) {
            Ok(Datagram::V20 { body, .. }) => {
                let mut scratch = [0u8; 128];
                let Ok(req) = rmcp::session::v20::open(body, None, &mut scratch) else {
                    return;
                };
                let Some((rtype, payload)) = plain_payload(reply) else {
                    return;
                };
                match (req.payload_type(), rtype) {
                    (PayloadType::OpenSessionRequest, PayloadType::OpenSessionResponse) => {
                        let (Ok(rq), Ok(rsp)) = (
                            OpenSessionRequest::parse(req.payload),
                            OpenSessionResponse::parse(&payload),
                        ) else {
                            return;
                        };
                        if rsp.status != RmcpPlusStatus::NoErrors {
                            return;
                        }
                        assert_eq!(rsp.console_session_id, rq.console_session_id);
                        let suite = CipherSuite::by_algorithms(
                            rsp.auth,
                            rsp.integrity,
                            rsp.confidentiality,
                        )
                        .expect("Open Session chose algorithms of no suite");
                        let config = self.ep.config();
                        assert!(
                            config.suite_enabled(suite.id),
                            "chose disabled suite {}",
                            suite.id
                        );
                        let cap = config
                            .channel_privilege_limit
                            .min(config.suite_cap(suite.id));
                        assert!(
                            rsp.max_privilege.rank() >= 1 && rsp.max_privilege.rank() <= cap.rank(),
                            "Open Session granted {:?} above {cap:?}",
                            rsp.max_privilege
                        );
                        let id = rsp.bmc_session_id;
                        self.rakps.remove(&id);
                        self.challenges.remove(&id);
                        self.opens.insert(
                            id,
                            OpenRec {
                                peer,
                                console_id: rsp.console_session_id,
                                suite,
                                max_privilege: rsp.max_privilege,
                            },
                        );
                    }
                    (PayloadType::Rakp1, PayloadType::Rakp2) => {
                        let (Ok(rq), Ok(rsp)) = (Rakp1::parse(req.payload), Rakp2::parse(&payload))
                        else {
                            return;
                        };
                        if rsp.status != RmcpPlusStatus::NoErrors {
                            return;
                        }
                        let id = rq.bmc_session_id;
                        let open = self
                            .opens
                            .get(&id)
                            .expect("RAKP2 for a session never opened");
                        assert_eq!(open.peer, peer, "RAKP2 to another peer than Open Session's");
                        let config = self.ep.config();
                        let user = config
                            .find_user(rq.user_name)
                            .and_then(|u| config.user(u))
                            .filter(|u| u.enabled)
                            .expect("RAKP2 with a code for no enabled user");
                        let ctx = RakpContext {
                            console_session_id: open.console_id,
                            bmc_session_id: id,
                            console_random: rq.console_random,
                            bmc_random: rsp.bmc_random,
                            bmc_guid: config.system_guid,
                            role: rq.role,
                            user_name: rq.user_name,
                        };
                        let code = rakp::rakp2_auth_code(open.suite.auth, &user.password, &ctx)
                            .expect("RAKP2 for a suite without RAKP codes");
                        assert_eq!(rsp.key_exchange_auth_code, code.as_bytes(), "RAKP2 code");
                        self.rakps.insert(
                            id,
                            Rakp1Rec {
                                peer,
                                rm: rq.console_random,
                                role: rq.role,
                                name: rq.user_name.to_vec(),
                                rc: rsp.bmc_random,
                            },
                        );
                    }
                    _ => {}
                }
            }
            Ok(Datagram::V15 { session, .. }) if session.session_id == 0 => {
                let Ok(req) = RequestRepr::parse_bytes(session.message) else {
                    return;
                };
                if req.netfn != NetFn::App || req.cmd != 0x39 || req.data.len() != 17 {
                    return;
                }
                let Some((0x39, CompletionCode::Normal, rsp)) = v15_response(reply) else {
                    return;
                };
                if rsp.len() != 20 {
                    return;
                }
                let id = u32::from_le_bytes([rsp[0], rsp[1], rsp[2], rsp[3]]);
                let mut challenge = [0u8; 16];
                challenge.copy_from_slice(&rsp[4..]);
                let name = &req.data[1..];
                let end = name.iter().position(|&b| b == 0).unwrap_or(16);
                self.opens.remove(&id);
                self.rakps.remove(&id);
                self.challenges.insert(
                    id,
                    ChallengeRec {
                        peer,
                        name: name[..end].to_vec(),
                        auth_type: req.data[0] & 0x0F,
                        challenge,
                    },
                );
            }
            _ => {}
        }
    }

    #[cfg(fuzzing)]
    fn snapshot(&self) -> Vec<rmcp::server::fuzzing::SessionView> {
        self.ep.fuzz_sessions().collect()
    }

    #[cfg(not(fuzzing))]
    fn snapshot(&self) -> usize {
        self.ep.active_sessions()
    }

    /// The invariants that need only the outside view.
    fn check_output(&self, sent: Option<&Sent>, output: Output) -> Kind {
        let Some(sent) = sent else {
            return Kind::Unparsed;
        };
        let kind = classify(sent.bytes);
        match output {
            Output::Drop => {}
            Output::Reply(n) => {
                assert_ne!(kind, Kind::Unparsed, "a reply to an unparseable datagram");
                assert!(n > 0 && n <= MAX_DATAGRAM, "reply of {n} bytes");
                if kind == Kind::PreSession {
                    check_presession_reply(sent.bytes.len(), n);
                }
            }
            Output::Pending(..) => {
                assert!(
                    matches!(kind, Kind::InSession { .. }),
                    "a platform action outside a session"
                );
            }
        }
        kind
    }

    #[cfg(not(fuzzing))]
    fn check(
        &mut self,
        before: &usize,
        after: &usize,
        sent: Option<&Sent>,
        output: Output,
        _polled: bool,
    ) {
        self.check_output(sent, output);
        assert!(*after <= SESSIONS);
        if after > before {
            assert_eq!(after - before, 1, "two sessions became active at once");
            let Some(sent) = sent else {
                panic!("a session became active without a datagram");
            };
            let id = match Datagram::parse(sent.bytes) {
                Ok(Datagram::V20 { body, .. }) => {
                    let mut scratch = [0u8; 128];
                    rmcp::session::v20::open(body, None, &mut scratch)
                        .ok()
                        .and_then(|o| Rakp3::parse(o.payload).ok())
                        .map(|r| r.bmc_session_id)
                }
                Ok(Datagram::V15 { session, .. }) => Some(session.session_id),
                _ => None,
            };
            let id = id.expect("a session became active on neither RAKP3 nor Activate Session");
            assert!(
                self.valid_activation(id, sent),
                "session {id:#x} active without valid RAKP3"
            );
            self.activations += 1;
        }
    }

    #[cfg(fuzzing)]
    fn check(
        &mut self,
        before: &[rmcp::server::fuzzing::SessionView],
        after: &[rmcp::server::fuzzing::SessionView],
        sent: Option<&Sent>,
        output: Output,
        polled: bool,
    ) {
        use rmcp::server::fuzzing::{SessionView, Stage};
        let kind = self.check_output(sent, output);
        let config = self.ep.config();
        let (idle_ms, handshake_ms) = (
            u64::from(config.session_timeout_ms),
            u64::from(config.handshake_timeout_ms),
        );
        let now = self.now;
        let expired = |s: &SessionView| {
            if s.stage == Stage::Active {
                !s.pending && now.since(s.last) >= idle_ms
            } else {
                now.since(s.created) >= handshake_ms
            }
        };
        let find = |list: &[SessionView], id: u32| list.iter().find(|s| s.id == id).copied();

        // The table.
        assert!(after.len() <= SESSIONS);
        for (i, s) in after.iter().enumerate() {
            assert_ne!(s.id, 0, "session id 0");
            assert!(
                after[i + 1..].iter().all(|t| t.id != s.id),
                "duplicate session id"
            );
            assert!(
                !polled || !expired(s),
                "an expired session is still in the table: {s:?}"
            );
        }
        // Expiry, and in-session packets to unknown sessions.
        if let Kind::InSession { id, .. } = kind {
            match find(before, id) {
                None if output != Output::Drop => {
                    // Only the answer to the session's own Close Session again: the same
                    // bytes, to its peer, at most 3 times within 5 s.
                    let rec = self.closed.get_mut(&id);
                    let rec = rec.unwrap_or_else(|| panic!("a reply for unknown session {id:#x}"));
                    let sent = sent.expect("an in-session kind has a datagram");
                    assert_eq!(
                        sent.reply,
                        Some(&rec.answer[..]),
                        "{id:#x}: not the Close answer"
                    );
                    assert_eq!(sent.peer, rec.peer, "{id:#x}: Close answer to another peer");
                    assert!(now.since(rec.at) < 5_000, "{id:#x}: Close answer too late");
                    rec.answered += 1;
                    assert!(
                        rec.answered <= 3,
                        "{id:#x}: Close answer sent again too often"
                    );
                }
                None => {}
                Some(s) if expired(&s) => {
                    assert_eq!(output, Output::Drop, "an expired session answered: {s:?}")
                }
                _ => {}
            }
        }
        // A session that its own datagram removed, with an answer: its Close Session.
        if let (Kind::InSession { id, .. }, Some(sent)) = (kind, sent) {
            if let (Some(answer), Some(_), None) = (sent.reply, find(before, id), find(after, id)) {
                let rec = ClosedRec {
                    peer: sent.peer,
                    at: now,
                    answer: answer.to_vec(),
                    answered: 0,
                };
                self.closed.insert(id, rec);
            }
        }
        for s in before.iter().filter(|s| polled && expired(s)) {
            if let Some(t) = find(after, s.id) {
                assert!(
                    t.created == now && t.stage != Stage::Active,
                    "expired session lives on"
                );
            }
        }
        // Protection bits must match the suite.
        if let Kind::InSession {
            id,
            v20_bits: Some(bits),
            ..
        } = kind
        {
            if let Some(suite) = find(before, id)
                .filter(|s| s.stage == Stage::Active)
                .and_then(|s| s.suite)
                .and_then(CipherSuite::by_id)
            {
                if bits != (suite.authenticated(), suite.encrypted()) {
                    assert_eq!(
                        output,
                        Output::Drop,
                        "suite {} packet with bits {bits:?}",
                        suite.id
                    );
                }
            }
        }

        let mut moved: Option<u32> = None;
        for s in after.iter().filter(|s| s.stage == Stage::Active) {
            let prev = find(before, s.id).filter(|p| p.stage == Stage::Active);
            let privilege = s.privilege.expect("active session without privilege");
            assert!(privilege.rank() >= 1, "session privilege {privilege:?}");
            assert!(
                privilege.rank() <= s.max_privilege.rank(),
                "privilege {privilege:?} above the session maximum {:?}",
                s.max_privilege
            );
            let Some(prev) = prev else {
                // Newly active: only a valid RAKP3 / Activate Session may do that.
                let Some(sent) = sent else {
                    panic!("session {:#x} became active without a datagram", s.id);
                };
                assert!(
                    self.valid_activation(s.id, sent),
                    "session {:#x} became active without a valid RAKP3 / Activate Session",
                    s.id
                );
                let cap = self.cap_of(s);
                assert!(
                    s.max_privilege.rank() <= cap.rank(),
                    "session maximum {:?} above its cap {cap:?}",
                    s.max_privilege
                );
                self.caps.insert(s.id, cap);
                self.activations += 1;
                self.accepted.remove(&(s.id, true));
                self.accepted.remove(&(s.id, false));
                continue;
            };
            assert_eq!(
                s.max_privilege, prev.max_privilege,
                "session maximum changed"
            );
            assert_eq!(s.user_id, prev.user_id, "session user changed");
            assert_eq!(s.suite, prev.suite, "session suite changed");
            if let Some(cap) = self.caps.get(&s.id) {
                assert!(
                    privilege.rank() <= cap.rank(),
                    "privilege above the session cap"
                );
            }
            let (Some((auth_before, plain_before)), Some((auth_after, plain_after))) =
                (prev.windows, s.windows)
            else {
                panic!("active session without windows");
            };
            let auth_moved = auth_before != auth_after;
            let plain_moved = plain_before != plain_after;
            if !auth_moved && !plain_moved {
                continue;
            }
            let Kind::InSession {
                id,
                seq,
                authenticated,
                v20_bits,
            } = kind
            else {
                panic!("session {:#x}'s window moved without a packet for it", s.id);
            };
            assert_eq!(
                id, s.id,
                "a packet for {id:#x} moved the window of {:#x}",
                s.id
            );
            assert!(
                if authenticated {
                    !plain_moved
                } else {
                    !auth_moved
                },
                "the wrong window moved"
            );
            let sent = sent.expect("window moved without a datagram");
            if v20_bits.is_some_and(|(a, _)| a) && !sent.bypass {
                assert!(
                    self.authentic.contains(&sent.bytes[4..]),
                    "a packet not sealed with the session keys moved the window"
                );
            }
            let fresh = self
                .accepted
                .entry((id, authenticated))
                .or_default()
                .insert(seq);
            assert!(
                fresh,
                "session {id:#x} accepted sequence number {seq:#x} twice"
            );
            moved = Some(id);
        }
        if let Output::Pending(..) = output {
            let Kind::InSession { id, .. } = kind else {
                unreachable!()
            };
            assert_eq!(
                moved,
                Some(id),
                "a platform action from a packet not freshly accepted"
            );
        }
    }

    /// The privilege cap of a session that just became active.
    #[cfg(fuzzing)]
    fn cap_of(&self, s: &rmcp::server::fuzzing::SessionView) -> Privilege {
        let config = self.ep.config();
        let user = config.user(s.user_id).expect("active session of no user");
        let mut cap = user.privilege_limit.min(config.channel_privilege_limit);
        if let Some(suite) = s.suite {
            cap = cap.min(config.suite_cap(suite));
            if let Some(open) = self.opens.get(&s.id) {
                cap = cap.min(open.max_privilege);
            }
            if let Some(rec) = self.rakps.get(&s.id) {
                cap = cap.min(Privilege::from(rec.role & 0x0F));
            }
        }
        cap
    }

    /// Whether `sent` is, by the harness's own judgement, a valid RAKP3 or Activate Session for
    /// session `id`.
    fn valid_activation(&self, id: u32, sent: &Sent) -> bool {
        let config = self.ep.config();
        match Datagram::parse(sent.bytes) {
            Ok(Datagram::V20 { body, .. }) => {
                let mut scratch = [0u8; 128];
                let Ok(opened) = rmcp::session::v20::open(body, None, &mut scratch) else {
                    return false;
                };
                let Ok(rq) = Rakp3::parse(opened.payload) else {
                    return false;
                };
                let (Some(open), Some(rec)) = (self.opens.get(&id), self.rakps.get(&id)) else {
                    return false;
                };
                if opened.payload_type() != PayloadType::Rakp3
                    || opened.session_id() != 0
                    || rq.bmc_session_id != id
                    || rq.status != RmcpPlusStatus::NoErrors
                    || open.peer != sent.peer
                    || rec.peer != sent.peer
                {
                    return false;
                }
                let Some(user) = config.find_user(&rec.name).and_then(|u| config.user(u)) else {
                    return false;
                };
                let ctx = RakpContext {
                    console_session_id: open.console_id,
                    bmc_session_id: id,
                    console_random: rec.rm,
                    bmc_random: rec.rc,
                    bmc_guid: config.system_guid,
                    role: rec.role,
                    user_name: &rec.name,
                };
                rakp::rakp3_auth_code(open.suite.auth, &user.password, &ctx)
                    .is_ok_and(|code| code.as_bytes() == rq.key_exchange_auth_code)
            }
            Ok(Datagram::V15 { session, .. }) => {
                let Some(rec) = self.challenges.get(&id) else {
                    return false;
                };
                let Some(user) = config.find_user(&rec.name).and_then(|u| config.user(u)) else {
                    return false;
                };
                let Ok(req) = RequestRepr::parse_bytes(session.message) else {
                    return false;
                };
                session.session_id == id
                    && rec.peer == sent.peer
                    && u8::from(session.auth_type) == rec.auth_type
                    && rmcp::session::v15::verify(&session, &user.password).is_ok()
                    && req.netfn == NetFn::App
                    && req.cmd == 0x3A
                    && req.data.len() == 22
                    && req.data[2..18] == rec.challenge
            }
            _ => false,
        }
    }
}

/// Builds session scripts in the format [`session`] reads, for seeds and tests.
pub struct Script(pub Vec<u8>);

/// Opcodes of [`Harness::step`].
mod op {
    pub const OPEN: u8 = 0;
    pub const RAKP1: u8 = 1;
    pub const RAKP3: u8 = 2;
    pub const REQUEST: u8 = 3;
    pub const TAMPER: u8 = 5;
    pub const REPLAY: u8 = 6;
    pub const ADVANCE: u8 = 7;
    pub const COMPLETE: u8 = 8;
    pub const CHALLENGE: u8 = 10;
    pub const ACTIVATE: u8 = 11;
    pub const PRESESSION: u8 = 12;
    pub const SOL_COMMAND: u8 = 13;
    pub const SOL_PACKET: u8 = 14;
    pub const SOL_MACHINE: u8 = 15;
}

impl Script {
    /// A script for configuration `variant` and random seed `seed`.
    pub fn new(variant: u8, seed: u32) -> Self {
        let mut v = vec![variant];
        v.extend_from_slice(&seed.to_le_bytes());
        Script(v)
    }
    fn push(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
    /// Open Session from peer 0 proposing `SUITES[suite_index]`.
    pub fn open(self, suite_index: u8, privilege: u8) -> Self {
        self.push(&[
            op::OPEN,
            0,
            suite_index,
            0x11,
            privilege,
            0xA4,
            0xA3,
            0xA2,
            0xA0,
        ])
    }
    /// RAKP1 for the first recorded open session, user `USER_TABLE[user]`, privilege index
    /// (into 1, 2, 3, 4, 5, 0, 0x0F), name-only lookup.
    pub fn rakp1(self, user: u8, privilege_index: u8) -> Self {
        self.push(&[op::RAKP1, 0, 1, user, privilege_index, 1])
            .push(&[0x5A; 16])
            .push(&[0x22])
    }
    /// RAKP3 for the first recorded RAKP2, with the right or a wrong password.
    pub fn rakp3(self, right: bool) -> Self {
        self.push(&[op::RAKP3, 0, u8::from(right), 1, 0x33, 1])
    }
    /// An in-session request on console `console`: `kind` as in `Harness::request` with its
    /// argument bytes, the next sequence number, real keys.
    pub fn request(self, console: u8, kind: u8, args: &[u8], rq_seq: u8) -> Self {
        self.request_with(op::REQUEST, console, kind, args, rq_seq, 0)
    }
    /// The same request sent again with the previous sequence number (a retransmission).
    pub fn retransmit(self, console: u8, kind: u8, args: &[u8], rq_seq: u8) -> Self {
        self.request_with(op::REQUEST, console, kind, args, rq_seq, 2)
    }
    /// A request with one byte flipped, through the integrity bypass.
    pub fn tampered(self, console: u8, kind: u8, args: &[u8], at: u16) -> Self {
        self.request_with(op::TAMPER, console, kind, args, 7, 0)
            .push(&at.to_le_bytes())
            .push(&[0x01])
    }
    fn request_with(
        self,
        code: u8,
        console: u8,
        kind: u8,
        args: &[u8],
        rq_seq: u8,
        seq: u8,
    ) -> Self {
        self.push(&[code, console, console, kind])
            .push(args)
            .push(&[rq_seq, seq, 1])
            .push(&[0x77; 16])
            .push(&[1])
    }
    /// Replays datagram `index` of the history unchanged, from its own peer.
    pub fn replay(self, index: u8) -> Self {
        self.push(&[op::REPLAY, index, 1, 1])
    }
    /// Lets time pass: index into 1, 100, 1000, 4999, 5000, 29999, 59999, 60000, 60001, 120000 ms.
    pub fn advance(self, index: u8) -> Self {
        self.push(&[op::ADVANCE, index, 1])
    }
    /// Completes the first pending action with `ActionResult::Done`.
    pub fn complete(self) -> Self {
        self.push(&[op::COMPLETE, 0, 0])
    }
    /// IPMI 1.5 Get Session Challenge (MD5) for `USER_TABLE[user]`.
    pub fn challenge(self, user: u8) -> Self {
        self.push(&[op::CHALLENGE, 0, 0, user, 0x05])
    }
    /// IPMI 1.5 Activate Session for the first recorded challenge.
    pub fn activate(self, right: bool) -> Self {
        self.push(&[op::ACTIVATE, 0, 1, u8::from(right), 1, 1, 4])
            .push(&0x1000u32.to_le_bytes())
            .push(&[0x06])
    }
    /// A payload command on console 0 (the only one): `kind` 0 Activate Payload (SOL 1,
    /// encrypted and authenticated, as ipmitool asks), 3 Deactivate Payload, 4 Get Payload
    /// Activation Status, 5 Get Payload Instance Info, 6 Get SOL Configuration Parameters.
    pub fn sol_command(self, kind: u8, rq_seq: u8) -> Self {
        let args: &[u8] = if kind == 6 { &[0, 1] } else { &[] };
        self.push(&[op::SOL_COMMAND, 0, 1, 0, 0, kind])
            .push(args)
            .push(&[rq_seq])
            .push(&[0, 1])
            .push(&[0x55; 16])
            .push(&[1])
    }
    /// A SOL packet on console 0 with the next sequence number, ACKing the BMC's last packet
    /// in full: `chars` 0 none, 1..=4 1, 8, 200 or 201 characters; `operation` 0 NACK, 1 break,
    /// 2 CTS pause, 3 DCD/DSR and ring, 4 flushes, 6 none.
    pub fn sol_packet(self, chars: u8, operation: u8) -> Self {
        self.push(&[op::SOL_PACKET, 0, chars, 1, 0, 0, 0, 0, operation, 1, 1])
            .push(&[0, 1])
            .push(&[0x66; 16])
            .push(&[1])
    }
    /// The machine prints `amount`: 1 one byte, 2 160, 3 700 bytes.
    pub fn sol_output(self, amount: u8) -> Self {
        self.push(&[op::SOL_MACHINE, 0, amount])
    }
    /// The shell takes the console's events (break, lines).
    pub fn sol_events(self) -> Self {
        self.push(&[op::SOL_MACHINE, 4])
    }
    /// Get Channel Auth Capabilities before a session, IPMI 1.5 or 2.0 framing.
    pub fn auth_caps(self, v15: bool) -> Self {
        self.push(&[op::PRESESSION, 0, 0, 0x8E, 0x04, 0x01, u8::from(v15)])
    }
}

/// Session scripts that each establish at least one session: one per suite (with traffic,
/// a platform action, a retransmission, a replay, a tampered packet and expiry) and IPMI 1.5.
pub fn seed_scripts() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, suite) in SUITES.iter().enumerate() {
        let i = i as u8;
        let s = Script::new(0x01, 0xC0FFEE + u32::from(i))
            .auth_caps(false)
            .open(i, 0)
            .rakp1(0, 3)
            .rakp3(true)
            .request(0, 7, &[], 1) // Get Device ID
            .request(0, 0, &[4], 2) // Set Session Privilege: Administrator
            .request(0, 3, &[1], 3) // Chassis Control: power on (a platform action)
            .retransmit(0, 3, &[1], 3)
            .complete()
            .replay(4)
            .tampered(0, 4, &[], 20)
            .advance(9)
            .request(0, 4, &[], 4);
        out.push((format!("suite{:02}", suite.id), s.0));
    }
    let wrong = Script::new(0x00, 7)
        .open(3, 0)
        .rakp1(0, 3)
        .rakp3(false)
        .rakp3(true);
    out.push(("wrong-password".into(), wrong.0));
    // Serial over LAN: activate, machine output ACKed, console characters with a break, a NACK,
    // a retransmission, output past the room, deactivate; then SOL ended by Close Session.
    for suite in [17u8, 3] {
        let i = SUITES.iter().position(|s| s.id == suite).unwrap() as u8;
        let s = Script::new(0x00, 0x5017 + u32::from(suite))
            .open(i, 0)
            .rakp1(0, 3)
            .rakp3(true)
            .request(0, 0, &[4], 1) // Set Session Privilege: Administrator
            .sol_command(0, 2) // Activate Payload
            .sol_command(4, 3) // Get Payload Activation Status
            .sol_output(3)
            .advance(1)
            .sol_packet(2, 6) // ACK, 8 characters
            .sol_packet(1, 1) // ACK, 1 character, break
            .sol_events()
            .sol_output(2)
            .advance(1)
            .sol_packet(0, 0) // NACK
            .advance(2) // the retry interval passes: retransmission
            .sol_packet(0, 2) // ACK, CTS pause
            .sol_output(1)
            .advance(1)
            .sol_packet(3, 4) // 200 characters, flushes
            .sol_command(3, 4) // Deactivate Payload
            .sol_command(0, 5) // Activate again
            .request(0, 1, &[], 6); // Close Session: SOL ends with it
        out.push((format!("sol-suite{suite:02}"), s.0));
    }
    let v15 = Script::new(0x10, 9)
        .auth_caps(true)
        .challenge(0)
        .activate(true)
        .request(0, 4, &[], 1)
        .request(0, 1, &[], 2); // Close Session
    out.push(("v15-md5".into(), v15.0));
    out
}

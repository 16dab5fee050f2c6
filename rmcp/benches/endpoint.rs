//! The endpoint's cost per in-session request, next to the raw crypto the request needs.
//!
//! Group `endpoint`, per suite (3: HMAC-SHA1-96 + AES-CBC-128, 17: HMAC-SHA256-128 + AES):
//!
//! - `handle/get-device-id/suite-N`: `Endpoint::handle` on a sealed Get Device ID request (a
//!   direct reply): parse, session lookup, verify, decrypt, replay window, dispatch, response,
//!   encrypt, sign.
//! - `handle+complete/get-chassis-status/suite-N`: Get Chassis Status, which the dispatcher
//!   defers to the platform (`Output::Pending(PowerStatus)`); the platform answers at once with
//!   `Endpoint::complete`. Both calls are timed.
//! - `raw-keys/get-device-id/suite-N`: only the crypto of that request, on the very same bytes,
//!   through `rmcp::session::SessionKeys` (what the endpoint calls): verify the request's AuthCode,
//!   decrypt its payload, encrypt the reply's LAN message, sign the reply.
//! - `raw-prekeyed/get-device-id/suite-N`: the same four operations straight on the RustCrypto
//!   crates with the HMAC key state and the AES key schedule computed once per session instead of
//!   once per operation: the floor a per-packet implementation can reach.
//!
//! The ratio `handle / raw-keys` is what the endpoint adds on top of its crypto. Since two
//! criterion results taken seconds apart on a busy machine can differ by more than the effect,
//! the ratios are also measured interleaved after each suite's benches (see [`interleaved`]) and
//! printed as a `ratio suite=N ...` line, which `benches/table.sh` puts in its table.
//!
//! Sequence numbers: the endpoint drops a replayed session sequence number, and answers a request
//! that repeats the previous LAN message (same rqSeq, command and data) from its reply cache. So
//! every iteration needs a request sealed with a fresh session sequence number and a new rqSeq.
//! Sealing costs about as much as the endpoint's own crypto, so it must not be timed:
//! `iter_batched_ref` builds a batch of sealed requests (increasing sequence numbers, rqSeq
//! cycling through 0..63) untimed, then times only the endpoint on each, in order. Batches are
//! consumed in the order they were built, so every request is fresh and in the window (a request
//! answered by drop instead of a reply fails the bench). The session itself is set up by
//! `rmcp::client` against the same endpoint; its keys are derived by watching that handshake
//! (everything but the password is on the wire), as the vector tests do with captures.
//!
//! Run: `cargo bench -p rmcp --bench endpoint` (see `benches/README.md`).
mod common;
#[macro_use]
#[path = "common/cputime.rs"]
mod cputime;

use std::hint::black_box;

use aes::Aes128;
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use common::{BenchRng, Observer};
use criterion::measurement::Measurement;
use criterion::{BatchSize, BenchmarkGroup, BenchmarkId, Criterion};
use hmac::{Hmac, Mac};
use ipmi_core::bmc::{Action, ActionResult};
use ipmi_core::types::{AppCmd, ChassisCmd};
use ipmi_core::wire::{RequestRepr, ResponseRepr, BMC_ADDR, REMOTE_CONSOLE_ADDR};
use ipmi_core::{CompletionCode, Instant, NetFn};
use rmcp::server::{Endpoint, Output, MAX_DATAGRAM};
use rmcp::session::SessionKeys;
use rmcp::wire::v20::{self, PayloadType};

const NOW: Instant = Instant::from_millis(1_000);

/// The console side of an established session: what it needs to seal requests.
struct Console {
    keys: SessionKeys,
    bmc_id: u32,
    /// Next session sequence number to seal with.
    seq: u32,
    /// Next LAN rqSeq (6 bits).
    rq_seq: u8,
    /// The console's IVs.
    rng: BenchRng,
}

/// The BMC side: the endpoint and its random source (reply IVs).
struct BmcSide {
    ep: Endpoint<8, 8>,
    rng: BenchRng,
}

/// An established session: both sides (separate, so that a bench can seal in its untimed setup
/// and serve in its timed routine).
struct Live {
    console: Console,
    bmc: BmcSide,
}

/// A sealed request datagram.
struct Sealed {
    bytes: [u8; 128],
    len: usize,
}

impl Live {
    fn new(suite: u8) -> Live {
        let mut ep = common::endpoint();
        let mut bmc_rng = BenchRng(0x5EED_0000 + u64::from(suite));
        let mut client_rng = BenchRng(0xC11E_0000 + u64::from(suite));
        let (_client, transcript) =
            common::handshake(&mut ep, suite, NOW, &mut bmc_rng, &mut client_rng);
        let mut obs = Observer::default();
        for d in &transcript {
            obs.see(d, None);
        }
        assert_eq!(ep.active_sessions(), 1);
        Live {
            console: Console {
                keys: obs.keys().clone(),
                bmc_id: obs.bmc_id(),
                // The client sent nothing in session yet; any number in the window will do.
                seq: 1,
                rq_seq: 0,
                rng: BenchRng(0x1111 + u64::from(suite)),
            },
            bmc: BmcSide { ep, rng: bmc_rng },
        }
    }
}

impl Console {
    /// Seals the next request (`netfn`, `cmd`, no data) with fresh sequence numbers.
    fn seal(&mut self, netfn: NetFn, cmd: u8) -> Sealed {
        let mut msg = [0u8; 16];
        let len = RequestRepr {
            rs_addr: BMC_ADDR,
            netfn,
            rs_lun: 0,
            rq_addr: REMOTE_CONSOLE_ADDR,
            rq_seq: self.rq_seq,
            rq_lun: 0,
            cmd,
            data: &[],
        }
        .emit(&mut msg)
        .unwrap();
        self.rq_seq = (self.rq_seq + 1) % 64;
        let mut iv = [0u8; 16];
        rmcp::session::Random::fill(&mut self.rng, &mut iv);
        let mut s = Sealed {
            bytes: [0; 128],
            len: 0,
        };
        s.len = rmcp::session::v20::seal(
            &mut s.bytes,
            PayloadType::Ipmi,
            self.bmc_id,
            self.seq,
            &msg[..len],
            Some(&self.keys),
            &iv,
        )
        .unwrap();
        self.seq += 1;
        s
    }

    /// Opens a reply with the session keys and checks it is a normal response to `cmd`;
    /// returns the plaintext LAN message.
    fn check_reply(&self, reply: &[u8], cmd: u8) -> Vec<u8> {
        let mut scratch = [0u8; 256];
        let opened = rmcp::session::v20::open(&reply[4..], Some(&self.keys), &mut scratch)
            .expect("reply opens");
        let rsp = ResponseRepr::parse_bytes(opened.payload).expect("LAN response");
        assert_eq!(rsp.cmd, cmd);
        assert_eq!(rsp.completion_code, CompletionCode::Normal);
        opened.payload.to_vec()
    }
}

impl BmcSide {
    /// The endpoint's whole work on one request: handle, and complete when it is deferred.
    fn serve(&mut self, request: &[u8], out: &mut [u8]) -> usize {
        match self
            .ep
            .handle(NOW, common::peer(), request, &mut self.rng, out)
        {
            Output::Reply(n) => n,
            Output::Pending(ticket, Action::PowerStatus) => self
                .ep
                .complete(
                    ticket,
                    ActionResult::Power { on: true },
                    NOW,
                    &mut self.rng,
                    out,
                )
                .expect("completion"),
            other => panic!("the endpoint answered {other:?}"),
        }
    }
}

/// The four crypto operations of one request/reply pair, on its bytes.
struct Pair {
    /// Request: covered bytes (auth type .. next header) and AuthCode.
    rq_covered: Vec<u8>,
    rq_code: Vec<u8>,
    /// Request payload: IV ‖ ciphertext.
    rq_payload: Vec<u8>,
    /// Reply: the LAN message (plaintext), its IV, covered bytes and AuthCode length.
    rs_plain: Vec<u8>,
    rs_iv: [u8; 16],
    rs_covered: Vec<u8>,
    code_len: usize,
}

impl Pair {
    fn new(keys: &SessionKeys, request: &[u8], reply: &[u8], rs_plain: Vec<u8>) -> Pair {
        let code_len = keys.auth_code_len();
        let split = |d: &[u8]| {
            let body = &d[4..];
            let h = v20::Header::parse(body).unwrap();
            let payload =
                body[v20::HEADER_LEN..v20::HEADER_LEN + usize::from(h.payload_len)].to_vec();
            let (covered, code) = body.split_at(body.len() - code_len);
            (covered.to_vec(), code.to_vec(), payload)
        };
        let (rq_covered, rq_code, rq_payload) = split(request);
        let (rs_covered, _, rs_payload) = split(reply);
        Pair {
            rq_covered,
            rq_code,
            rq_payload,
            rs_plain,
            rs_iv: rs_payload[..16].try_into().unwrap(),
            rs_covered,
            code_len,
        }
    }

    /// Through `SessionKeys`, as the endpoint does.
    fn with_keys(&self, keys: &SessionKeys, scratch: &mut [u8], out: &mut [u8]) {
        keys.verify(&self.rq_covered, &self.rq_code).unwrap();
        let plain = keys.decrypt(&self.rq_payload, scratch).unwrap();
        black_box(plain);
        let n = keys.encrypt(&self.rs_iv, &self.rs_plain, out).unwrap();
        black_box(&out[..n]);
        let mut code = [0u8; 32];
        keys.sign(&self.rs_covered, &mut code).unwrap();
        black_box(code);
    }
}

/// The crypto of one request/reply pair, into a scratch buffer.
type PairCrypto = dyn Fn(&Pair, &mut [u8; 128]);

/// HMAC and AES keyed once (what a session could keep), cloned per operation.
struct Prekeyed<M> {
    mac: M,
    aes: Aes128,
}

impl<M: Mac + KeyInit + Clone> Prekeyed<M> {
    fn new(keys: &SessionKeys) -> Self {
        Prekeyed {
            mac: <M as KeyInit>::new_from_slice(keys.k1().as_bytes()).unwrap(),
            aes: Aes128::new_from_slice(&keys.k2().as_bytes()[..16]).unwrap(),
        }
    }

    fn run(&self, p: &Pair, buf: &mut [u8; 128]) {
        // Verify the request's AuthCode (truncated, constant time).
        let mut m = self.mac.clone();
        m.update(&p.rq_covered);
        m.verify_truncated_left(&p.rq_code).unwrap();
        // Decrypt the request payload.
        let (iv, ct) = p.rq_payload.split_at(16);
        let b = &mut buf[..ct.len()];
        b.copy_from_slice(ct);
        let iv: [u8; 16] = iv.try_into().unwrap();
        let mut dec = cbc::Decryptor::<Aes128>::inner_iv_init(self.aes.clone(), &Array::from(iv));
        let (blocks, _) = Array::slice_as_chunks_mut(b);
        dec.decrypt_blocks(blocks);
        black_box(&buf[..]);
        // Encrypt the reply's LAN message with the IPMI pad.
        let n = p.rs_plain.len();
        let pad = (16 - (n + 1) % 16) % 16;
        let total = n + pad + 1;
        let b = &mut buf[..total];
        b[..n].copy_from_slice(&p.rs_plain);
        for i in 0..pad {
            b[n + i] = (i + 1) as u8;
        }
        b[total - 1] = pad as u8;
        let mut enc =
            cbc::Encryptor::<Aes128>::inner_iv_init(self.aes.clone(), &Array::from(p.rs_iv));
        let (blocks, _) = Array::slice_as_chunks_mut(b);
        enc.encrypt_blocks(blocks);
        black_box(&buf[..]);
        // Sign the reply.
        let mut m = self.mac.clone();
        m.update(&p.rs_covered);
        let tag = m.finalize().into_bytes();
        black_box(&tag[..p.code_len]);
    }
}

fn suite<M: Measurement>(g: &mut BenchmarkGroup<'_, M>, id: u8) {
    let mut live = Live::new(id);
    let mut out = [0u8; MAX_DATAGRAM];
    let device_id = u8::from(AppCmd::GetDeviceId);
    let status = u8::from(ChassisCmd::GetChassisStatus);

    // Check both requests work end to end, and keep one Get Device ID pair for the raw crypto.
    let rq = live.console.seal(NetFn::App, device_id);
    let n = live.bmc.serve(&rq.bytes[..rq.len], &mut out);
    let rs_plain = live.console.check_reply(&out[..n], device_id);
    let pair = Pair::new(&live.console.keys, &rq.bytes[..rq.len], &out[..n], rs_plain);
    let rq = live.console.seal(NetFn::Chassis, status);
    let n = live.bmc.serve(&rq.bytes[..rq.len], &mut out);
    live.console.check_reply(&out[..n], status);

    let name = format!("suite-{id}");
    g.bench_function(BenchmarkId::new("handle/get-device-id", &name), |b| {
        b.iter_batched_ref(
            || live.console.seal(NetFn::App, device_id),
            |rq| {
                let r = live.bmc.ep.handle(
                    NOW,
                    common::peer(),
                    &rq.bytes[..rq.len],
                    &mut live.bmc.rng,
                    &mut out,
                );
                assert!(matches!(r, Output::Reply(_)), "dropped: {r:?}");
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function(
        BenchmarkId::new("handle+complete/get-chassis-status", &name),
        |b| {
            b.iter_batched_ref(
                || live.console.seal(NetFn::Chassis, status),
                |rq| live.bmc.serve(&rq.bytes[..rq.len], &mut out),
                BatchSize::SmallInput,
            )
        },
    );
    // The session is still in order after all that.
    let rq = live.console.seal(NetFn::App, device_id);
    let n = live.bmc.serve(&rq.bytes[..rq.len], &mut out);
    live.console.check_reply(&out[..n], device_id);

    let keys = live.console.keys.clone();
    let mut scratch = [0u8; 128];
    g.bench_function(BenchmarkId::new("raw-keys/get-device-id", &name), |b| {
        b.iter(|| pair.with_keys(&keys, &mut scratch, &mut out))
    });
    let prekeyed: Box<PairCrypto> = match id {
        3 => {
            let pk = Prekeyed::<Hmac<sha1::Sha1>>::new(&keys);
            Box::new(move |p, b| pk.run(p, b))
        }
        17 => {
            let pk = Prekeyed::<Hmac<sha2::Sha256>>::new(&keys);
            Box::new(move |p, b| pk.run(p, b))
        }
        _ => unreachable!("suites 3 and 17 only"),
    };
    let mut buf = [0u8; 128];
    g.bench_function(BenchmarkId::new("raw-prekeyed/get-device-id", &name), |b| {
        b.iter(|| prekeyed(&pair, &mut buf))
    });
    if std::env::args().any(|a| a == "--bench")
        && std::env::var("BENCH_RATIO").as_deref() != Ok("0")
    {
        interleaved(&mut live, &pair, &keys, &*prekeyed, id);
    }
}

/// The ratios, measured interleaved: rounds of `Endpoint::handle` on fresh Get Device ID
/// requests, then of the same pair's raw crypto via `SessionKeys`, then pre-keyed, each round
/// timed on the bench clock. The load of a shared machine drifts over seconds; neighbouring
/// rounds see the same load, so the median of the per-round ratios is much steadier than the
/// ratio of two criterion results taken seconds apart. Prints one `ratio suite=N ...` line
/// (`table.sh` reads it from the log). `BENCH_RATIO=0` skips it.
fn interleaved(live: &mut Live, pair: &Pair, keys: &SessionKeys, prekeyed: &PairCrypto, id: u8) {
    const ROUNDS: usize = 201;
    const PER_ROUND: usize = 128;
    let device_id = u8::from(AppCmd::GetDeviceId);
    let mut out = [0u8; MAX_DATAGRAM];
    let mut scratch = [0u8; 128];
    let mut buf = [0u8; 128];
    let (mut handle, mut raw, mut pre, mut r_raw, mut r_pre) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let requests: Vec<Sealed> = (0..PER_ROUND)
            .map(|_| live.console.seal(NetFn::App, device_id))
            .collect();
        let t = cputime::clock_ns();
        for rq in &requests {
            let r = live.bmc.ep.handle(
                NOW,
                common::peer(),
                black_box(&rq.bytes[..rq.len]),
                &mut live.bmc.rng,
                &mut out,
            );
            assert!(matches!(r, Output::Reply(_)), "dropped: {r:?}");
        }
        let th = (cputime::clock_ns() - t) as f64 / PER_ROUND as f64;
        let t = cputime::clock_ns();
        for _ in 0..PER_ROUND {
            pair.with_keys(keys, &mut scratch, &mut out);
        }
        let tk = (cputime::clock_ns() - t) as f64 / PER_ROUND as f64;
        let t = cputime::clock_ns();
        for _ in 0..PER_ROUND {
            prekeyed(pair, &mut buf);
        }
        let tp = (cputime::clock_ns() - t) as f64 / PER_ROUND as f64;
        handle.push(th);
        raw.push(tk);
        pre.push(tp);
        r_raw.push(th / tk);
        r_pre.push(th / tp);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "ratio suite={id} handle_ns={:.0} keys_ns={:.0} prekeyed_ns={:.0} \
         handle_over_keys={:.2} handle_over_prekeyed={:.2} rounds={ROUNDS}x{PER_ROUND}",
        median(&mut handle),
        median(&mut raw),
        median(&mut pre),
        median(&mut r_raw),
        median(&mut r_pre),
    );
}

fn endpoint<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("endpoint");
    for id in [3, 17] {
        suite(&mut g, id);
    }
    g.finish();
}

bench_main!(endpoint);

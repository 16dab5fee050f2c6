//! Parse and emit cost of each wire layer, ns per message, on captured bytes from
//! `shared/vectors` (ipmitool against the fake BMC, suite 17; ipmitool against ipmi_sim for the
//! other suites and IPMI 1.5; rmcpping for ASF).
//!
//! One group, `wire`; ids `parse/<layer>` and `emit/<layer>`. `open/suite-N` and `seal/suite-N`
//! are a whole in-session RMCP+ packet (header, integrity trailer, AuthCode, AES-CBC): the wire
//! work plus the suite's crypto, for comparison with the pure layout cost of `v20-header`.
//! Every input is checked to re-emit byte for byte before it is measured.
//!
//! Run: `cargo bench -p rmcp --bench wire` (see `benches/README.md`).
mod common;
#[macro_use]
#[path = "common/cputime.rs"]
mod cputime;

use std::hint::black_box;

use common::{find, observe, payload_type, vector, Dir};
use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use ipmi_core::wire::{RequestRepr, ResponseRepr};
use rmcp::wire::asf::{self, AsfRepr};
use rmcp::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use rmcp::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use rmcp::wire::rmcp::{self as rmcp_hdr, RmcpRepr};
use rmcp::wire::v15::SessionRepr;
use rmcp::wire::v20::{self, PayloadType};
use rmcp::wire::{Datagram, WireError};

/// Benchmarks `parse` on `bytes` and `emit` of what it parsed, after checking that the emit
/// reproduces `bytes` exactly.
fn layer<'b, R, E, M: Measurement>(
    g: &mut BenchmarkGroup<'_, M>,
    name: &str,
    bytes: &'b [u8],
    parse: fn(&'b [u8]) -> Result<R, E>,
    emit: fn(&R, &mut [u8]) -> Result<usize, E>,
) where
    E: std::fmt::Debug,
{
    let repr = parse(bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let mut out = [0u8; 256];
    let n = emit(&repr, &mut out).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(
        &out[..n],
        bytes,
        "{name}: emit must reproduce the captured bytes"
    );
    g.bench_function(BenchmarkId::new("parse", name), |b| {
        b.iter(|| parse(black_box(bytes)))
    });
    g.bench_function(BenchmarkId::new("emit", name), |b| {
        b.iter(|| emit(black_box(&repr), black_box(&mut out[..])))
    });
}

/// The session-less RMCP+ payload of a datagram (Open Session, RAKP, pre-session commands).
fn setup_payload(datagram: &[u8]) -> &[u8] {
    let Ok(Datagram::V20 { body, .. }) = Datagram::parse(datagram) else {
        panic!("not RMCP+");
    };
    rmcp::session::v20::open(body, None, &mut [])
        .unwrap()
        .payload
}

/// The session body (from the 0x06 auth type byte on) of an IPMI datagram.
fn body(datagram: &[u8]) -> &[u8] {
    &datagram[rmcp_hdr::HEADER_LEN..]
}

fn framing<M: Measurement>(g: &mut BenchmarkGroup<'_, M>) {
    let ping_v = vector("asf-rmcpping");
    let ping: &[u8] = &ping_v[0].1;
    let pong: &[u8] = &ping_v[1].1;
    layer(
        g,
        "rmcp-header",
        &ping[..rmcp_hdr::HEADER_LEN],
        |b| RmcpRepr::parse(&rmcp_hdr::Packet::new_checked(b)?),
        |r, o| r.emit(o),
    );
    // The ASF layer alone (after the RMCP header), ping and pong.
    for (name, d) in [("asf-ping", ping), ("asf-pong", pong)] {
        layer(
            g,
            name,
            body(d),
            |b| AsfRepr::parse(&asf::Packet::new_checked(b)?),
            |r, o| r.emit(o),
        );
    }

    let v17 = vector("cs17-ipmitool-power-status");
    // IPMI 1.5 session header, auth type none (Get Channel Auth Capabilities before a session).
    let v15_plain = find(&v17, Dir::C2s, |d| matches!(d, Datagram::V15 { .. }));
    layer(
        g,
        "v15-session",
        body(v15_plain),
        SessionRepr::parse,
        |r, o| r.emit(o),
    );
    // IPMI 1.5 session header with an MD5 auth code (ipmitool -I lan, in session).
    let md5 = vector("v15-md5-ipmitool-4cmds");
    let v15_md5 = find(
        &md5,
        Dir::C2s,
        |d| matches!(d, Datagram::V15 { session, .. } if session.session_id != 0),
    );
    layer(
        g,
        "v15-session-md5",
        body(v15_md5),
        SessionRepr::parse,
        |r, o| r.emit(o),
    );

    // Sorting a whole datagram into ASF / 1.5 / 2.0 (what the endpoint does first).
    let v20_dg = find(&v17, Dir::C2s, |d| {
        payload_type(d) == Some(PayloadType::Ipmi)
            && matches!(d, Datagram::V20 { body, .. } if v20::Header::parse(body).is_ok_and(|h| h.session_id != 0))
    });
    for (name, d) in [
        ("datagram-asf", ping),
        ("datagram-v15", v15_plain),
        ("datagram-v20", v20_dg),
    ] {
        let d: &[u8] = d;
        g.bench_function(BenchmarkId::new("parse", name), |b| {
            b.iter(|| Datagram::parse(black_box(d)).map(|_| ()))
        });
    }

    // RMCP+ session header (the layout only: session lookup before any crypto). Parsing needs the
    // whole body (it checks that the payload fits); emit writes the 12 header bytes.
    let b = body(v20_dg);
    let h = v20::Header::parse(b).unwrap();
    let mut out = [0u8; 32];
    let n = h.emit(&mut out).unwrap();
    assert_eq!(&out[..n], &b[..v20::HEADER_LEN]);
    g.bench_function(BenchmarkId::new("parse", "v20-header"), |bn| {
        bn.iter(|| v20::Header::parse(black_box(b)))
    });
    g.bench_function(BenchmarkId::new("emit", "v20-header"), |bn| {
        bn.iter(|| black_box(&h).emit(black_box(&mut out[..])))
    });
    // The packet view with its integrity trailer located (no crypto).
    g.bench_function(BenchmarkId::new("parse", "v20-packet-trailer"), |bn| {
        bn.iter(|| {
            let p = v20::Packet::new_checked(black_box(b))?;
            Ok::<usize, WireError>(p.payload().len() + p.trailer().len())
        })
    });
}

fn setup<M: Measurement>(g: &mut BenchmarkGroup<'_, M>) {
    let v = vector("cs17-ipmitool-power-status");
    let by_type = |dir, t| setup_payload(find(&v, dir, |d| payload_type(d) == Some(t)));
    layer(
        g,
        "open-session-request",
        by_type(Dir::C2s, PayloadType::OpenSessionRequest),
        OpenSessionRequest::parse,
        |r, o| r.emit(o),
    );
    layer(
        g,
        "open-session-response",
        by_type(Dir::S2c, PayloadType::OpenSessionResponse),
        OpenSessionResponse::parse,
        |r, o| r.emit(o),
    );
    layer(
        g,
        "rakp1",
        by_type(Dir::C2s, PayloadType::Rakp1),
        Rakp1::parse,
        |r, o| r.emit(o),
    );
    layer(
        g,
        "rakp2",
        by_type(Dir::S2c, PayloadType::Rakp2),
        Rakp2::parse,
        |r, o| r.emit(o),
    );
    layer(
        g,
        "rakp3",
        by_type(Dir::C2s, PayloadType::Rakp3),
        Rakp3::parse,
        |r, o| r.emit(o),
    );
    layer(
        g,
        "rakp4",
        by_type(Dir::S2c, PayloadType::Rakp4),
        Rakp4::parse,
        |r, o| r.emit(o),
    );
}

/// In-session RMCP+ packets: open (verify + decrypt) and seal (encrypt + sign) per suite, and the
/// LAN messages inside.
fn sessions<M: Measurement>(g: &mut BenchmarkGroup<'_, M>) {
    for (suite, name) in [
        (0, "cs00-ipmitool-power-status"),
        (2, "cs02-ipmitool-power-status"),
        (3, "cs03-ipmitool-power-status"),
        (17, "cs17-ipmitool-power-status"),
    ] {
        let v = vector(name);
        let obs = observe(&v, None);
        let keys = obs.keys();
        assert_eq!(keys.suite().id, suite);
        let in_session = |d: &Datagram<'_>| {
            matches!(d, Datagram::V20 { body, .. }
                if v20::Header::parse(body).is_ok_and(|h| h.session_id != 0))
        };
        let dg = find(&v, Dir::C2s, in_session);
        let b = body(dg);
        let header = v20::Header::parse(b).unwrap();
        let mut scratch = [0u8; 256];
        let payload = rmcp::session::v20::open(b, Some(keys), &mut scratch)
            .expect("captured packet opens")
            .payload
            .to_vec();
        let mut iv = [0u8; 16];
        if header.encrypted {
            iv.copy_from_slice(&b[12..28]);
        }
        let mut out = [0u8; 256];
        let n = rmcp::session::v20::seal(
            &mut out,
            PayloadType::Ipmi,
            header.session_id,
            header.sequence,
            &payload,
            Some(keys),
            &iv,
        )
        .unwrap();
        assert_eq!(
            &out[..n],
            dg,
            "suite {suite}: re-seal must reproduce the capture"
        );
        let id = format!("suite-{suite}");
        g.bench_function(BenchmarkId::new("open", &id), |bn| {
            bn.iter(|| {
                rmcp::session::v20::open(black_box(b), Some(keys), &mut scratch)
                    .map(|o| o.payload.len())
            })
        });
        g.bench_function(BenchmarkId::new("seal", &id), |bn| {
            bn.iter(|| {
                rmcp::session::v20::seal(
                    black_box(&mut out),
                    PayloadType::Ipmi,
                    header.session_id,
                    header.sequence,
                    black_box(&payload),
                    Some(keys),
                    &iv,
                )
            })
        });
        if suite == 17 {
            // The IPMI LAN messages inside (request and response), ipmi_core::wire.
            layer(
                g,
                "lan-request",
                &payload,
                RequestRepr::parse_bytes,
                |r, o| r.emit(o),
            );
            let rsp_dg = find(&v, Dir::S2c, in_session);
            let mut scratch = [0u8; 256];
            let rsp = rmcp::session::v20::open(body(rsp_dg), Some(keys), &mut scratch)
                .unwrap()
                .payload
                .to_vec();
            layer(
                g,
                "lan-response",
                &rsp,
                ResponseRepr::parse_bytes,
                |r, o| r.emit(o),
            );
        }
    }
}

fn wire<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("wire");
    framing(&mut g);
    setup(&mut g);
    sessions(&mut g);
    g.finish();
}

bench_main!(wire);
